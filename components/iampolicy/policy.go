package iampolicy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Version is the only policy language version this library writes.
const Version = "2012-10-17"

// Effect is a statement's effect: Allow or Deny.
type Effect string

// The two statement effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Document is an IAM policy document.
type Document struct {
	// Version is the policy language version, always 2012-10-17.
	Version string `json:"Version"`
	// Statement lists the statements, in order.
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy document. Trust policies set
// Principal and leave Resource empty; permission policies and SCPs do the
// opposite.
type Statement struct {
	// Sid names the statement (letters and digits). Optional.
	Sid string `json:"Sid,omitempty"`
	// Effect is Allow or Deny.
	Effect Effect `json:"Effect"`
	// Principal is whom a resource policy applies to; nil in identity policies and SCPs.
	Principal *Principal `json:"Principal,omitempty"`
	// Action lists the actions, such as sts:AssumeRole.
	Action Values `json:"Action,omitempty"`
	// Resource lists the resource ARNs or patterns; empty in trust policies.
	Resource Values `json:"Resource,omitempty"`
	// Condition holds the conditions, by operator and key.
	Condition Conditions `json:"Condition,omitempty"`
}

// Principal names who a resource policy (such as a role's trust policy)
// applies to. A principal of "*" unmarshals as AWS: ["*"].
type Principal struct {
	// AWS lists account, role or user ARNs (or *).
	AWS Values `json:"AWS,omitempty"`
	// Service lists service principals, such as pods.eks.amazonaws.com.
	Service Values `json:"Service,omitempty"`
	// Federated lists identity providers, such as an IAM OIDC provider ARN.
	Federated Values `json:"Federated,omitempty"`
}

// MarshalJSON writes a principal that is AWS ["*"] alone as the bare "*"
// (the only principal a resource control policy may name), and any other
// as an object.
func (p Principal) MarshalJSON() ([]byte, error) {
	if len(p.AWS) == 1 && p.AWS[0] == "*" && len(p.Service) == 0 && len(p.Federated) == 0 {
		return json.Marshal("*")
	}
	type plain Principal
	return json.Marshal(plain(p))
}

// UnmarshalJSON accepts both the object form and the bare "*" of IAM.
func (p *Principal) UnmarshalJSON(data []byte) error {
	var star string
	if err := json.Unmarshal(data, &star); err == nil {
		if star != "*" {
			return fmt.Errorf("principal %q: a bare string principal must be \"*\"", star)
		}
		*p = Principal{AWS: Values{"*"}}
		return nil
	}
	type plain Principal
	var v plain
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*p = Principal(v)
	return nil
}

// All returns every principal value, AWS first, then Service, then Federated.
func (p *Principal) All() []string {
	if p == nil {
		return nil
	}
	out := make([]string, 0, len(p.AWS)+len(p.Service)+len(p.Federated))
	out = append(out, p.AWS...)
	out = append(out, p.Service...)
	return append(out, p.Federated...)
}

// Conditions maps a condition operator (such as "StringEquals" or
// "ForAnyValue:StringLike") to condition keys and their values.
type Conditions map[string]map[string]Values

// Values is a list of strings that IAM writes as a single string when it has
// one element. It marshals the same way, which keeps documents short, and
// unmarshals either form.
type Values []string

// MarshalJSON writes one value as a string and several as an array.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return json.Marshal(v[0])
	}
	return json.Marshal([]string(v))
}

// UnmarshalJSON reads a string or an array of strings.
func (v *Values) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*v = Values{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return errors.New("expected a string or an array of strings")
	}
	*v = many
	return nil
}

// New returns a document of the current version holding the statements.
func New(statements ...Statement) Document {
	return Document{Version: Version, Statement: statements}
}

// JSON returns the document's compact JSON text.
func (d Document) JSON() (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("marshalling policy: %w", err)
	}
	return string(b), nil
}

// Parse reads a policy document and checks its shape: a Version of
// 2012-10-17, at least one statement, and Allow or Deny on each.
func Parse(text string) (Document, error) {
	var d Document
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Document{}, fmt.Errorf("is not a valid policy document: %w", err)
	}
	if dec.More() {
		return Document{}, errors.New("is not a valid policy document: trailing data after the document")
	}
	if d.Version != Version {
		return Document{}, fmt.Errorf("has Version %q, want %q", d.Version, Version)
	}
	if len(d.Statement) == 0 {
		return Document{}, errors.New("has no statements")
	}
	for i, s := range d.Statement {
		if s.Effect != Allow && s.Effect != Deny {
			return Document{}, fmt.Errorf("statement %d has Effect %q, want Allow or Deny", i, s.Effect)
		}
		if len(s.Action) == 0 {
			return Document{}, fmt.Errorf("statement %d has no Action", i)
		}
	}
	return d, nil
}
