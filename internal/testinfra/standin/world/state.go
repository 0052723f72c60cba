package world

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// State is everything the stand-in AWS holds.
type State struct {
	// Organization is the organization every account belongs to.
	Organization Organization `json:"organization"`
	// Objects are the AWS objects, in the order they were created.
	Objects []*Object `json:"objects"`
	// Serial counts the objects ever created; IDs derive from it.
	Serial uint64 `json:"serial"`
	// ServedBy records, per stand-in plugin, the build of the checkout that
	// served this world (BuildID).
	ServedBy map[string]string `json:"servedBy,omitempty"`
	// Quotas are the Service Quotas values the tier set, by
	// "account/region/code" (region "*": every region); every other quota
	// has a new account's value (Quota).
	Quotas map[string]float64 `json:"quotas,omitempty"`
	// ZoneOrders map an account's zone names in a region to zone IDs, by
	// "account/region", where the tier set them (ZonesOf).
	ZoneOrders map[string][]string `json:"zoneOrders,omitempty"`
	// InterfaceLinger is how long a deleted cluster's control-plane network
	// interfaces stay in its subnets; the tier sets it (AWS takes minutes).
	InterfaceLinger time.Duration `json:"interfaceLinger,omitempty"`

	// dir and pool are the world's directory and API servers.
	dir  string
	pool *Pool
}

// BuildID identifies the checkout a stand-in plugin was built from;
// scripts/standin.sh sets it with -ldflags.
var BuildID = "unknown"

// Served records that a plugin of this build served the world.
func (s *State) Served(plugin string) {
	if s.ServedBy == nil {
		s.ServedBy = map[string]string{}
	}
	s.ServedBy[plugin] = BuildID
}

// Organization is the AWS Organization of the world.
type Organization struct {
	// ID is the organization's ID, o-....
	ID string `json:"id"`
	// ManagementAccount is the management account's ID.
	ManagementAccount string `json:"managementAccount"`
	// RootID is the ID of the organization's root, r-....
	RootID string `json:"rootId"`
	// Accounts are the member accounts, the management account included.
	// An account outside this list does not exist.
	Accounts []string `json:"accounts"`
	// RAMSharing is whether RAM sharing with the organization is on.
	RAMSharing bool `json:"ramSharing"`
	// EnabledPolicyTypes are the policy types enabled on the root. A new
	// organization has none; enabling resource control policies is a step
	// of its own (https://docs.aws.amazon.com/organizations/latest/userguide/enable-policy-type.html).
	EnabledPolicyTypes []string `json:"enabledPolicyTypes,omitempty"`
	// DelegatedAdministrators are the member accounts delegated the
	// management of Organizations policies.
	DelegatedAdministrators []string `json:"delegatedAdministrators,omitempty"`
	// OrganizationalUnits are the organization's OUs. An account in none
	// is directly under the root.
	OrganizationalUnits []OrganizationalUnit `json:"organizationalUnits,omitempty"`
}

// OrganizationalUnit is one OU of the organization.
type OrganizationalUnit struct {
	// ID is the OU's ID, ou-....
	ID string `json:"id"`
	// Parent is the root or the OU it is in; empty for the root.
	Parent string `json:"parent,omitempty"`
	// Accounts are the member accounts directly in it.
	Accounts []string `json:"accounts,omitempty"`
}

// HasAccount reports whether the organization holds the account.
func (o Organization) HasAccount(id string) bool { return slices.Contains(o.Accounts, id) }

// Object is one AWS object.
type Object struct {
	// Type is the pulumi-aws type token of the resource that manages it.
	Type string `json:"type"`
	// ID is the ID the provider gives the resource.
	ID string `json:"id"`
	// Account is the account that owns it.
	Account string `json:"account"`
	// Region is its region; empty for the global services (IAM,
	// Organizations).
	Region string `json:"region,omitempty"`
	// Inputs are what the program asked for.
	Inputs map[string]any `json:"inputs"`
	// Computed is what AWS computed (ARNs, unique IDs, states).
	Computed map[string]any `json:"computed"`
	// Preexisting marks what was there before any stack (the deploy roles,
	// the organization's administrator roles); no stack creates or deletes
	// it.
	Preexisting bool `json:"preexisting,omitempty"`
	// URN is the URN of the resource that created it; empty for what AWS
	// or the seed made.
	URN string `json:"urn,omitempty"`
	// Implicit marks what AWS created along with another object, such as
	// the access entry EKS gives a cluster's creator: no resource of a
	// program manages it, and it goes when AWS removes it.
	Implicit bool `json:"implicit,omitempty"`
}

// String names an object in errors and listings.
func (o *Object) String() string {
	where := o.Account
	if o.Region != "" {
		where += "/" + o.Region
	}
	return fmt.Sprintf("%s %s in %s", o.Type, o.ID, where)
}

// Prop returns a property: what AWS computed, else what was asked for.
func (o *Object) Prop(key string) any {
	if v, ok := o.Computed[key]; ok {
		return v
	}
	return o.Inputs[key]
}

// Props returns every property as the provider returns them: the inputs
// with what AWS computed.
func (o *Object) Props() map[string]any {
	out := make(map[string]any, len(o.Inputs)+len(o.Computed))
	maps.Copy(out, o.Inputs)
	maps.Copy(out, o.Computed)
	return out
}

// Str returns a string property, or "".
func (o *Object) Str(key string) string {
	s, _ := o.Prop(key).(string)
	return s
}

// Strs returns a list-of-strings property.
func (o *Object) Strs(key string) []string { return strs(o.Prop(key)) }

// set records a computed property.
func (o *Object) set(key string, v any) {
	if o.Computed == nil {
		o.Computed = map[string]any{}
	}
	o.Computed[key] = v
}

// strs reads a JSON list of strings.
func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Caller is who asks: the account and region a provider acts in, and the
// role it assumed there.
type Caller struct {
	Account string
	Region  string
	// Principal is the ARN of the IAM role the provider acts as: the
	// creator EKS gives an access entry to.
	Principal string
}

// Partition is the ARN partition of the caller's region.
func (c Caller) Partition() string { return partition(c.Region) }

// partition returns the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// Error is a refusal as AWS words it: the API action, the error code and the
// message.
type Error struct {
	Action, Code, Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s: %s", e.Action, e.Code, e.Message) }

// refuse returns an AWS error.
func refuse(action, code, format string, args ...any) error {
	return &Error{Action: action, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Find returns the object of a type with an ID that the caller sees: in its
// account, and in its region unless the service is global.
func (s *State) Find(c Caller, typ, id string) *Object {
	region := c.Region
	if global(typ) {
		region = ""
	}
	for _, o := range s.Objects {
		if o.Type == typ && o.ID == id && o.Account == c.Account && o.Region == region {
			return o
		}
	}
	return nil
}

// Select returns the objects of a type that match.
func (s *State) Select(typ string, match func(*Object) bool) []*Object {
	var out []*Object
	for _, o := range s.Objects {
		if o.Type == typ && (match == nil || match(o)) {
			out = append(out, o)
		}
	}
	return out
}

// first returns the first object of a type that matches, or nil.
func (s *State) first(typ string, match func(*Object) bool) *Object {
	for _, o := range s.Objects {
		if o.Type == typ && match(o) {
			return o
		}
	}
	return nil
}

// remove takes an object out of the world.
func (s *State) remove(o *Object) {
	s.Objects = slices.DeleteFunc(s.Objects, func(x *Object) bool { return x == o })
}

// add puts an object into the world.
func (s *State) add(o *Object) { s.Objects = append(s.Objects, o) }

// token returns n lowercase hex digits unique to the next object: AWS's
// random suffixes, made deterministic.
func (s *State) token(n int) string {
	s.Serial++
	sum := sha256.Sum256(fmt.Appendf(nil, "stand-in|%d", s.Serial))
	return hex.EncodeToString(sum[:])[:n]
}
