// Package render prints a plan: as text for people, as one JSON document,
// or as a Mermaid or Graphviz diagram of accounts, clusters, shares and
// credential paths. Every renderer is deterministic: the same plan gives
// the same bytes.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/eks-multi-account/eks-multi-account/internal/critical"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// keyInputs are the inputs worth a glance, per resource type; a type not
// listed shows its name input, if any.
var keyInputs = map[string][]string{
	"aws:ec2/vpc:Vpc":                                         {"cidrBlock"},
	"aws:ec2/subnet:Subnet":                                   {"cidrBlock", "availabilityZoneId", "availabilityZone"},
	"aws:ec2/launchTemplate:LaunchTemplate":                   {"metadataOptions"},
	"aws:eks/nodeGroup:NodeGroup":                             {"nodeGroupName", "version", "instanceTypes", "capacityType", "amiType", "scalingConfig"},
	"aws:eks/addon:Addon":                                     {"addonName", "addonVersion", "configurationValues"},
	"aws:eks/fargateProfile:FargateProfile":                   {"fargateProfileName", "selectors"},
	"aws:eks/podIdentityAssociation:PodIdentityAssociation":   {"clusterName", "namespace", "serviceAccount", "roleArn"},
	"aws:eks/accessEntry:AccessEntry":                         {"clusterName", "principalArn"},
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": {"principalArn", "policyArn", "accessScope"},
	"aws:iam/role:Role":                                       {"name", "path"},
	"aws:iam/rolePolicy:RolePolicy":                           {"role", "name"},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":       {"role", "policyArn"},
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider":     {"url", "clientIdLists"},
	"aws:ram/resourceShare:ResourceShare":                     {"name", "allowExternalPrincipals"},
	"aws:ram/resourceAssociation:ResourceAssociation":         {"resourceArn"},
	"aws:ram/principalAssociation:PrincipalAssociation":       {"principal"},
	"aws:organizations/policy:Policy":                         {"name", "type"},
	"aws:organizations/policyAttachment:PolicyAttachment":     {"targetId"},
	"aws:s3/bucketV2:BucketV2":                                {"bucket"},
	"aws:rds/subnetGroup:SubnetGroup":                         {"name", "subnetIds"},
	"eks:index:Cluster":                                       {"name", "version", "authenticationMode"},
	"pulumi:providers:aws":                                    {"region", "allowedAccountIds", "assumeRole"},
	"kubernetes:helm.sh/v3:Release":                           {"chart", "version", "namespace"},
}

// policyInputs are the inputs that hold policy documents, and what to
// call them.
var policyInputs = map[string]struct{ key, title string }{
	"aws:iam/role:Role":               {"assumeRolePolicy", "trust policy"},
	"aws:iam/rolePolicy:RolePolicy":   {"policy", "permission policy"},
	"aws:organizations/policy:Policy": {"content", "service control policy"},
}

// Text prints the plan for people: per account and region every resource
// with its key inputs and policies, Kubernetes resources per cluster, the
// credential paths, and totals per account and type.
func Text(w io.Writer, d *plan.Document) error {
	p := &printer{w: w}
	accounts := map[string][]plan.Resource{}
	var components []plan.Resource
	for _, r := range d.Resources {
		if r.Account == "" {
			components = append(components, r)
			continue
		}
		accounts[r.Account] = append(accounts[r.Account], r)
	}
	p.f("Plan of %s/%s (%s model): %d resources in %d accounts\n", d.Project, d.Stack, d.Model, len(d.Resources), len(accounts))
	for _, acct := range slices.Sorted(maps.Keys(accounts)) {
		p.f("\n== Account %s ==\n", accountLabel(d.Accounts, acct))
		byPlace := map[string][]plan.Resource{}
		for _, r := range accounts[acct] {
			place := r.Region
			if r.Cluster != "" {
				place = r.Region + ", cluster " + r.Cluster
			}
			byPlace[place] = append(byPlace[place], r)
		}
		for _, place := range slices.Sorted(maps.Keys(byPlace)) {
			p.f("\n-- %s --\n", place)
			rs := byPlace[place]
			sort.SliceStable(rs, func(i, j int) bool { return rs[i].Type+" "+rs[i].Name < rs[j].Type+" "+rs[j].Name })
			for _, r := range rs {
				p.resource(r)
			}
		}
	}
	p.f("\n== Components ==\n")
	for _, c := range components {
		p.f("  %s  %s\n", c.Type, c.Name)
	}
	p.f("\n== Credential paths ==\n")
	for _, a := range d.Access {
		p.f("  %s  %s/%s\n    -> %s  via %s", a.Cluster, a.Namespace, a.ServiceAccount, a.RoleArn, a.Via)
		if a.SourceRoleArn != "" {
			p.f(" (chained from %s)", a.SourceRoleArn)
		}
		p.f("\n")
	}
	p.reachability(d)
	p.f("\n")
	p.findings(d)
	p.f("\n== Totals ==\n")
	for _, acct := range slices.Sorted(maps.Keys(accounts)) {
		count := map[string]int{}
		for _, r := range accounts[acct] {
			count[r.Type]++
		}
		p.f("  %s: %d\n", accountLabel(d.Accounts, acct), len(accounts[acct]))
		for _, t := range slices.Sorted(maps.Keys(count)) {
			p.f("    %-60s %d\n", t, count[t])
		}
	}
	return p.err
}

// reachability prints which VPC reaches which over transit gateways, and
// each routing domain, when the plan routes any VPC through one.
func (p *printer) reachability(d *plan.Document) {
	r := d.Reachability
	if len(r.Domains) == 0 {
		return
	}
	p.f("\n== Reachability over transit gateways ==\n")
	for _, v := range r.VPCs {
		reaches := strings.Join(v.Reaches, ", ")
		if reaches == "" {
			reaches = "nothing"
		}
		p.f("  %s (%s, %s in %s) reaches %s\n", v.Name, v.CIDR, v.Region, accountLabel(d.Accounts, v.Account), reaches)
	}
	for _, dom := range r.Domains {
		p.f("  route table %s in %s: associated %s; propagated %s\n", dom.Name, accountLabel(d.Accounts, dom.Account),
			strings.Join(dom.Associated, ", "), strings.Join(dom.Propagated, ", "))
	}
}

// Findings prints only the checks' findings.
func Findings(w io.Writer, d *plan.Document) error {
	p := &printer{w: w}
	p.findings(d)
	return p.err
}

// StacksFindings prints the findings of several stacks of one
// organization, stack by stack, then what they would do to each other.
func StacksFindings(w io.Writer, docs []*plan.Document, across []plan.Finding) error {
	p := &printer{w: w}
	names := map[string]string{}
	for _, d := range docs {
		p.findingsOf("Findings of "+d.Project+"/"+d.Stack, d.Findings, d.Accounts)
		maps.Copy(names, d.Accounts)
	}
	p.findingsOf("Findings across the stacks", across, names)
	return p.err
}

func (p *printer) findings(d *plan.Document) {
	p.findingsOf("Findings", d.Findings, d.Accounts)
}

// findingsOf prints a heading and the findings under it, naming accounts
// by names.
func (p *printer) findingsOf(title string, findings []plan.Finding, names map[string]string) {
	p.f("== %s (%d) ==\n", title, len(findings))
	for _, f := range findings {
		where := accountLabel(names, f.Account)
		switch {
		case f.Name != "" && f.Account != "":
			where = f.Name + " in " + where
		case f.Name != "":
			where = f.Name // the whole stack
		}
		p.f("  %s  %s  %s: %s\n", f.Severity, f.Rule, where, f.Message)
	}
}

// CriticalPath prints the longest chain of resources each waiting for the
// one before, with when each starts and ends, the lower bound it gives a
// first deploy, and the provider processes the deploy starts.
func CriticalPath(w io.Writer, d *plan.Document, path critical.Path, processes map[string]int) error {
	p := &printer{w: w}
	p.f("Critical path of %s/%s: a first pulumi up takes at least %s\n", d.Project, d.Stack, minutes(path.Total))
	for _, s := range path.Steps {
		p.f("  %s -> %s  %s  %s in %s", minutes(s.Start), minutes(s.End), s.Type, s.Name, accountLabel(d.Accounts, s.Account))
		if critical.Opaque(s.Resource) {
			p.f("  (pulumi-eks: one opaque step; the EKS cluster, its roles, security groups and OIDC provider are created inside it)")
		}
		p.f("\n")
	}
	total := 0
	var parts []string
	for _, pkg := range slices.Sorted(maps.Keys(processes)) {
		total += processes[pkg]
		parts = append(parts, fmt.Sprintf("%d %s", processes[pkg], pkg))
	}
	p.f("Provider processes: %d (%s); the engine starts one plugin process per provider\n", total, strings.Join(parts, ", "))
	return p.err
}

// minutes writes a duration as minutes and seconds, 12:05.
func minutes(d time.Duration) string {
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// printer writes until the first error, which it keeps.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) resource(r plan.Resource) {
	p.f("  %s  %s", r.Type, r.Name)
	keys, ok := keyInputs[r.Type]
	if !ok {
		keys = []string{"name"}
	}
	for _, k := range keys {
		if v, ok := r.Inputs[k]; ok {
			p.f("  %s=%s", k, compact(v))
		}
	}
	if meta, ok := r.Inputs["metadata"].(map[string]any); ok {
		if ns, ok := meta["namespace"]; ok {
			p.f("  namespace=%v", ns)
		}
		p.f("  name=%v", meta["name"])
	}
	p.f("\n")
	if pi, ok := policyInputs[r.Type]; ok {
		if text, ok := r.Inputs[pi.key].(string); ok {
			title := pi.title
			if r.Inputs["type"] == "RESOURCE_CONTROL_POLICY" {
				title = "resource control policy"
			}
			p.f("    %s:\n%s\n", title, indentJSON(text, "      "))
		}
	}
}

// accountLabel is "123456789012 (name)", or the ID alone.
func accountLabel(names map[string]string, id string) string {
	if name, ok := names[id]; ok {
		return id + " (" + name + ")"
	}
	return id
}

func compact(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// indentJSON pretty-prints JSON text, or returns it as it is when it is
// not JSON (an unknown value).
func indentJSON(text, prefix string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(text), prefix, "  "); err != nil {
		return prefix + text
	}
	return prefix + buf.String()
}

// JSON prints the plan as one indented JSON document.
func JSON(w io.Writer, d *plan.Document) error { return encodeJSON(w, d) }

// encodeJSON prints v as indented JSON, with <, > and & as they are.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
