package config

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/routing"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
)

// Validate records every problem of the configuration that needs no
// component to find: missing and malformed values, duplicates, references
// to unknown accounts, overlapping VPCs, keys of another model, and the
// management-account rules. The stacks then check the arguments every
// component would get, of every entry, whatever was found here.
func (c *Config) Validate(ps *validate.Problems) {
	v := &validator{c: c, ps: ps, accounts: map[string]string{}}
	v.top()
	v.organization()
	v.networkAccount()
	v.shareWith()
	v.routing()
	v.clusterAccounts()
	v.workloadAccounts()
	v.sharedChainingPolicies()
	v.cidrs()
	v.charts()
}

// charts checks that each chart source is one of a path or a mirror, and a
// mirror an OCI registry or an HTTPS repository. Which names are charts
// the stacks install is the models' to say.
func (v *validator) charts() {
	if v.c.Charts == nil {
		return
	}
	if v.c.Model != Decentralized {
		v.ps.Add("charts", nil, "is for the de-centralized model, whose clusters get charts; this model installs none")
		return
	}
	for _, name := range slices.Sorted(maps.Keys(v.c.Charts.Sources)) {
		src, p := v.c.Charts.Sources[name], "charts.sources."+name
		switch {
		case (src.Path == "") == (src.Repository == ""):
			v.ps.Add(p, nil, "needs one of path (a chart directory or .tgz on the deploying machine) or repository (an oci:// or https:// mirror)")
		case src.Repository != "" && !strings.HasPrefix(src.Repository, "oci://") && !strings.HasPrefix(src.Repository, "https://"):
			v.ps.Add(p+".repository", src.Repository, "is not an oci:// registry or an https:// chart repository")
		}
	}
}

type validator struct {
	c        *Config
	ps       *validate.Problems
	accounts map[string]string // account ID -> key path of its first use
}

func (v *validator) top() {
	c := v.c
	if c.Model != OrganizationModel && c.Model != Centralized && c.Model != Decentralized && c.Model != NetworkModel {
		v.ps.Addf("model", c.Model, "is not %q, %q, %q or %q", OrganizationModel, Centralized, Decentralized, NetworkModel)
	}
	if !validate.IsRegion(c.Defaults.Region) {
		v.ps.Add("defaults.region", c.Defaults.Region, "is not an AWS region code such as us-east-1")
	}
	if reason := validate.RoleName(c.Defaults.DeployRoleName); reason != "" {
		v.ps.Add("defaults.deployRoleName", c.Defaults.DeployRoleName, reason)
	}
	clusteraccount.CheckVersion("defaults.kubernetesVersion", c.Defaults.KubernetesVersion, v.ps)
	providers.CheckTags("defaults.tags", c.Defaults.Tags, v.ps)
	if e := c.Defaults.EndpointAccess; e != nil {
		e.Check("defaults.endpointAccess", v.ps)
	}
	switch c.Model {
	case OrganizationModel:
		if c.Organization == nil {
			v.ps.Add("organization", nil, "is required by the organization model: the management account and the guardrails")
		}
		v.misplaced("", "is for the centralized and de-centralized models; the organization stack holds only what is organization-wide",
			setKey{"clusterAccounts", len(c.ClusterAccounts) > 0}, setKey{"workloadAccounts", len(c.WorkloadAccounts) > 0}, setKey{"networkAccount", c.NetworkAccount != nil})
	case Centralized:
		if len(c.ClusterAccounts) == 0 {
			v.ps.Add("clusterAccounts", nil, "is required by the centralized model: at least one cluster account")
		}
		if c.NetworkAccount != nil {
			v.ps.Add("networkAccount", nil, "is for the de-centralized model; a centralized cluster account shares its own subnets")
		}
	case Decentralized:
		if len(c.ClusterAccounts) > 0 {
			v.ps.Add("clusterAccounts", nil, "is for the centralized model; a de-centralized workload account gets a cluster of its own")
		}
	case NetworkModel:
		if c.NetworkAccount == nil {
			v.ps.Add("networkAccount", nil, "is required by the network model: the account whose VPC is shared")
		}
		v.misplaced("", "is for the centralized and de-centralized models; the network stack holds only the network account's VPC and its share",
			setKey{"clusterAccounts", len(c.ClusterAccounts) > 0}, setKey{"workloadAccounts", len(c.WorkloadAccounts) > 0})
	}
	if len(c.ShareWith) > 0 && c.Model != NetworkModel {
		v.ps.Add("shareWith", nil, "is for the network model; a de-centralized stack shares its network account's subnets with its workload accounts on shared networking")
	}
	v.networkStack()
	v.organizationStack()
}

// setKey is a key of the stack file and whether it is set.
type setKey struct {
	key string
	set bool
}

// misplaced records every key that is set, under prefix, as one that
// belongs to another model, for reason.
func (v *validator) misplaced(prefix, reason string, keys ...setKey) {
	for _, k := range keys {
		if k.set {
			v.ps.Add(validate.Path(prefix, k.key), nil, reason)
		}
	}
}

// stackName is a Pulumi stack name, fully qualified or not.
var stackName = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$`)

// networkStack checks the reference to a network stack.
func (v *validator) networkStack() {
	c := v.c
	switch {
	case c.NetworkStack == "":
	case c.Model != Decentralized:
		v.ps.Add("networkStack", c.NetworkStack, "is for the de-centralized model, whose workload accounts on shared networking use the network stack's subnets")
	case !stackName.MatchString(c.NetworkStack):
		v.ps.Add("networkStack", c.NetworkStack, "is not a stack name such as organization/project/network")
	case c.NetworkAccount == nil:
		v.ps.Add("networkStack", c.NetworkStack, "needs networkAccount: the account that owns the network stack's subnets")
	}
}

// organizationStack checks the reference to the organization stack whose
// guardrails must cover the stack's accounts.
func (v *validator) organizationStack() {
	c := v.c
	switch {
	case c.OrganizationStack == "":
	case c.Model == OrganizationModel:
		v.ps.Add("organizationStack", c.OrganizationStack, "is for the stacks the organization stack's guardrails bind, not for the organization stack itself")
	case !stackName.MatchString(c.OrganizationStack):
		v.ps.Add("organizationStack", c.OrganizationStack, "is not a stack name such as organization/project/org")
	}
}

// shareWith checks the accounts a network stack shares its subnets with.
func (v *validator) shareWith() {
	clusters := validate.Names{}
	for i, a := range v.c.ShareWith {
		p := validate.Index("shareWith", i)
		v.account(p+".accountId", a.AccountID)
		v.name(p+".cluster", a.Cluster, clusters, "shared account's cluster")
	}
}

// routing checks the routing mode, the routing domains, the accounts a
// network stack routes with, and each de-centralized workload account's
// domain and destinations.
func (v *validator) routing() {
	c := v.c
	switch {
	case c.Routing == "":
	case c.Model != Decentralized && c.Model != NetworkModel:
		v.ps.Add("routing", c.Routing, "is for the de-centralized and network models, whose network account owns a transit gateway")
	case c.Routing != RoutingDomains && c.Routing != RoutingFlat:
		v.ps.Addf("routing", c.Routing, "is not %q or %q", RoutingDomains, RoutingFlat)
	}
	if n := c.NetworkAccount; n != nil {
		if c.Routing == RoutingFlat && len(n.RoutingDomains) > 1 {
			v.ps.Add("networkAccount.routingDomains", n.RoutingDomains, "is for routing: domains; flat routing has one route table for every VPC")
		}
		routing.CheckDomains("networkAccount.routingDomains", n.RoutingDomains, v.ps)
	}
	if len(c.RouteWith) > 0 && c.Model != NetworkModel {
		v.ps.Add("routeWith", nil, "is for the network model; a de-centralized stack attaches its own dedicated VPCs")
	}
	clusters := validate.Names{}
	for i, a := range c.RouteWith {
		p := validate.Index("routeWith", i)
		v.account(p+".accountId", a.AccountID)
		v.name(p+".cluster", a.Cluster, clusters, "routed account's cluster")
	}
	for i, w := range c.WorkloadAccounts {
		v.routedTenant(validate.Index("workloadAccounts", i), w)
	}
}

// routedTenant checks a workload account's routing keys: only for a
// dedicated VPC in the network account's region, a domain of the network
// account's, and destinations outside the VPC's own block.
func (v *validator) routedTenant(p string, w WorkloadAccount) {
	c := v.c
	if !c.Routed(w) {
		v.misplaced(p, "is for a dedicated VPC in the network account's region (de-centralized model), which attaches to its transit gateway",
			setKey{"routingDomain", w.RoutingDomain != ""}, setKey{"routeTo", len(w.RouteTo) > 0})
		return
	}
	switch {
	case w.RoutingDomain == "":
		v.ps.Addf(p+".routingDomain", nil, "is required: the network account has routing domains %s", strings.Join(c.NetworkAccount.RoutingDomains, ", "))
	case !slices.Contains(c.NetworkAccount.RoutingDomains, w.RoutingDomain):
		v.ps.Addf(p+".routingDomain", w.RoutingDomain, "is not one of networkAccount.routingDomains (%s)", strings.Join(c.NetworkAccount.RoutingDomains, ", "))
	}
	routing.CheckDestinations(p+".routeTo", w.VpcCIDR, w.RouteTo, v.ps)
}

// account checks an account ID and records where it is used, so that one
// account in two roles is reported.
func (v *validator) account(path, id string) {
	switch {
	case !validate.IsAccountID(id):
		v.ps.Add(path, id, "is not a 12-digit AWS account ID")
		return
	case v.c.Organization != nil && id == v.c.Organization.ManagementAccountID && !strings.HasPrefix(path, "organization"):
		v.ps.Add(path, id, "is the organization's management account, which service control policies never bind; use a member account")
		return
	}
	if first, seen := v.accounts[id]; seen {
		v.ps.Add(path, id, "is already used by "+first)
		return
	}
	v.accounts[id] = path
}

func (v *validator) region(path, region string) {
	if !validate.IsRegion(region) {
		v.ps.Add(path, region, "is not an AWS region code such as us-east-1")
	}
}

// name records a name that is no DNS label, or that an earlier element
// of its list has.
func (v *validator) name(path, name string, seen validate.Names, what string) {
	if !validate.IsDNS1123Label(name) {
		v.ps.Add(path, name, "is not a valid name (lowercase letters, digits and '-', at most 63)")
		return
	}
	seen.Use(v.ps, path, name, what)
}

func (v *validator) organization() {
	o := v.c.Organization
	if o == nil {
		return
	}
	v.account("organization.managementAccountId", o.ManagementAccountID)
	if v.c.Model != OrganizationModel {
		// One stack per AWS organization owns what is organization-wide:
		// two would collide on names, and destroying one would break the
		// other's shares.
		const elsewhere = "is organization-wide: it belongs in the organization stack (model: organization), deployed once per AWS organization"
		if o.ManagementRoleArn != "" {
			v.ps.Add("organization.managementRoleArn", o.ManagementRoleArn, elsewhere)
		}
		if o.TagGuard != nil {
			v.ps.Add("organization.tagGuard", nil, elsewhere)
		}
		return
	}
	if o.ManagementRoleArn == "" {
		v.ps.Add("organization.managementRoleArn", nil, "is required: the role assumed in the management account (OrganizationAccountAccessRole exists only in member accounts)")
	}
	v.ps.RoleOf("organization.managementRoleArn", o.ManagementRoleArn, o.ManagementAccountID, "the management account")
	if g := o.TagGuard; g != nil {
		if len(g.TargetIDs) == 0 {
			v.ps.Add("organization.tagGuard.targetIds", nil, "is required: the roots, OUs or accounts the policies attach to")
		}
		g.Check("organization.tagGuard", guardrails.Facts{
			Management:     partition.AccountRegion{ID: o.ManagementAccountID, Region: v.c.Defaults.Region},
			DeployRoleName: v.c.Defaults.DeployRoleName,
		}, v.ps)
	}
}

func (v *validator) networkAccount() {
	n := v.c.NetworkAccount
	if n == nil {
		return
	}
	if !validate.IsDNS1123Label(n.Name) {
		v.ps.Add("networkAccount.name", n.Name, "is not a valid name (lowercase letters, digits and '-', at most 63)")
	}
	v.account("networkAccount.accountId", n.AccountID)
	v.region("networkAccount.region", n.Region)
	network.CheckVPC("networkAccount.vpcCidr", "networkAccount.availabilityZones", n.VpcCIDR, n.AvailabilityZones, v.ps)
}

// clusterAccounts checks each cluster account: its cluster by the
// cluster's own Check, and what only the stack shows (a name, cluster name
// or account used twice, the endpoint access it inherits, an access entry
// that one of its tenants' admins would take twice).
func (v *validator) clusterAccounts() {
	names, clusters := validate.Names{}, validate.Names{}
	for i, ca := range v.c.ClusterAccounts {
		p := validate.Index("clusterAccounts", i)
		v.name(p+".name", ca.Name, names, "cluster account")
		clusters.Use(v.ps, p+".clusterName", ca.ClusterName, "cluster")
		v.account(p+".accountId", ca.AccountID)
		v.region(p+".region", ca.Region)
		if ca.ChainingRole != SharedChaining && ca.ChainingRole != PerServiceAccount {
			v.ps.Add(p+".chainingRole", ca.ChainingRole, fmt.Sprintf("is not %q or %q", SharedChaining, PerServiceAccount))
		}
		if ca.VpcCIDR == "" {
			v.ps.Add(p+".vpcCidr", nil, "is required: the block of the cluster account's VPC")
		}
		v.inheritedEndpointAccess(p+".endpointAccess", ca.EndpointAccess)
		ca.Spec.Check(p, v.c.ClusterFacts(ca), v.ps)
		v.tenantAccessEntries(i, ca)
	}
}

// tenantAccessEntries records every admin of a tenant of cluster account h
// whose principal already has an access entry on its cluster: the deploy
// role, the node and Fargate roles, the cluster's admins or another
// tenant's admins each hold one, and EKS refuses a second. The cluster's
// own entries are the cluster's Check's to report.
func (v *validator) tenantAccessEntries(h int, ca ClusterAccount) {
	entries := ca.Spec.AccessEntries(validate.Index("clusterAccounts", h), v.c.ClusterFacts(ca))
	for i := range entries {
		entries[i].Path = ""
	}
	for i, w := range v.c.WorkloadAccounts {
		if v.c.Host(w) != h {
			continue
		}
		for j, arn := range w.Admins {
			path := validate.Index(validate.Index("workloadAccounts", i)+".admins", j)
			entries = append(entries, clusterref.AccessEntry{PrincipalARN: arn, Path: path, Holder: path})
		}
	}
	clusterref.CheckAccessEntries(entries, v.ps)
}

// inheritedEndpointAccess records a cluster without endpoint access of its
// own nor from the defaults; its own is its Check's.
func (v *validator) inheritedEndpointAccess(path string, own *clusteraccount.EndpointAccess) {
	if own == nil && v.c.Defaults.EndpointAccess == nil {
		v.ps.Add(path, nil, "is required, here or in defaults.endpointAccess: publicCidrs (the blocks the deploying machine reaches the API from) or privateOnly: true (the stack is deployed from inside the VPC); the program creates Kubernetes objects in the cluster")
	}
}

// workloadAccounts checks each workload account: its tenant by the
// tenant's own Check, placed on its cluster, and what only the whole list
// shows (a name or account used twice, two tenants in one namespace of a
// cluster).
func (v *validator) workloadAccounts() {
	c := v.c
	names := validate.Names{}
	namespaces := map[string]string{} // cluster + "/" + namespace -> path
	for i, w := range c.WorkloadAccounts {
		p := validate.Index("workloadAccounts", i)
		names.Use(v.ps, p+".name", w.Name, "workload account")
		v.account(p+".accountId", w.AccountID)
		host := w.ClusterAccount
		switch c.Model {
		case Centralized:
			v.centralizedTenant(p, w)
		case Decentralized:
			v.decentralizedTenant(p, w)
			host = w.Name
		default:
			continue // not a model with tenants, which top reports
		}
		c.Tenant(i).Check(p, c.TenantFacts(i), v.ps)
		key := host + "/" + w.Namespace
		if first, dup := namespaces[key]; dup && host != "" {
			v.ps.Add(p+".namespace", w.Namespace, "is already the namespace of "+first+" on the same cluster")
		}
		namespaces[key] = p
	}
}

// sharedChainingPolicies records a cluster account whose shared chaining
// role would get more inline policy than IAM allows: every tenant that
// chains from it adds one.
func (v *validator) sharedChainingPolicies() {
	if v.c.Model != Centralized {
		return
	}
	size := make([]int, len(v.c.ClusterAccounts))
	for i, w := range v.c.WorkloadAccounts {
		h := v.c.Host(w)
		name, doc, ok := v.c.Tenant(i).ChainingPolicy(v.c.TenantFacts(i))
		if h < 0 || !ok {
			continue
		}
		text, err := doc.JSON()
		if err != nil {
			v.ps.Add(validate.Index("workloadAccounts", i), nil, err.Error())
			continue
		}
		size[h] += iampolicy.Size(text) + len(name)
	}
	for h, n := range size {
		if n > iampolicy.InlineRolePoliciesLimit {
			v.ps.Addf(validate.Index("clusterAccounts", h)+".chainingRole", SharedChaining,
				"gives the shared chaining role %d characters of inline policies, over IAM's %d; use perServiceAccount or another cluster account",
				n, iampolicy.InlineRolePoliciesLimit)
		}
	}
}

func (v *validator) centralizedTenant(p string, w WorkloadAccount) {
	if w.ClusterAccount == "" {
		v.ps.Add(p+".clusterAccount", nil, "is required: the cluster account that hosts this tenant")
	} else if v.c.Host(w) < 0 {
		v.ps.Add(p+".clusterAccount", w.ClusterAccount, "is not the name of a configured cluster account")
	}
	v.misplaced(p, "is a de-centralized key; a centralized tenant runs on its cluster account's cluster",
		setKey{"blueprint", w.Blueprint != ""}, setKey{"region", w.Region != ""}, setKey{"networking", w.Networking != ""},
		setKey{"vpcCidr", w.VpcCIDR != ""}, setKey{"nodeGroups", len(w.NodeGroups) > 0}, setKey{"gitops", w.GitOps != nil},
		setKey{"kubernetesVersion", w.KubernetesVersion != ""}, setKey{"availabilityZones", w.AvailabilityZones != 0},
		setKey{"endpointAccess", w.EndpointAccess != nil})
}

func (v *validator) decentralizedTenant(p string, w WorkloadAccount) {
	if w.ClusterAccount != "" {
		v.ps.Add(p+".clusterAccount", w.ClusterAccount, "is a centralized key; a de-centralized workload account gets a cluster of its own")
	}
	if w.ShareSubnets {
		v.ps.Add(p+".shareSubnets", true, "is a centralized key; use networking: shared to use a network account's subnets")
	}
	v.region(p+".region", w.Region)
	// The cluster the account gets: its version, its admins and its
	// endpoint access are the account's keys. Its name and node groups
	// come with the blueprint, which the stacks check.
	clusteraccount.CheckVersion(p+".kubernetesVersion", w.KubernetesVersion, v.ps)
	clusterref.CheckAdmins(p+".admins", w.Admins, v.ps)
	v.inheritedEndpointAccess(p+".endpointAccess", w.EndpointAccess)
	if e := w.EndpointAccess; e != nil {
		e.Check(p+".endpointAccess", v.ps)
	}
	switch w.Networking {
	case Dedicated:
		if w.VpcCIDR == "" {
			v.ps.Add(p+".vpcCidr", nil, "is required for dedicated networking")
		} else {
			network.CheckVPC(p+".vpcCidr", p+".availabilityZones", w.VpcCIDR, w.AvailabilityZones, v.ps)
		}
	case Shared:
		n := v.c.NetworkAccount
		switch {
		case n == nil:
			v.ps.Add(p+".networking", Shared, "needs networkAccount: the account whose subnets are shared")
		case w.Region != n.Region:
			v.ps.Add(p+".region", w.Region, fmt.Sprintf("is not the network account's region %s: RAM shares subnets within one region", n.Region))
		}
		if w.VpcCIDR != "" {
			v.ps.Add(p+".vpcCidr", w.VpcCIDR, "is for dedicated networking; shared networking uses the network account's VPC")
		}
	default:
		v.ps.Add(p+".networking", w.Networking, fmt.Sprintf("is not %q or %q", Dedicated, Shared))
	}
	if w.GitOps != nil {
		w.GitOps.Check(p+".gitops", v.ps)
	}
}

// cidrs records every VPC block that overlaps another; a block that is no
// VPC block is its owner's Check's to report.
func (v *validator) cidrs() {
	type block struct {
		path   string
		prefix netip.Prefix
	}
	var blocks []block
	check := func(path, cidr string) {
		p, err := network.ParseVPC(cidr)
		if err != nil {
			return
		}
		for _, b := range blocks {
			if b.prefix.Overlaps(p) {
				v.ps.Add(path, cidr, fmt.Sprintf("overlaps %s (%s)", b.path, b.prefix))
			}
		}
		blocks = append(blocks, block{path, p})
	}
	if n := v.c.NetworkAccount; n != nil {
		check("networkAccount.vpcCidr", n.VpcCIDR)
	}
	for i, ca := range v.c.ClusterAccounts {
		check(validate.Index("clusterAccounts", i)+".vpcCidr", ca.VpcCIDR)
	}
	for i, w := range v.c.WorkloadAccounts {
		if v.c.Model == Decentralized && w.Networking == Dedicated && w.VpcCIDR != "" {
			check(validate.Index("workloadAccounts", i)+".vpcCidr", w.VpcCIDR)
		}
	}
}
