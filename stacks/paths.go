package stacks

import (
	"regexp"
	"strings"
)

// A component reports problems by its own field paths. These functions map
// them to the stack file's key paths, and drop the problems the stack's own
// configuration checks already report (accounts, regions, tags) or that
// concern values the stack fills in itself.

var leadingIndex = regexp.MustCompile(`^[A-Za-z]+\[[0-9]+\]`)

// pathMapper maps a component field path to a config key path, or reports
// false to drop the problem.
type pathMapper func(string) (string, bool)

// mapper builds a pathMapper from renames of leading segments and prefixes
// to drop. A nested mapper applies to the fields of list elements such as
// serviceAccounts[2].
func mapper(renames map[string]string, drops []string, nested map[string]pathMapper) pathMapper {
	return func(p string) (string, bool) {
		for _, d := range drops {
			if p == d || strings.HasPrefix(p, d+".") {
				return "", false
			}
		}
		if head := leadingIndex.FindString(p); head != "" {
			list := head[:strings.Index(head, "[")]
			if inner, ok := nested[list]; ok && len(p) > len(head)+1 {
				rest, keep := inner(p[len(head)+1:])
				return head + "." + rest, keep
			}
		}
		for from, to := range renames {
			if p == from || strings.HasPrefix(p, from+".") {
				return to + strings.TrimPrefix(p, from), true
			}
		}
		return p, true
	}
}

// clusterPaths maps ClusterAccount fields to a cluster account's keys.
var clusterPaths = mapper(map[string]string{
	"vpc.cidr":              "vpcCidr",
	"vpc.availabilityZones": "availabilityZones",
	"adminRoleArns":         "admins",
}, []string{"account", "eksProvider", "deployRoleArn", "tags", "endpointAccess"}, nil)

// roleInTenantPaths maps CrossAccountRole fields to a service account's
// keys.
var roleInTenantPaths = mapper(map[string]string{
	"mode":           "identity",
	"serviceAccount": "name",
}, []string{"cluster", "workloadAccount", "namespace", "tags", "oidcProviderArn", "useSharedChainingRole"}, nil)

// tenantPaths maps WorkloadAccount fields to a workload account's keys.
var tenantPaths = mapper(map[string]string{
	"tenant": "name",
}, []string{"account", "cluster", "tags"}, map[string]pathMapper{"serviceAccounts": roleInTenantPaths})
