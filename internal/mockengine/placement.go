package mockengine

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// place sets r.Placement from the provider r is bound to. The caller holds
// e.mu. An AWS resource whose account cannot be told is an error: it is
// exactly the bug this library exists to prevent.
func (e *Engine) place(r *Resource) error {
	switch {
	case r.Type == "pulumi:providers:aws":
		acct := firstString(r.Inputs["allowedAccountIds"])
		if acct == "" {
			return fmt.Errorf("aws provider %q is not pinned to an account with allowedAccountIds", r.Name)
		}
		r.Placement = Placement{Account: acct, Region: str(r.Inputs["region"])}
		e.defaultTags[r.URN] = providerDefaultTags(r.Inputs)
	case r.Type == "pulumi:providers:kubernetes":
		r.Placement = kubeconfigPlacement(r.Inputs["kubeconfig"])
	case r.IsProvider():
		// Providers of packages without an account of their own (eks).
	case r.Custom:
		if r.Provider == "" {
			return fmt.Errorf("%s %q uses a default provider; every resource needs the explicit provider of its account", r.Type, r.Name)
		}
		p, ok := e.resources[r.Provider]
		if !ok {
			return fmt.Errorf("%s %q is bound to unknown provider %s", r.Type, r.Name, r.Provider)
		}
		r.Placement = p.Placement
	case r.Remote:
		ref, ok := r.Providers["aws"]
		if !ok {
			return fmt.Errorf("remote component %s %q has no explicit aws provider", r.Type, r.Name)
		}
		p, ok := e.resources[ref]
		if !ok {
			return fmt.Errorf("remote component %s %q is bound to unknown aws provider %s", r.Type, r.Name, ref)
		}
		r.Placement = p.Placement
	}
	return nil
}

// kubeconfigPlacement reads the cluster a kubeconfig points at. The
// kubeconfigs this engine fabricates name their cluster by its ARN, as
// `aws eks update-kubeconfig` does. An unknown or foreign kubeconfig gives
// an empty placement.
func kubeconfigPlacement(v resource.PropertyValue) Placement {
	text := str(v)
	if text == "" {
		return Placement{}
	}
	var kc struct {
		Clusters []struct {
			Name string `json:"name"`
		} `json:"clusters"`
	}
	if json.Unmarshal([]byte(text), &kc) != nil || len(kc.Clusters) == 0 {
		return Placement{}
	}
	region, account, name, ok := parseClusterARN(kc.Clusters[0].Name)
	if !ok {
		return Placement{}
	}
	return Placement{Account: account, Region: region, Cluster: name}
}

// parseClusterARN splits arn:<partition>:eks:<region>:<account>:cluster/<name>.
func parseClusterARN(arn string) (region, account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "eks" || !strings.HasPrefix(parts[5], "cluster/") {
		return "", "", "", false
	}
	return parts[3], parts[4], strings.TrimPrefix(parts[5], "cluster/"), true
}

// str returns a property's string value, unwrapping secrets, or "" for
// anything else (unknowns included).
func str(v resource.PropertyValue) string {
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// firstString returns the first element of an array property, or "".
func firstString(v resource.PropertyValue) string {
	if v.IsArray() && len(v.ArrayValue()) > 0 {
		return str(v.ArrayValue()[0])
	}
	return ""
}

// strs reads a property that is a list of strings; anything else is empty.
func strs(v resource.PropertyValue) []string {
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		out = append(out, str(e))
	}
	return out
}
