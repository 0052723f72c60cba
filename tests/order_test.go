package tests

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/examples"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// The deploy order. The mock engine answers every registration at once, so
// a resource that names another by a plain string (a cluster by its name,
// a role by its name) passes every other test and then, on AWS, is created
// while the thing it names is still being created, and fails. This test
// reads the plan's dependencies and holds DESIGN's rule: every resource
// that names another resource of the program waits for it.

// nameRef is an input that names another resource by its name rather than
// by an opaque ID or ARN.
type nameRef struct {
	// field is the input holding the name.
	field string
	// target is the type of the resource named, and key the input of the
	// target that holds its name.
	target, key string
}

// nameRefs are the inputs, per resource type, that name another resource.
// A name is looked up in the referring resource's account (and region, for
// regional resources).
var nameRefs = map[string][]nameRef{
	"aws:eks/accessEntry:AccessEntry":                         {{"clusterName", "eks:index:Cluster", "name"}},
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": {{"clusterName", "eks:index:Cluster", "name"}},
	"aws:eks/podIdentityAssociation:PodIdentityAssociation":   {{"clusterName", "eks:index:Cluster", "name"}},
	"aws:eks/addon:Addon":                                     {{"clusterName", "eks:index:Cluster", "name"}},
	"aws:eks/nodeGroup:NodeGroup":                             {{"clusterName", "eks:index:Cluster", "name"}},
	"aws:eks/fargateProfile:FargateProfile":                   {{"clusterName", "eks:index:Cluster", "name"}},
	"aws:iam/rolePolicy:RolePolicy":                           {{"role", "aws:iam/role:Role", "name"}},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":       {{"role", "aws:iam/role:Role", "name"}},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":  {{"bucket", "aws:s3/bucketV2:BucketV2", "bucket"}},
}

// opaqueID matches the IDs AWS makes up (vpc-0a1b..., p-52c0320c): unlike
// names, a value equal to one of them can only be a reference to it.
var opaqueID = regexp.MustCompile(`^[a-z]+-[0-9a-f]{8,}$`)

// orderGraph answers which resources a resource waits for.
type orderGraph struct {
	doc      *plan.Document
	byURN    map[string]plan.Resource
	children map[string][]string
	// ids maps every ARN and opaque ID the plan's resources have to the
	// resource that has it. A pulumi-eks cluster holds those of what it
	// creates inside (the EKS cluster, its security group, its OIDC
	// provider).
	ids     map[string]string
	waits   map[string]map[string]bool
	subnets map[string]plan.Resource // subnet ID -> subnet
}

func newOrderGraph(doc *plan.Document) *orderGraph {
	g := &orderGraph{doc: doc, byURN: map[string]plan.Resource{}, children: map[string][]string{}, ids: map[string]string{},
		waits: map[string]map[string]bool{}, subnets: map[string]plan.Resource{}}
	for _, r := range doc.Resources {
		g.byURN[r.URN] = r
		g.children[r.Parent] = append(g.children[r.Parent], r.URN)
		for _, v := range identifiers(r) {
			g.ids[v] = r.URN
		}
		if r.Type == "aws:ec2/subnet:Subnet" {
			g.subnets[r.Outputs["id"].(string)] = r
		}
	}
	for _, p := range doc.OIDCProviders() {
		g.ids[p.ARN] = p.Resource
	}
	return g
}

// identifiers returns the ARNs and opaque IDs AWS gives a resource: the
// top-level outputs of a resource (id, arn, ...Arn, ...Id), and for a
// pulumi-eks cluster, those of the EKS cluster and the security group it
// creates inside. (Outputs that echo an input name something else.)
func identifiers(r plan.Resource) []string {
	var out []string
	switch {
	case r.Type == "eks:index:Cluster":
		vpc, _ := r.Outputs["vpcConfig"].(map[string]any)
		out = append(out, str(r.Outputs["arn"]), str(vpc["clusterSecurityGroupId"]))
	case r.Kind == plan.KindResource:
		for _, k := range slices.Sorted(maps.Keys(r.Outputs)) {
			if k == "id" || strings.HasSuffix(strings.ToLower(k), "arn") || strings.HasSuffix(k, "Id") {
				out = append(out, str(r.Outputs[k]))
			}
		}
	}
	return slices.DeleteFunc(out, func(v string) bool { return !strings.HasPrefix(v, "arn:") && !opaqueID.MatchString(v) })
}

// stringsIn returns every string inside a plain value, in a fixed order.
func stringsIn(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, stringsIn(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out = append(out, stringsIn(v[k])...)
		}
		return out
	}
	return nil
}

// waitsFor returns every resource that is created before urn: its
// dependencies and its provider, transitively, where a dependency on a
// component is one on everything inside it.
func (g *orderGraph) waitsFor(urn string) map[string]bool {
	if w, ok := g.waits[urn]; ok {
		return w
	}
	seen := map[string]bool{}
	var visit func(string)
	visit = func(u string) {
		if seen[u] {
			return
		}
		seen[u] = true
		r := g.byURN[u]
		for _, d := range r.Dependencies {
			visit(d)
		}
		if r.Provider != "" {
			visit(r.Provider)
		}
		for _, c := range g.children[u] {
			visit(c)
		}
	}
	r := g.byURN[urn]
	for _, d := range r.Dependencies {
		visit(d)
	}
	if r.Provider != "" {
		visit(r.Provider)
	}
	g.waits[urn] = seen
	return seen
}

// named returns the resource of type typ whose key input is name, in the
// account (and, for a regional type, the region) of r.
func (g *orderGraph) named(r plan.Resource, typ, key, name string) (plan.Resource, bool) {
	for _, t := range g.doc.Resources {
		if t.Type == typ && t.Account == r.Account && (typ == "aws:iam/role:Role" || t.Region == r.Region) &&
			strings.EqualFold(str(t.Inputs[key]), name) {
			return t, true
		}
	}
	return plan.Resource{}, false
}

// requirement is one resource another must wait for, and why.
type requirement struct {
	target, why string
}

// requirements lists what r must wait for, by DESIGN's rule.
func (g *orderGraph) requirements(r plan.Resource) []requirement {
	var out []requirement
	for _, ref := range nameRefs[r.Type] {
		if name := str(r.Inputs[ref.field]); name != "" {
			if t, ok := g.named(r, ref.target, ref.key, name); ok {
				out = append(out, requirement{t.URN, fmt.Sprintf("its %s names %s", ref.field, t.Name)})
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Inputs)) {
		for _, v := range stringsIn(r.Inputs[k]) {
			if t, ok := g.ids[v]; ok && t != r.URN {
				out = append(out, requirement{t, fmt.Sprintf("its %s holds %s", k, v)})
			}
		}
	}
	out = append(out, g.trustPrincipals(r)...)
	out = append(out, g.natGateway(r)...)
	out = append(out, g.nodeEgress(r)...)
	out = append(out, g.rolePolicies(r)...)
	out = append(out, g.tenantNamespaces(r)...)
	out = append(out, g.transitGateways(r)...)
	return append(out, g.sharedSubnets(r)...)
}

// tenantNamespaces: what must be deleted first waits for what it needs
// while it goes. A tenant's or team's namespace waits for its cluster's
// node groups and Fargate profiles, for the platform's charts on the
// cluster (Flux's included), and for the cluster itself: a destroy deletes it, and waits until Kubernetes has
// finished with it, while the controllers that remove its objects'
// finalizers (the AWS Load Balancer Controller, which deletes a
// LoadBalancer Service's load balancer, among them) still have nodes to
// run on, and before the cluster, its security groups and subnets, which
// a leftover load balancer would block
// (https://docs.aws.amazon.com/eks/latest/userguide/delete-cluster.html).
func (g *orderGraph) tenantNamespaces(r plan.Resource) []requirement {
	if r.Type != "kubernetes:core/v1:Namespace" {
		return nil
	}
	meta, _ := r.Inputs["metadata"].(map[string]any)
	if labels, _ := meta["labels"].(map[string]any); labels["eks-multi-account/tenant"] == nil && labels["eks-multi-account/team"] == nil {
		return nil
	}
	cluster := g.byURN[r.Provider].Parent
	var out []requirement
	for _, x := range g.doc.Resources {
		onCluster := x.Parent == cluster || (x.Provider == r.Provider && x.Type == "kubernetes:helm.sh/v3:Release")
		switch {
		case !onCluster:
		case x.Type == "aws:eks/nodeGroup:NodeGroup" || x.Type == "aws:eks/fargateProfile:FargateProfile":
			out = append(out, requirement{x.URN, "its objects' finalizers need " + x.Name + "'s nodes to run their controllers while it is deleted"})
		case x.Type == "kubernetes:helm.sh/v3:Release":
			out = append(out, requirement{x.URN, "the platform's " + x.Name + " must outlive the tenants' namespaces"})
		case x.Type == "eks:index:Cluster":
			out = append(out, requirement{x.URN, "it is deleted before its cluster"})
		}
	}
	if len(out) == 0 {
		out = append(out, requirement{"", "no node group or Fargate profile of its cluster found"})
	}
	return out
}

// rolePolicies: a node group or Fargate profile waits for its role's policy
// attachments, so that it is created once the role can do its job and
// deleted before the policies are detached: EKS needs them to launch and to
// drain the nodes (https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html,
// https://docs.aws.amazon.com/eks/latest/userguide/pod-execution-role.html).
func (g *orderGraph) rolePolicies(r plan.Resource) []requirement {
	field := map[string]string{"aws:eks/nodeGroup:NodeGroup": "nodeRoleArn", "aws:eks/fargateProfile:FargateProfile": "podExecutionRoleArn"}[r.Type]
	if field == "" {
		return nil
	}
	role, ok := g.byURN[g.ids[str(r.Inputs[field])]]
	if !ok {
		return []requirement{{"", fmt.Sprintf("its %s is not a role of the plan", field)}}
	}
	var out []requirement
	for _, a := range g.doc.Resources {
		if a.Type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && a.Account == r.Account && a.Inputs["role"] == role.Inputs["name"] {
			out = append(out, requirement{a.URN, "role " + role.Name + " needs " + str(a.Inputs["policyArn"]) + " while it runs"})
		}
	}
	if len(out) == 0 {
		out = append(out, requirement{"", "role " + role.Name + " has no policy attachment"})
	}
	return out
}

// nodeEgress: nodes join their cluster only with egress (to the EKS API and
// ECR), so a node group or Fargate profile waits for its subnets' route
// table associations, whose tables route through a NAT gateway.
func (g *orderGraph) nodeEgress(r plan.Resource) []requirement {
	if r.Type != "aws:eks/nodeGroup:NodeGroup" && r.Type != "aws:eks/fargateProfile:FargateProfile" {
		return nil
	}
	var out []requirement
	for _, id := range stringsIn(r.Inputs["subnetIds"]) {
		for _, a := range g.doc.Resources {
			if a.Type == "aws:ec2/routeTableAssociation:RouteTableAssociation" && a.Inputs["subnetId"] == id {
				out = append(out, requirement{a.URN, "its nodes need subnet " + id + " routed before they can join"})
			}
		}
	}
	return out
}

// trustPrincipals: IAM refuses a trust policy naming a principal that does
// not exist yet ("Invalid principal in policy").
func (g *orderGraph) trustPrincipals(r plan.Resource) []requirement {
	if r.Type != "aws:iam/role:Role" {
		return nil
	}
	doc, err := iampolicy.Parse(str(r.Inputs["assumeRolePolicy"]))
	if err != nil {
		return nil
	}
	var out []requirement
	for _, s := range doc.Statement {
		if s.Principal == nil {
			continue
		}
		for _, p := range append(slices.Clone(s.Principal.AWS), s.Principal.Federated...) {
			if t, ok := g.ids[p]; ok && t != r.URN {
				out = append(out, requirement{t, "its trust policy names the principal " + p})
			}
		}
	}
	return out
}

// natGateway: EC2 fails a public NAT gateway in a VPC without an internet
// gateway (Gateway.NotAttached), and no input of the NAT gateway names it.
func (g *orderGraph) natGateway(r plan.Resource) []requirement {
	if r.Type != "aws:ec2/natGateway:NatGateway" {
		return nil
	}
	subnet, ok := g.subnets[str(r.Inputs["subnetId"])]
	if !ok {
		return nil
	}
	var out []requirement
	for _, igw := range g.doc.Resources {
		if igw.Type == "aws:ec2/internetGateway:InternetGateway" && igw.Inputs["vpcId"] == subnet.Inputs["vpcId"] {
			out = append(out, requirement{igw.URN, "its VPC's internet gateway must be attached first"})
		}
	}
	return out
}

// sharedSubnets: a resource in subnets (or the VPC of subnets) another
// account owns may be created only once they are shared with its account:
// by the share's association of each subnet it uses, and of its account.
func (g *orderGraph) sharedSubnets(r plan.Resource) []requirement {
	if r.Account == "" || (r.Kind != plan.KindResource && r.Type != "eks:index:Cluster") {
		return nil
	}
	var out []requirement
	for _, k := range slices.Sorted(maps.Keys(r.Inputs)) {
		for _, v := range stringsIn(r.Inputs[k]) {
			if s, ok := g.subnets[v]; ok && s.Account != r.Account {
				out = append(out, g.sharing(r, s)...)
			}
			if k != "vpcId" {
				continue
			}
			for _, id := range slices.Sorted(maps.Keys(g.subnets)) {
				if s := g.subnets[id]; s.Inputs["vpcId"] == v && s.Account != r.Account && g.shared(s) {
					out = append(out, g.sharing(r, s)...)
				}
			}
		}
	}
	return out
}

// shared reports whether subnet s is in any share.
func (g *orderGraph) shared(s plan.Resource) bool {
	return slices.ContainsFunc(g.doc.Resources, func(ra plan.Resource) bool {
		return ra.Type == "aws:ram/resourceAssociation:ResourceAssociation" && ra.Inputs["resourceArn"] == s.Outputs["arn"]
	})
}

// sharing returns the associations that share subnet s with r's account,
// or a requirement no resource meets when there are none.
func (g *orderGraph) sharing(r plan.Resource, s plan.Resource) []requirement {
	return g.sharedBy(r, str(s.Outputs["arn"]), "subnet "+s.Name, s.Account)
}

// sharedBy returns the associations that share the resource arn (what, of
// account owner) with r's account: the resource's and the account's, or a
// requirement no resource meets when either is missing.
func (g *orderGraph) sharedBy(r plan.Resource, arn, what, owner string) []requirement {
	var out []requirement
	for _, ra := range g.doc.Resources {
		if ra.Type != "aws:ram/resourceAssociation:ResourceAssociation" || ra.Inputs["resourceArn"] != arn {
			continue
		}
		out = append(out, requirement{ra.URN, what + " must be in the share first"})
		for _, pa := range g.doc.Resources {
			if pa.Type == "aws:ram/principalAssociation:PrincipalAssociation" && pa.Inputs["resourceShareArn"] == ra.Inputs["resourceShareArn"] &&
				pa.Inputs["principal"] == r.Account {
				out = append(out, requirement{pa.URN, "the share must name account " + r.Account + " first"})
			}
		}
	}
	if len(out) < 2 {
		out = append(out, requirement{"", what + " of account " + owner + " is not shared with account " + r.Account})
	}
	return out
}

// transitGateways: EC2 answers an attachment to another account's transit
// gateway as if the gateway did not exist until RAM shares it with the
// attachment's account; a route through a gateway is refused until the
// route table's VPC has an attachment to it that is available, which an
// attachment from another account than the gateway's is once its
// accepter has accepted it; and an accepter accepts an attachment that
// exists.
func (g *orderGraph) transitGateways(r plan.Resource) []requirement {
	switch r.Type {
	case plan.TGWAttachmentType:
		tgw, ok := g.byID(str(r.Inputs["transitGatewayId"]))
		if ok && tgw.Account != r.Account {
			return g.sharedBy(r, str(tgw.Outputs["arn"]), "transit gateway "+tgw.Name, tgw.Account)
		}
	case "aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter":
		for _, a := range g.doc.Resources {
			if a.Type == plan.TGWAttachmentType && a.Outputs["id"] == r.Inputs["transitGatewayAttachmentId"] {
				return []requirement{{a.URN, "it accepts attachment " + a.Name}}
			}
		}
	case "aws:ec2/route:Route":
		gateway := str(r.Inputs["transitGatewayId"])
		table, ok := g.byID(str(r.Inputs["routeTableId"]))
		if gateway == "" || !ok {
			return nil
		}
		for _, a := range g.doc.Resources {
			if a.Type != plan.TGWAttachmentType || a.Inputs["vpcId"] != table.Inputs["vpcId"] || a.Inputs["transitGatewayId"] != gateway {
				continue
			}
			out := []requirement{{a.URN, "its VPC's attachment " + a.Name + " must exist first"}}
			if tgw, ok := g.byID(gateway); ok && tgw.Account != a.Account {
				accepted := requirement{"", "attachment " + a.Name + " to another account's gateway is never accepted"}
				for _, acc := range g.doc.Resources {
					if acc.Type == "aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter" && acc.Inputs["transitGatewayAttachmentId"] == a.Outputs["id"] {
						accepted = requirement{acc.URN, "attachment " + a.Name + " must be accepted first"}
					}
				}
				out = append(out, accepted)
			}
			return out
		}
		return []requirement{{"", "the VPC of route table " + table.Name + " has no attachment to " + gateway}}
	}
	return nil
}

// byID returns the resource whose ID is id (not an accepter, whose ID is
// the attachment's).
func (g *orderGraph) byID(id string) (plan.Resource, bool) {
	for _, r := range g.doc.Resources {
		if r.Outputs["id"] == id && id != "" && r.Type != "aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter" {
			return r, true
		}
	}
	return plan.Resource{}, false
}

// violations lists every requirement of every resource that its
// dependencies do not meet, sorted.
func (g *orderGraph) violations() []string {
	var out []string
	for _, r := range g.doc.Resources {
		for _, req := range g.requirements(r) {
			if !g.waitsFor(r.URN)[req.target] {
				out = append(out, fmt.Sprintf("%s %s (account %s) does not wait for %s: %s", r.Type, r.Name, r.Account, g.byURN[req.target].Name, req.why))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// planStackFile plans a shipped stack file with the program its project
// runs.
func planStackFile(t *testing.T, path string) *plan.Document {
	t.Helper()
	s, err := stackfile.Load(path)
	require.NoError(t, err)
	program, ok := examples.Program(s.Project)
	if !ok {
		program = stacksProgram
	}
	doc, err := plan.Make(plan.Input{Project: s.Project, Stack: s.Name, Config: s.Config, Program: program})
	require.NoError(t, err, path)
	return doc
}

func TestEveryResourceWaitsForWhatItNames(t *testing.T) {
	docs := map[string]*plan.Document{}
	for _, path := range stackFiles(t) {
		docs[path] = planStackFile(t, path)
	}
	docs["centralized, 3 cluster accounts and 60 tenants"] = planOf(t, "eks-multi-account", "large", largeCentralized(3, 60, true))
	docs["decentralized, 20 vended clusters"] = planOf(t, "eks-multi-account", "large", largeDecentralized(20))
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		t.Run(name, func(t *testing.T) {
			g := newOrderGraph(docs[name])
			checked := 0
			for _, r := range g.doc.Resources {
				checked += len(g.requirements(r))
			}
			least := 50
			if g.doc.Model == config.OrganizationModel {
				least = 3 // each policy attachment names its policy
			}
			assert.Greater(t, checked, least, "the rule has references to check")
			assert.Empty(t, g.violations())
		})
	}
}

// TestTheOrderRuleSeesAMissingDependency keeps the rule honest: a plan in
// which an access entry names its cluster by a plain string, a cluster
// uses another account's subnets before they are shared, a node group
// does not wait for its role's policies, a tenant's namespace does not
// wait for its cluster's node groups (each as before it was a
// dependency), an attachment does not wait for its gateway's share, and a
// route for its attachment's acceptance, is caught.
func TestTheOrderRuleSeesAMissingDependency(t *testing.T) {
	doc := planStackFile(t, "../examples/decentralized/Pulumi.prod.yaml")
	for i, r := range doc.Resources {
		switch {
		case r.Type == "aws:eks/addon:Addon" || (r.Type == "eks:index:Cluster" && str(r.Inputs["name"]) == "ml"):
			doc.Resources[i].Dependencies = nil
		case r.Type == "aws:eks/nodeGroup:NodeGroup" && r.Name == "ml-ng-gpu":
			doc.Resources[i].Dependencies = slices.DeleteFunc(r.Dependencies, func(urn string) bool { return strings.Contains(urn, "RolePolicyAttachment") })
		case r.Type == "kubernetes:core/v1:Namespace" && r.Name == "ml-ns",
			r.Type == plan.TGWAttachmentType && r.Name == "web-tgw-attachment",
			r.Type == "aws:ec2/route:Route" && r.Name == "web-tgw-route-0-10-10-0-0-16":
			doc.Resources[i].Dependencies = nil
		}
	}
	v := newOrderGraph(doc).violations()
	assert.Contains(t, v, "aws:eks/addon:Addon ml-vpc-cni (account 313131313131) does not wait for ml-eks: its clusterName names ml-eks")
	assert.Contains(t, v, "eks:index:Cluster ml-eks (account 313131313131) does not wait for network-subnets-principal-313131313131: the share must name account 313131313131 first")
	assert.Contains(t, v, "aws:eks/nodeGroup:NodeGroup ml-ng-gpu (account 313131313131) does not wait for ml-node-role-AmazonEKSWorkerNodePolicy: role ml-node-role needs arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy while it runs")
	assert.Contains(t, v, "kubernetes:core/v1:Namespace ml-ns (account 313131313131) does not wait for ml-ng-gpu: its objects' finalizers need ml-ng-gpu's nodes to run their controllers while it is deleted")
	assert.Contains(t, v, "aws:ec2transitgateway/vpcAttachment:VpcAttachment web-tgw-attachment (account 535353535353) does not wait for network-routing-tgw-principal-535353535353: the share must name account 535353535353 first")
	assert.Contains(t, v, "aws:ec2transitgateway/vpcAttachment:VpcAttachment web-tgw-attachment (account 535353535353) does not wait for network-routing-tgw-gateway: transit gateway network-routing-tgw must be in the share first")
	assert.Contains(t, v, "aws:ec2/route:Route web-tgw-route-0-10-10-0-0-16 (account 535353535353) does not wait for web-tgw-accepter: attachment web-tgw-attachment must be accepted first")
}

// str returns a plain value as a string, or "" when it is not one.
func str(v any) string {
	s, _ := v.(string)
	return s
}
