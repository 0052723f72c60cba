package vend

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Kept is what a retired stack's destroy leaves in AWS on purpose.
type Kept struct {
	// Account is the account it is in; Type and Name are its resource's,
	// ID is AWS's.
	Account, Type, Name, ID string
	// Why says why it stays: retained on delete (data), or pending
	// deletion for a waiting period (a KMS key).
	Why string
}

// String is one line of what was kept.
func (k Kept) String() string {
	return fmt.Sprintf("%s %s (%s) in account %s: %s", k.Type, k.Name, k.ID, k.Account, k.Why)
}

// defaultKeyWindow is KMS's waiting period when a key sets none.
const defaultKeyWindow = 30

// keptBy reads a stack's deployment before its destroy: the resources the
// destroy leaves (retainOnDelete) and the KMS keys it only schedules for
// deletion, each with the account of its provider, sorted.
func keptBy(d apitype.UntypedDeployment) ([]Kept, error) {
	var state apitype.DeploymentV3
	if err := json.Unmarshal(d.Deployment, &state); err != nil {
		return nil, fmt.Errorf("reading the stack's state: %w", err)
	}
	accounts := map[string]string{}
	for _, r := range state.Resources {
		if strings.HasPrefix(string(r.Type), "pulumi:providers:") {
			accounts[string(r.URN)+"::"+string(r.ID)] = accountOf(r.Inputs["allowedAccountIds"])
		}
	}
	var out []Kept
	for _, r := range state.Resources {
		k := Kept{Account: accounts[r.Provider], Type: string(r.Type), Name: r.URN.Name(), ID: string(r.ID)}
		switch {
		case r.RetainOnDelete:
			k.Why = "retained on delete"
		case r.Type == "aws:kms/key:Key":
			days := r.Inputs["deletionWindowInDays"]
			if days == nil {
				days = defaultKeyWindow
			}
			k.Why = fmt.Sprintf("pending deletion for %v days (KMS never deletes a key at once)", days)
		default:
			continue
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b Kept) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// accountOf reads a provider's allowedAccountIds, a list or its JSON.
func accountOf(v any) string {
	list, _ := v.([]any)
	if s, ok := v.(string); ok {
		_ = json.Unmarshal([]byte(s), &list)
	}
	if len(list) == 1 {
		if s, ok := list[0].(string); ok {
			return s
		}
	}
	return ""
}
