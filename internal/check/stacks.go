package check

import (
	"maps"
	"slices"
	"strings"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// Several stacks of one organization deploy and destroy independently, so
// what one stack creates must never be what another creates too. These
// checks read the plans of several stacks together.

// physicalName says how AWS names a resource type uniquely: the scope the
// name is unique in, and the name. ok is false for a resource of another
// type, or one whose name Pulumi makes up (which never collides).
type physicalName func(r plan.Resource) (scope, name string, ok bool)

// physicalNames are the names AWS keeps one of per scope, per resource
// type, and what to call them in a message.
var physicalNames = map[string]struct {
	what string
	name physicalName
}{
	// IAM names are unique in an account without regard to case.
	"aws:iam/role:Role": {"IAM role", func(r plan.Resource) (string, string, bool) {
		return "account " + r.Account, strings.ToLower(str(r.Inputs["name"])), str(r.Inputs["name"]) != ""
	}},
	"eks:index:Cluster": {"EKS cluster", func(r plan.Resource) (string, string, bool) {
		return "account " + r.Account + " in " + r.Region, str(r.Inputs["name"]), str(r.Inputs["name"]) != ""
	}},
	// Organizations policy names are unique in an organization, which the
	// management account stands for.
	"aws:organizations/policy:Policy": {"Organizations policy", func(r plan.Resource) (string, string, bool) {
		return "the organization of " + r.Account, str(r.Inputs["name"]), str(r.Inputs["name"]) != ""
	}},
	"aws:s3/bucketV2:BucketV2": {"S3 bucket", func(r plan.Resource) (string, string, bool) {
		return "the partition", str(r.Inputs["bucket"]), str(r.Inputs["bucket"]) != ""
	}},
	"aws:dynamodb/table:Table": {"DynamoDB table", func(r plan.Resource) (string, string, bool) {
		return "account " + r.Account + " in " + r.Region, str(r.Inputs["name"]), str(r.Inputs["name"]) != ""
	}},
	"aws:rds/subnetGroup:SubnetGroup": {"DB subnet group", func(r plan.Resource) (string, string, bool) {
		return "account " + r.Account + " in " + r.Region, strings.ToLower(str(r.Inputs["name"])), str(r.Inputs["name"]) != ""
	}},
}

// organizationWide are the resource types only the organization stack may
// create: each is one per organization, or changes it for everyone.
var organizationWide = []string{
	"aws:ram/sharingWithOrganization:SharingWithOrganization",
	"aws:organizations/policy:Policy",
	"aws:organizations/policyAttachment:PolicyAttachment",
}

// stackOf names a plan's stack as project/stack.
func stackOf(d *plan.Document) string { return d.Project + "/" + d.Stack }

// AcrossStacks checks the plans of several stacks of one organization
// against each other, and returns what it finds: one physical name created
// by two stacks, organization-wide resources created by more than one
// stack, and accounts in roles that conflict (the management account as a
// member account, a network account that also hosts a dedicated cluster,
// two different management accounts). Each finding names the account and
// both stacks.
func AcrossStacks(docs []*plan.Document) []plan.Finding {
	c := &checker{findings: []plan.Finding{}}
	sameNames(c, docs)
	organizationOwners(c, docs)
	accountRoles(c, docs)
	return c.findings
}

// firstIn remembers, for a key, the first stack that used it and the
// resource it used it with.
type firstIn struct {
	stack string
	r     plan.Resource
}

// sameNames finds a physical name that two stacks both create, including
// the IAM OIDC providers pulumi-eks creates inside its clusters (one per
// issuer in an account).
func sameNames(c *checker, docs []*plan.Document) {
	first := map[string]firstIn{}
	claim := func(d *plan.Document, r plan.Resource, what, scope, name string) {
		key := what + "|" + scope + "|" + name
		f, seen := first[key]
		switch {
		case !seen:
			first[key] = firstIn{stackOf(d), r}
		case f.stack != stackOf(d):
			c.add(Error, "same-name-in-two-stacks", r, "%s %s in %s is created by both %s and %s; AWS keeps one", what, name, scope, f.stack, stackOf(d))
		}
	}
	for _, d := range docs {
		byURN := map[string]plan.Resource{}
		for _, r := range d.Resources {
			byURN[r.URN] = r
			kind, ok := physicalNames[r.Type]
			if !ok {
				continue
			}
			if scope, name, ok := kind.name(r); ok {
				claim(d, r, kind.what, scope, name)
			}
		}
		for _, p := range d.OIDCProviders() {
			claim(d, byURN[p.Resource], "IAM OIDC provider", "account "+p.Account, p.URL)
		}
	}
}

// organizationOwners finds organization-wide resources created by more
// than one stack of an organization (its management account).
func organizationOwners(c *checker, docs []*plan.Document) {
	first := map[string]firstIn{}
	for _, d := range docs {
		for _, r := range d.Resources {
			if !slices.Contains(organizationWide, r.Type) {
				continue
			}
			f, seen := first[r.Account]
			switch {
			case !seen:
				first[r.Account] = firstIn{stackOf(d), r}
			case f.stack != stackOf(d):
				c.add(Error, "two-organization-owners", r, "organization-wide resources of the organization of %s are created by both %s and %s; only the organization stack may create them", r.Account, f.stack, stackOf(d))
				first[r.Account] = firstIn{stackOf(d), r} // report each further owner once
			}
		}
	}
}

// accountRoles finds accounts whose roles in two stacks conflict.
func accountRoles(c *checker, docs []*plan.Document) {
	type use struct{ stack, role string }
	uses := map[string][]use{}
	type named struct{ stack, account string }
	var management []named // the management account each stack names
	for _, d := range docs {
		for _, acct := range slices.Sorted(maps.Keys(d.AccountRoles)) {
			for _, role := range d.AccountRoles[acct] {
				uses[acct] = append(uses[acct], use{stackOf(d), role})
				if role == plan.RoleManagement {
					management = append(management, named{stackOf(d), acct})
				}
			}
		}
	}
	conflicts := func(a, b string) string {
		switch {
		case a == plan.RoleManagement && b != plan.RoleManagement:
			return "is the organization's management account in %s and a member account (%s) in %s: SCPs and RCPs never bind the management account"
		case a == plan.RoleNetwork && b == plan.RoleDedicatedCluster:
			return "is the network account in %s and hosts a dedicated cluster (%s) in %s: a network account shares its VPC, it does not run a vended cluster of its own"
		}
		return ""
	}
	for _, acct := range slices.Sorted(maps.Keys(uses)) {
		for _, a := range uses[acct] {
			for _, b := range uses[acct] {
				if a.stack == b.stack {
					continue
				}
				if format := conflicts(a.role, b.role); format != "" {
					c.add(Error, "conflicting-account-roles", plan.Resource{Account: acct}, "account %s "+format, acct, a.stack, b.role, b.stack)
				}
			}
		}
	}
	for _, m := range management[min(1, len(management)):] {
		if first := management[0]; m.account != first.account {
			c.add(Error, "two-management-accounts", plan.Resource{Account: m.account},
				"%s names %s as the management account and %s names %s: the stacks of one organization share one", first.stack, first.account, m.stack, m.account)
		}
	}
}
