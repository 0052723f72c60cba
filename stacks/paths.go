package stacks

import (
	"regexp"
	"strings"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
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
			if p == from || strings.HasPrefix(p, from+".") || strings.HasPrefix(p, from+"[") {
				return to + strings.TrimPrefix(p, from), true
			}
		}
		return p, true
	}
}

// identity keeps every path as it is.
func identity(p string) (string, bool) { return p, true }

// clusterPaths maps ClusterAccount fields to a cluster account's keys.
var clusterPaths = mapper(map[string]string{
	"vpc.cidr":              "vpcCidr",
	"vpc.availabilityZones": "availabilityZones",
	"adminRoleArns":         "admins",
}, []string{"account", "eksProvider", "deployRoleArn", "tags", "endpointAccess"}, nil)

// vendedClusterPaths maps ClusterAccount fields to a de-centralized
// workload account's keys.
var vendedClusterPaths = mapper(map[string]string{
	"clusterName": "name", "adminRoleArns": "admins", "vpc.cidr": "vpcCidr", "vpc.availabilityZones": "availabilityZones",
}, []string{"account", "eksProvider", "deployRoleArn", "tags", "existingNetwork", "endpointAccess"}, nil)

// componentChecks records the problems of the arguments each component
// would get, under the stack file's key paths, for every entry, whatever
// the configuration's own checks found: a problem in one entry never hides
// another. A problem at a key path those checks already reported is left
// out: both check some values (a name, a CIDR block), and one report per
// key is enough.
type componentChecks struct {
	ps       *validate.Problems
	reported map[string]bool
}

// newComponentChecks starts the component checks after the configuration's
// own, which ps holds.
func newComponentChecks(ps *validate.Problems) componentChecks {
	return componentChecks{ps: ps, reported: ps.Paths()}
}

// nest records the problems of err under prefix, their paths mapped by mp.
func (c componentChecks) nest(prefix string, err error, mp pathMapper) {
	c.ps.NestMapped(prefix, err, func(p string) (string, bool) {
		q, keep := mp(p)
		return q, keep && !c.reported[validate.Path(prefix, q)]
	})
}

// entriesAt returns a cluster's access entries with the key paths of its
// admins mapped from the component's fields to the stack file's, under
// prefix.
func entriesAt(prefix string, entries []clusterref.AccessEntry, mp pathMapper) []clusterref.AccessEntry {
	out := make([]clusterref.AccessEntry, len(entries))
	for i, e := range entries {
		if e.Path != "" {
			p, _ := mp(e.Path)
			e.Path = validate.Path(prefix, p)
			e.Holder = e.Path
		}
		out[i] = e
	}
	return out
}
