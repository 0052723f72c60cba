package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumiconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Getter returns the raw value of a key of the namespace (a string, or the
// JSON text of an object or list) and whether it is set.
type Getter func(key string) (string, bool)

// FromContext reads keys from a Pulumi program's configuration.
func FromContext(ctx *pulumi.Context) Getter {
	cfg := pulumiconfig.New(ctx, Namespace)
	return func(key string) (string, bool) {
		v, err := cfg.Try(key)
		return v, err == nil
	}
}

// FromMap reads keys from a configuration map ("eks-multi-account:<key>"
// to a value), as Pulumi hands it to a program.
func FromMap(m map[string]string) Getter {
	return func(key string) (string, bool) {
		v, ok := m[Namespace+":"+key]
		return v, ok
	}
}

// Load reads the configuration and applies the defaults. The stacks then
// validate it (Validate, and the checks of each model) before anything is
// registered.
func Load(get Getter) (*Config, error) {
	c, err := Parse(get)
	if err != nil {
		return nil, err
	}
	c.ApplyDefaults()
	return c, nil
}

// Parse decodes every key strictly: an unknown key (a typo) is a problem,
// reported with the index of the list element it is in.
func Parse(get Getter) (*Config, error) {
	var ps validate.Problems
	c := &Config{}
	if v, ok := get("model"); ok {
		c.Model = v
	} else {
		ps.Missing("model")
	}
	decodeObject(get, "defaults", &c.Defaults, &ps)
	if _, ok := get("organization"); ok {
		c.Organization = &Organization{}
		decodeObject(get, "organization", c.Organization, &ps)
	}
	if _, ok := get("networkAccount"); ok {
		c.NetworkAccount = &NetworkAccount{}
		decodeObject(get, "networkAccount", c.NetworkAccount, &ps)
	}
	if _, ok := get("charts"); ok {
		c.Charts = &Charts{}
		decodeObject(get, "charts", c.Charts, &ps)
	}
	if v, ok := get("networkStack"); ok {
		c.NetworkStack = v
	}
	if v, ok := get("organizationStack"); ok {
		c.OrganizationStack = v
	}
	if v, ok := get("routing"); ok {
		c.Routing = v
	}
	c.ShareWith = decodeList[SharedAccount](get, "shareWith", &ps)
	c.RouteWith = decodeList[SharedAccount](get, "routeWith", &ps)
	c.ClusterAccounts = decodeList[ClusterAccount](get, "clusterAccounts", &ps)
	c.WorkloadAccounts = decodeList[WorkloadAccount](get, "workloadAccounts", &ps)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeObject(get Getter, key string, dst any, ps *validate.Problems) {
	raw, ok := get(key)
	if !ok {
		return
	}
	if err := StrictDecode([]byte(raw), dst); err != nil {
		ps.Add(key, nil, err.Error())
	}
}

func decodeList[T any](get Getter, key string, ps *validate.Problems) []T {
	raw, ok := get(key)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		ps.Add(key, nil, "must be a list")
		return nil
	}
	out := make([]T, len(items))
	for i, item := range items {
		if err := StrictDecode(item, &out[i]); err != nil {
			ps.Add(validate.Index(key, i), nil, err.Error())
		}
	}
	return out
}

// StrictDecode decodes JSON, rejecting keys the type does not have, with
// messages in the stack file's terms (the vending files use it too).
func StrictDecode(data []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		msg := err.Error()
		if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			return fmt.Errorf("has an unknown key %s", f)
		}
		if te, ok := err.(*json.UnmarshalTypeError); ok {
			return fmt.Errorf("%s: expected %s, got a %s", keyPath(te.Field), plainType(te.Type.String()), te.Value)
		}
		return fmt.Errorf("is not valid: %s", strings.TrimPrefix(msg, "json: "))
	}
	return nil
}

// keyPath is a decoder's field path in the stack file's keys: without the
// Go names of the embedded specs whose keys it flattens ("Spec.quota.pods"
// is quota.pods), which are the only capitalized segments.
func keyPath(field string) string {
	segments := strings.Split(field, ".")
	return strings.Join(slices.DeleteFunc(segments, func(s string) bool { return s != "" && unicode.IsUpper(rune(s[0])) }), ".")
}

func plainType(t string) string {
	switch {
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "*int"):
		return "a whole number"
	case t == "string" || t == "crossaccountrole.Mode":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "an object"
}
