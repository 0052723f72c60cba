package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// graph is what the diagrams draw: accounts as groups holding clusters,
// shares, OIDC providers and roles, and edges for RAM shares and the
// credential paths. Both diagram formats render the same graph.
type graph struct {
	accounts []*group
	edges    []edge
}

type group struct {
	id, label string
	nodes     []node
	clusters  []*group
}

type node struct {
	id, label string
	// shape is "box", "share", "provider" or "account".
	shape string
}

type edge struct {
	from, to, label string
	dashed          bool
}

// graphBuilder assigns node IDs in a fixed order and finds nodes by key.
type graphBuilder struct {
	d        *plan.Document
	g        graph
	accounts map[string]*group
	clusters map[string]*group // "account/cluster"
	ids      map[string]string // node key -> id
	edges    map[[2]string]bool
	n        int
	// shares maps a share component's URN to its resource share's URN.
	shares map[string]string
	// trusts maps a role ARN to its trust policy text.
	trusts map[string]string
}

// newGraph builds the graph of a plan.
func newGraph(d *plan.Document) graph {
	b := &graphBuilder{d: d, accounts: map[string]*group{}, clusters: map[string]*group{}, ids: map[string]string{},
		edges: map[[2]string]bool{}, shares: map[string]string{}, trusts: map[string]string{}}
	for _, r := range d.Resources {
		switch r.Type {
		case "aws:ram/resourceShare:ResourceShare":
			b.shares[r.Parent] = r.URN
		case "aws:iam/role:Role":
			b.trusts[str(r.Outputs["arn"])] = str(r.Inputs["assumeRolePolicy"])
		}
	}
	var accts []string
	for _, r := range d.Resources {
		if r.Account != "" && b.accounts[r.Account] == nil {
			b.accounts[r.Account] = &group{id: "acct_" + r.Account, label: accountLabel(d.Accounts, r.Account)}
			accts = append(accts, r.Account)
		}
	}
	sort.Strings(accts)
	for _, a := range accts {
		g := b.accounts[a]
		b.add(g, "account:"+a, "account "+a, "account")
		b.g.accounts = append(b.g.accounts, g)
	}
	issuers := map[string]string{}
	for _, r := range d.Resources {
		if r.Type == "eks:index:Cluster" {
			b.cluster(r.Account, str(r.Inputs["name"]))
			issuers[plan.Issuer(r)] = str(r.Inputs["name"])
		}
	}
	for _, r := range d.Resources {
		if r.Type == "aws:ram/resourceShare:ResourceShare" {
			b.add(b.accounts[r.Account], "share:"+r.URN, "RAM share "+r.Name, "share")
		}
	}
	for _, p := range d.OIDCProviders() {
		b.add(b.accounts[p.Account], "oidc:"+p.ARN, "OIDC provider of cluster "+issuers[p.URL], "provider")
	}
	for _, r := range d.Resources {
		if r.Type == "aws:ram/principalAssociation:PrincipalAssociation" {
			share := b.ids["share:"+b.shares[r.Parent]]
			if to, ok := b.ids["account:"+str(r.Inputs["principal"])]; ok && share != "" {
				b.g.edges = append(b.g.edges, edge{from: share, to: to, label: "shares subnets", dashed: true})
			}
		}
	}
	for _, a := range d.Access {
		b.path(a)
	}
	return b.g
}

// add declares a node in group g once, and returns its ID.
func (b *graphBuilder) add(g *group, key, label, shape string) string {
	if id, ok := b.ids[key]; ok {
		return id
	}
	b.n++
	id := fmt.Sprintf("n%d", b.n)
	b.ids[key] = id
	g.nodes = append(g.nodes, node{id: id, label: label, shape: shape})
	return id
}

func (b *graphBuilder) cluster(account, name string) *group {
	key := account + "/" + name
	if c, ok := b.clusters[key]; ok {
		return c
	}
	acct := b.accounts[account]
	c := &group{id: fmt.Sprintf("cluster_%d", len(b.clusters)+1), label: "EKS cluster " + name}
	b.clusters[key] = c
	acct.clusters = append(acct.clusters, c)
	return c
}

// path draws one credential path.
func (b *graphBuilder) path(a plan.Access) {
	clusterAcct, clusterName := splitClusterARN(a.Cluster)
	c := b.cluster(clusterAcct, clusterName)
	sa := b.add(c, "sa:"+a.Cluster+"/"+a.Namespace+"/"+a.ServiceAccount, a.Namespace+"/"+a.ServiceAccount, "box")
	role := b.role(a.RoleArn)
	switch a.Via {
	case string(crossaccountrole.IRSA):
		oidc := b.ids["oidc:"+b.federatedPrincipal(a.RoleArn)]
		if oidc == "" {
			b.edge(sa, role, "IRSA")
			return
		}
		b.edge(sa, oidc, "IRSA token")
		b.edge(oidc, role, "AssumeRoleWithWebIdentity")
	case string(crossaccountrole.PodIdentityChain):
		src := b.role(a.SourceRoleArn)
		b.edge(sa, src, "Pod Identity")
		b.edge(src, role, "AssumeRole + TagSession")
	default:
		b.edge(sa, role, "Pod Identity")
	}
}

func (b *graphBuilder) edge(from, to, label string) {
	if b.edges[[2]string{from, to}] {
		return
	}
	b.edges[[2]string{from, to}] = true
	b.g.edges = append(b.g.edges, edge{from: from, to: to, label: label})
}

// role declares the node of a role, in its account, by ARN.
func (b *graphBuilder) role(arn string) string {
	account := accountOfARN(arn)
	g, ok := b.accounts[account]
	if !ok {
		g = &group{id: "acct_" + account, label: accountLabel(b.d.Accounts, account)}
		b.accounts[account] = g
		b.g.accounts = append(b.g.accounts, g)
	}
	return b.add(g, "role:"+arn, "role "+lastSegment(arn), "box")
}

// federatedPrincipal returns the OIDC provider a role's trust names.
func (b *graphBuilder) federatedPrincipal(roleARN string) string {
	doc, err := iampolicy.Parse(b.trusts[roleARN])
	if err != nil || len(doc.Statement) == 0 || doc.Statement[0].Principal == nil || len(doc.Statement[0].Principal.Federated) == 0 {
		return ""
	}
	return doc.Statement[0].Principal.Federated[0]
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func lastSegment(s string) string {
	return s[strings.LastIndexByte(s, '/')+1:]
}

// accountOfARN returns the account field of an ARN.
func accountOfARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

// splitClusterARN returns the account and the name of a cluster ARN.
func splitClusterARN(arn string) (account, name string) {
	return accountOfARN(arn), lastSegment(arn)
}
