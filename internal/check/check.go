// Package check finds what would go wrong in AWS, or weaken isolation, in
// a plan: limits IAM and EKS enforce, and patterns that let a principal
// reach more than it should. The stacks' own validation rules out most of
// them for a stack file; the checks also cover what a program adds itself.
package check

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eks-multi-account/eks-multi-account/components/eksversion"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/internal/cost"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/preflight"
)

// Severities.
const (
	Error   = "error"
	Warning = "warning"
)

// Quotas the checks apply.
const (
	MaxOIDCProvidersPerAccount = 100
	MaxRolesPerAccount         = 1000
	// MaxAccountsPerStack is how many accounts one stack should reach. The
	// engine starts a plugin process for every provider, one per account,
	// and each aws plugin process loads the whole AWS schema (hundreds of
	// megabytes); past this, split the estate into stacks (one per cluster
	// account, say).
	MaxAccountsPerStack = 40
	// MaxRoutesPerRouteTable is how many routes a VPC route table holds by
	// default, propagated ones aside ("Routes per route table", adjustable
	// to 1,000: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
	MaxRoutesPerRouteTable = 50
)

// rule is one check over a whole plan.
type rule func(c *checker)

// rules are every check, in the order their findings are listed.
var rules = []rule{
	trustPolicySize,
	oidcProvidersPerAccount,
	rolesPerAccount,
	chainedSessionLength,
	wildcardPrincipals,
	chainingRolePermissions,
	podIdentityOnFargate,
	networkPolicyOnFargate,
	externalRAMPrincipals,
	accountRootTrust,
	kubernetesSupport,
	quotas,
	organizationPrerequisites,
	guardrailCoverage,
	endpointOpenToTheInternet,
	accountsPerStack,
	overlappingRoutes,
	unroutedVPCs,
	routesPerRouteTable,
}

// Run applies every check to a plan and returns the findings, an empty
// list (never nil) when there are none. asOf is the date EKS support is
// judged by.
func Run(doc *plan.Document, asOf time.Time) []plan.Finding {
	c := &checker{doc: doc, asOf: asOf, findings: []plan.Finding{}}
	for _, r := range rules {
		r(c)
	}
	return c.findings
}

type checker struct {
	doc      *plan.Document
	asOf     time.Time
	findings []plan.Finding
}

func (c *checker) add(severity, rule string, r plan.Resource, format string, args ...any) {
	c.findings = append(c.findings, plan.Finding{
		Severity: severity, Rule: rule, Resource: r.URN, Name: r.Name, Account: r.Account,
		Message: fmt.Sprintf(format, args...),
	})
}

// addStack records a finding about the whole stack, on the stack itself.
func (c *checker) addStack(severity, rule, format string, args ...any) {
	d := c.doc
	c.add(severity, rule, plan.Resource{
		URN:  "urn:pulumi:" + d.Stack + "::" + d.Project + "::pulumi:pulumi:Stack::" + d.Project + "-" + d.Stack,
		Name: d.Project + "-" + d.Stack,
	}, format, args...)
}

func (c *checker) ofType(typ string) []plan.Resource {
	var out []plan.Resource
	for _, r := range c.doc.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// policies returns every policy document a resource holds in its inputs,
// by input key.
func policies(r plan.Resource) map[string]iampolicy.Document {
	keys := map[string][]string{
		"aws:iam/role:Role":                {"assumeRolePolicy"},
		"aws:iam/rolePolicy:RolePolicy":    {"policy"},
		"aws:iam/policy:Policy":            {"policy"},
		"aws:organizations/policy:Policy":  {"content"},
		"aws:s3/bucketPolicy:BucketPolicy": {"policy"},
		"aws:kms/key:Key":                  {"policy"},
	}[r.Type]
	out := map[string]iampolicy.Document{}
	for _, k := range keys {
		if doc, err := iampolicy.Parse(str(r.Inputs[k])); err == nil {
			out[k] = doc
		}
	}
	return out
}

func trustPolicySize(c *checker) {
	for _, r := range c.ofType("aws:iam/role:Role") {
		if n := iampolicy.Size(str(r.Inputs["assumeRolePolicy"])); n > iampolicy.TrustPolicyLimit {
			c.add(Error, "trust-policy-size", r, "role %s: its trust policy is %d characters, over IAM's default %d", str(r.Inputs["name"]), n, iampolicy.TrustPolicyLimit)
		}
	}
}

func perAccount(rs []plan.Resource) (map[string]int, map[string]plan.Resource) {
	count, last := map[string]int{}, map[string]plan.Resource{}
	for _, r := range rs {
		count[r.Account]++
		last[r.Account] = r
	}
	return count, last
}

// oidcProvidersPerAccount counts the IAM OIDC providers of each account:
// those created for IRSA and the one pulumi-eks creates per cluster.
func oidcProvidersPerAccount(c *checker) {
	count, last := map[string]int{}, map[string]string{}
	for _, p := range c.doc.OIDCProviders() {
		count[p.Account]++
		last[p.Account] = p.Resource
	}
	byURN := map[string]plan.Resource{}
	for _, r := range c.doc.Resources {
		byURN[r.URN] = r
	}
	for _, acct := range slices.Sorted(maps.Keys(count)) {
		if count[acct] > MaxOIDCProvidersPerAccount {
			c.add(Error, "oidc-providers-per-account", byURN[last[acct]], "account %s would have %d IAM OIDC providers, over IAM's quota of %d", acct, count[acct], MaxOIDCProvidersPerAccount)
		}
	}
}

// rolesPerAccount counts the IAM roles of each account, including the
// cluster role pulumi-eks creates per cluster.
func rolesPerAccount(c *checker) {
	rs := append(c.ofType("aws:iam/role:Role"), c.ofType("eks:index:Cluster")...)
	count, last := perAccount(rs)
	for _, acct := range slices.Sorted(maps.Keys(count)) {
		if count[acct] > MaxRolesPerAccount {
			c.add(Error, "roles-per-account", last[acct], "account %s would have %d IAM roles, over IAM's default quota of %d", acct, count[acct], MaxRolesPerAccount)
		}
	}
}

var durationSeconds = regexp.MustCompile(`(?m)^duration_seconds\s*=\s*([0-9]+)\s*$`)

// chainedSessionLength reads the AWS config files that chain roles: a
// chained session cannot last more than an hour.
func chainedSessionLength(c *checker) {
	for _, r := range c.ofType("kubernetes:core/v1:ConfigMap") {
		data, _ := r.Inputs["data"].(map[string]any)
		for _, key := range slices.Sorted(maps.Keys(data)) {
			text := str(data[key])
			if !strings.Contains(text, "source_profile") {
				continue
			}
			for _, m := range durationSeconds.FindAllStringSubmatch(text, -1) {
				if n, _ := strconv.Atoi(m[1]); n > iampolicy.MaxChainedSession {
					c.add(Error, "chained-session-length", r, "config map key %s asks for a %d-second chained session; role chaining gives at most %d", key, n, iampolicy.MaxChainedSession)
				}
			}
		}
	}
}

func wildcardPrincipals(c *checker) {
	for _, r := range c.doc.Resources {
		docs := policies(r)
		for _, key := range slices.Sorted(maps.Keys(docs)) {
			for _, s := range docs[key].Statement {
				if s.Effect == iampolicy.Allow && s.Principal != nil && slices.Contains(s.Principal.All(), "*") {
					c.add(Error, "wildcard-principal", r, "%s allows the principal * in %s", r.Name, key)
				}
			}
		}
	}
}

// chainingRolePermissions checks that the roles service accounts chain
// from can do nothing but assume and tag their targets.
func chainingRolePermissions(c *checker) {
	sources := map[string]bool{}
	for _, a := range c.doc.Access {
		if a.SourceRoleArn != "" {
			sources[a.SourceRoleArn] = true
		}
	}
	names := map[string]bool{} // account + " " + role name
	for _, r := range c.ofType("aws:iam/role:Role") {
		if arn, ok := r.Outputs["arn"].(string); ok && sources[arn] {
			names[r.Account+" "+str(r.Inputs["name"])] = true
		}
	}
	for _, r := range c.ofType("aws:iam/rolePolicy:RolePolicy") {
		if !names[r.Account+" "+str(r.Inputs["role"])] {
			continue
		}
		doc, err := iampolicy.Parse(str(r.Inputs["policy"]))
		if err != nil {
			c.add(Error, "chaining-role-permissions", r, "the policy of chaining role %s is not a policy document", str(r.Inputs["role"]))
			continue
		}
		for _, s := range doc.Statement {
			for _, a := range s.Action {
				if a != "sts:AssumeRole" && a != "sts:TagSession" {
					c.add(Error, "chaining-role-permissions", r, "chaining role %s is allowed %s; it may only have sts:AssumeRole and sts:TagSession", str(r.Inputs["role"]), a)
				}
			}
		}
	}
	for _, r := range c.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if names[r.Account+" "+str(r.Inputs["role"])] {
			c.add(Error, "chaining-role-permissions", r, "chaining role %s has the managed policy %s attached; it may only have sts:AssumeRole and sts:TagSession", str(r.Inputs["role"]), str(r.Inputs["policyArn"]))
		}
	}
}

// fargateNamespaces returns the namespaces Fargate profiles select, keyed
// by account, cluster and namespace.
func (c *checker) fargateNamespaces() map[string]bool {
	fargate := map[string]bool{}
	for _, fp := range c.ofType("aws:eks/fargateProfile:FargateProfile") {
		selectors, _ := fp.Inputs["selectors"].([]any)
		for _, s := range selectors {
			if m, ok := s.(map[string]any); ok {
				fargate[fp.Account+" "+str(fp.Inputs["clusterName"])+" "+str(m["namespace"])] = true
			}
		}
	}
	return fargate
}

// podIdentityOnFargate finds Pod Identity associations for namespaces
// whose pods run on Fargate, where the Pod Identity agent does not run.
func podIdentityOnFargate(c *checker) {
	fargate := c.fargateNamespaces()
	for _, a := range c.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation") {
		if fargate[a.Account+" "+str(a.Inputs["clusterName"])+" "+str(a.Inputs["namespace"])] {
			c.add(Error, "pod-identity-on-fargate", a, "namespace %s of cluster %s runs on Fargate, where EKS Pod Identity does not work; use IRSA", str(a.Inputs["namespace"]), str(a.Inputs["clusterName"]))
		}
	}
}

// networkPolicyOnFargate warns about network policies of namespaces whose
// pods run on Fargate: the VPC CNI's network policy agent runs on nodes,
// and Fargate pods are not subject to it, so the policy isolates nothing
// there.
func networkPolicyOnFargate(c *checker) {
	fargate := c.fargateNamespaces()
	for _, p := range c.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy") {
		meta, _ := p.Inputs["metadata"].(map[string]any)
		ns := str(meta["namespace"])
		if fargate[p.Account+" "+p.Cluster+" "+ns] {
			c.add(Warning, "network-policy-on-fargate", p, "network policy %s of namespace %s is not enforced for its pods on Fargate in cluster %s: the VPC CNI enforces network policies only on nodes", str(meta["name"]), ns, p.Cluster)
		}
	}
}

func externalRAMPrincipals(c *checker) {
	for _, r := range c.ofType("aws:ram/resourceShare:ResourceShare") {
		if r.Inputs["allowExternalPrincipals"] != false {
			c.add(Error, "ram-external-principals", r, "resource share %s allows principals outside the organization (AWS's default when allowExternalPrincipals is not false)", str(r.Inputs["name"]))
		}
	}
}

var accountRoot = regexp.MustCompile(`^(arn:aws[a-z-]*:iam::[0-9]{12}:root|[0-9]{12})$`)

// accountRootTrust finds role trusts that name an account root: anyone in
// that account with sts:AssumeRole could assume the role, tags or not.
func accountRootTrust(c *checker) {
	for _, r := range c.ofType("aws:iam/role:Role") {
		doc, err := iampolicy.Parse(str(r.Inputs["assumeRolePolicy"]))
		if err != nil {
			continue
		}
		for _, s := range doc.Statement {
			if s.Effect != iampolicy.Allow || s.Principal == nil {
				continue
			}
			for _, p := range s.Principal.AWS {
				if accountRoot.MatchString(p) {
					c.add(Error, "account-root-trust", r, "role %s trusts the account root %s instead of the source role", str(r.Inputs["name"]), p)
				}
			}
		}
	}
}

// overlappingRoutes warns about two VPCs that propagate overlapping blocks
// into one transit gateway route table. AWS accepts them and routes by the
// longest prefix, so one VPC's addresses silently reach the other: a
// finding of ours, not a refusal. The finding is on the route table.
func overlappingRoutes(c *checker) {
	blocks := map[string]netip.Prefix{}
	for _, v := range c.doc.Reachability.VPCs {
		if p, err := netip.ParsePrefix(v.CIDR); err == nil {
			blocks[v.Name] = p
		}
	}
	for _, d := range c.doc.Reachability.Domains {
		table := plan.Resource{Name: d.Name, Account: d.Account}
		for _, r := range c.ofType("aws:ec2transitgateway/routeTable:RouteTable") {
			if r.Name == d.Name && r.Account == d.Account {
				table = r
			}
		}
		for i, a := range d.Propagated {
			for _, b := range d.Propagated[i+1:] {
				if blocks[a].IsValid() && blocks[b].IsValid() && blocks[a].Overlaps(blocks[b]) {
					c.add(Warning, "routing-overlap", table, "VPCs %s (%s) and %s (%s) propagate overlapping blocks into route table %s: the transit gateway sends the overlap to the longer prefix",
						a, blocks[a], b, blocks[b], d.Name)
				}
			}
		}
	}
}

// unroutedVPCs warns about a VPC in a region where the plan has no
// transit gateway while it has one elsewhere: a transit gateway attaches
// only VPCs of its own region
// (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html),
// so such a VPC (a de-centralized dedicated VPC in another region than its
// network account's, say) reaches no other VPC over them.
func unroutedVPCs(c *checker) {
	regions := map[string]bool{}
	for _, g := range c.ofType("aws:ec2transitgateway/transitGateway:TransitGateway") {
		regions[g.Region] = true
	}
	if len(regions) == 0 {
		return
	}
	for _, v := range c.ofType(plan.VPCType) {
		if !regions[v.Region] {
			c.add(Warning, "unrouted-vpc", v, "VPC %s in %s reaches no other VPC: the plan's transit gateways are in %s, and a transit gateway attaches only VPCs of its own region",
				v.Name, v.Region, strings.Join(slices.Sorted(maps.Keys(regions)), ", "))
		}
	}
}

// routesPerRouteTable warns about a VPC route table given more routes than
// a route table holds by default: its inline routes and the routes added
// to it. CreateRoute fails past the quota, part way through a deploy; a
// stack file routing many VPCs of one domain to each other meets it
// first, and routeTo with a block that holds them (as vending's pool
// does) avoids it.
func routesPerRouteTable(c *checker) {
	count := map[string]int{}
	for _, r := range c.ofType("aws:ec2/route:Route") {
		count[str(r.Inputs["routeTableId"])]++
	}
	for _, t := range c.ofType("aws:ec2/routeTable:RouteTable") {
		routes, _ := t.Inputs["routes"].([]any)
		if n := count[str(t.Outputs["id"])] + len(routes); n > MaxRoutesPerRouteTable {
			c.add(Warning, "routes-per-route-table", t, "route table %s would hold %d routes; a VPC route table holds %d by default (Service Quotas: Amazon VPC, Routes per route table); raise it, or route a block that holds several VPCs (routeTo)",
				t.Name, n, MaxRoutesPerRouteTable)
		}
	}
}

// kubernetesSupport flags clusters by where their Kubernetes version stands
// on EKS's calendar (package eksversion) on the asOf date: past standard
// support is a warning with what extended support costs, past extended
// support or not yet released an error, and a version the calendar does not
// hold a warning.
func kubernetesSupport(c *checker) {
	for _, r := range c.ofType("eks:index:Cluster") {
		v, name := str(r.Inputs["version"]), str(r.Inputs["name"])
		release, _ := eksversion.Lookup(v)
		switch eksversion.SupportOn(v, c.asOf) {
		case eksversion.Unknown:
			c.add(Warning, "kubernetes-version", r, "Kubernetes %s of cluster %s is not on the EKS version calendar this library holds (read %s)", v, name, eksversion.AsOf.Format(time.DateOnly))
		case eksversion.NotYetReleased:
			c.add(Error, "kubernetes-version", r, "Kubernetes %s of cluster %s is not available on EKS before %s", v, name, release.Released.Format(time.DateOnly))
		case eksversion.Extended:
			target := eksversion.NewestInStandardSupport(c.asOf)
			if target == "" {
				target = "a newer minor (the calendar, read " + eksversion.AsOf.Format(time.DateOnly) + ", holds none in standard support then)"
			}
			rates, price := cost.Builtin(), "more per cluster hour (the rate table has no price in "+r.Region+")"
			if std, ext, ok := rates.ControlPlane(r.Region); ok {
				price = fmt.Sprintf("$%.2f per cluster hour instead of $%.2f (about $%.0f more a month)", ext, std, (ext-std)*float64(rates.HoursPerMonth))
			}
			c.add(Warning, "kubernetes-version", r, "Kubernetes %s of cluster %s left EKS standard support on %s: until %s extended support bills %s; upgrade to %s",
				v, name, release.StandardEnds.Format(time.DateOnly), release.ExtendedEnds.Format(time.DateOnly), price, target)
		case eksversion.Ended:
			c.add(Error, "kubernetes-version", r, "Kubernetes %s of cluster %s left EKS extended support on %s: EKS upgrades such a cluster itself", v, name, release.ExtendedEnds.Format(time.DateOnly))
		}
	}
}

// quotas warns about each quota the stack's preflight found short against a
// new account's values (mockengine.DefaultQuotas): offline the plan cannot
// read an account's own quotas, which pulumi preview checks before it
// creates anything. The finding is on the provider of the account and
// region.
func quotas(c *checker) {
	for _, s := range c.doc.Shortfalls {
		i := slices.IndexFunc(c.doc.Resources, func(r plan.Resource) bool {
			return r.Type == "pulumi:providers:aws" && r.Account == s.Account && r.Region == s.Region
		})
		if i < 0 {
			continue
		}
		c.add(Warning, "quota", c.doc.Resources[i], "against a new account's quotas (as of %s): %s", mockengine.QuotasAsOf, s)
	}
}

// organizationPrerequisites warns, once per organization stack, that the
// plan cannot read what AttachPolicy needs of the organization: the policy
// types enabled on its root and the room on each target. pulumi preview
// reads both before it creates anything.
func organizationPrerequisites(c *checker) {
	attachments := c.ofType("aws:organizations/policyAttachment:PolicyAttachment")
	if len(attachments) == 0 {
		return
	}
	var targets []string
	for _, a := range attachments {
		targets = append(targets, str(a.Inputs["targetId"]))
	}
	slices.Sort(targets)
	c.add(Warning, "organization-prerequisites", attachments[0], "unchecked offline: whether the organization's root has service and resource control policies enabled, and whether each of %s holds fewer than %d policies of each type; pulumi preview checks both before it creates anything",
		strings.Join(slices.Compact(targets), ", "), preflight.MaxPoliciesPerTarget)
}

// guardrailCoverage warns when nothing held the stack's accounts to the
// organization's guardrails: the stack names no organization stack
// (organizationStack), or the plan, offline, could not read the one it
// names, which pulumi preview does before it registers anything.
func guardrailCoverage(c *checker) {
	d := c.doc
	if d.Model == config.OrganizationModel {
		return
	}
	var members []string
	for id, roles := range d.AccountRoles {
		if !slices.Equal(roles, []string{plan.RoleManagement}) {
			members = append(members, id)
		}
	}
	slices.Sort(members)
	accounts := strings.Join(members, ", ")
	switch {
	case d.OrganizationStack == "":
		c.addStack(Warning, "guardrail-coverage", "coverage unchecked: nothing holds accounts %s to the organization's guardrails; name the organization stack (eks-multi-account:organizationStack) and pulumi preview refuses an account its guardrails do not bind", accounts)
	case d.CoverageUnread:
		c.addStack(Warning, "guardrail-coverage", "unchecked offline: whether organization stack %s's guardrails bind accounts %s; pulumi preview reads its guardedAccounts output and refuses any account outside them", d.OrganizationStack, accounts)
	}
}

// accountsPerStack warns about a stack that reaches more accounts than a
// deploying machine comfortably runs aws plugin processes for.
func accountsPerStack(c *checker) {
	providers := c.ofType("pulumi:providers:aws")
	if len(providers) > MaxAccountsPerStack {
		c.add(Warning, "accounts-per-stack", providers[len(providers)-1], "the stack reaches %d accounts and starts an aws plugin process for each; past %d, split it into stacks (one per cluster account, say)", len(providers), MaxAccountsPerStack)
	}
}

// endpointOpenToTheInternet warns about a cluster whose public API
// endpoint anyone may reach: allowed (the API still authenticates), but
// endpointAccess.publicCidrs should name the deploying machines' blocks.
func endpointOpenToTheInternet(c *checker) {
	for _, r := range c.ofType("eks:index:Cluster") {
		if r.Inputs["endpointPublicAccess"] != true {
			continue
		}
		cidrs, _ := r.Inputs["publicAccessCidrs"].([]any)
		for _, cidr := range cidrs {
			if cidr == "0.0.0.0/0" || cidr == "::/0" {
				c.add(Warning, "endpoint-open-to-the-internet", r, "the public API endpoint of cluster %s is open to %s; name the blocks the deploying machines reach it from", str(r.Inputs["name"]), cidr)
			}
		}
	}
}
