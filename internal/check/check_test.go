package check_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2transitgateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ram"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/internal/check"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/stacks"
)

var today = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// planOf plans the centralized example's prod stack file, with each old
// text of its defaults replaced by the new one that follows it (the
// version of its clusters, say), and with what extra adds to it.
func planOf(t *testing.T, defaults []string, extra func(ctx *pulumi.Context, e *stacks.Estate) error) *plan.Document {
	t.Helper()
	return planExample(t, func(cfg map[string]string) {
		for i := 0; i < len(defaults); i += 2 {
			require.Contains(t, cfg["eks-multi-account:defaults"], defaults[i])
			cfg["eks-multi-account:defaults"] = strings.Replace(cfg["eks-multi-account:defaults"], defaults[i], defaults[i+1], 1)
		}
	}, nil, extra)
}

// planExample plans the centralized example's prod stack file, its
// configuration edited by edit, with the outputs of the stacks it
// references, and with what extra adds to it.
func planExample(t *testing.T, edit func(cfg map[string]string), outputs map[string]map[string]any, extra func(ctx *pulumi.Context, e *stacks.Estate) error) *plan.Document {
	t.Helper()
	s, err := stackfile.Load("../../examples/centralized/Pulumi.prod.yaml")
	require.NoError(t, err)
	edit(s.Config)
	doc, err := plan.Make(plan.Input{Project: s.Project, Stack: s.Name, Config: s.Config, StackOutputs: outputs, Program: func(ctx *pulumi.Context) error {
		e, err := stacks.Run(ctx, stacks.Options{})
		if err != nil {
			return err
		}
		return extra(ctx, e)
	}})
	require.NoError(t, err)
	return doc
}

func nothing(*pulumi.Context, *stacks.Estate) error { return nil }

// in returns the provider option of a tenant's account.
func in(e *stacks.Estate, tenant string) pulumi.ResourceOption {
	return pulumi.Provider(e.Tenants[tenant].Account.Provider)
}

func trustOf(principal *iampolicy.Principal, conditions iampolicy.Conditions) pulumi.StringInput {
	text, err := iampolicy.New(iampolicy.Statement{Effect: iampolicy.Allow, Principal: principal, Action: iampolicy.Values{"sts:AssumeRole"}, Condition: conditions}).JSON()
	if err != nil {
		panic(err)
	}
	return pulumi.String(text)
}

// version replaces the Kubernetes version of the example's clusters.
func version(v string) []string { return []string{`"1.36"`, `"` + v + `"`} }

// exampleOwn reports whether a finding is one the example has of its own:
// its reports tenant runs on Fargate, where its default network policy is
// not enforced, its node groups need more vCPUs than a new account has,
// and its organization stack cannot be read offline.
func exampleOwn(f plan.Finding) bool {
	return (f.Rule == "network-policy-on-fargate" && f.Name == "reports-netpol") || f.Rule == "quota" || f.Rule == "guardrail-coverage"
}

// TestTheExampleHasOnlyItsOwnWarnings: the example's reports tenant runs
// on Fargate, where its default network policy is not enforced, its two
// clusters' node groups need more Standard vCPUs than a new account has,
// and the organization stack it names cannot be read offline, which the
// plan says; nothing else is found.
func TestTheExampleHasOnlyItsOwnWarnings(t *testing.T) {
	findings := check.Run(planOf(t, nil, nothing), today)
	require.Len(t, findings, 4)
	assert.Equal(t, "guardrail-coverage", findings[3].Rule, "and the organization stack it names, which the plan cannot read")
	for _, f := range findings {
		assert.Equal(t, check.Warning, f.Severity)
	}
	f := findings[0]
	assert.Equal(t, "network-policy-on-fargate", f.Rule)
	assert.Equal(t, "reports-netpol", f.Name)
	assert.Equal(t, "111122223333", f.Account)
	assert.Equal(t, "network policy tenant-default of namespace reports is not enforced for its pods on Fargate in cluster prod: the VPC CNI enforces network policies only on nodes", f.Message)
	for i, want := range []struct{ account, name, message string }{
		{"111122223333", "aws-111122223333-us-east-1", "against a new account's quotas (as of 2026-12-01): account 111122223333 (prod), us-east-1: Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances (ec2 L-1216C47A) is 5 vCPUs; this stack needs 12 (node group general of cluster prod: 6 × 2 vCPUs); request an increase: aws service-quotas request-service-quota-increase --region us-east-1 --service-code ec2 --quota-code L-1216C47A --desired-value 12"},
		{"222233334444", "aws-222233334444-us-east-1", "against a new account's quotas (as of 2026-12-01): account 222233334444 (prod-b), us-east-1: Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances (ec2 L-1216C47A) is 5 vCPUs; this stack needs 20 (node group general of cluster prod-b: 10 × 2 vCPUs); request an increase: aws service-quotas request-service-quota-increase --region us-east-1 --service-code ec2 --quota-code L-1216C47A --desired-value 20"},
	} {
		f := findings[i+1]
		assert.Equal(t, "quota", f.Rule)
		assert.Equal(t, want.account, f.Account)
		assert.Equal(t, want.name, f.Name, "the finding is on the account's provider")
		assert.Equal(t, want.message, f.Message)
	}
}

// TestGuardrailCoverage: a stack that names no organization stack is
// warned that nothing holds its accounts to the guardrails; one that names
// it is warned that the plan could not read it offline, unless it is given
// the organization stack's outputs, when the stacks' own check runs and
// nothing is left to warn about.
func TestGuardrailCoverage(t *testing.T) {
	const key, org = "eks-multi-account:organizationStack", "organization/eks-multi-account-organization/org"
	coverage := func(doc *plan.Document) []plan.Finding {
		var out []plan.Finding
		for _, f := range check.Run(doc, today) {
			if f.Rule == "guardrail-coverage" {
				out = append(out, f)
			}
		}
		return out
	}
	const accounts = "111122223333, 222233334444, 444455556666, 555566667777, 666677778888, 777788889999"

	unnamed := coverage(planExample(t, func(cfg map[string]string) { delete(cfg, key) }, nil, nothing))
	require.Len(t, unnamed, 1)
	assert.Equal(t, check.Warning, unnamed[0].Severity)
	assert.Equal(t, "urn:pulumi:prod::eks-multi-account-centralized::pulumi:pulumi:Stack::eks-multi-account-centralized-prod", unnamed[0].Resource, "the finding is on the stack")
	assert.Equal(t, "coverage unchecked: nothing holds accounts "+accounts+" to the organization's guardrails; name the organization stack (eks-multi-account:organizationStack) and pulumi preview refuses an account its guardrails do not bind", unnamed[0].Message)

	offline := planExample(t, func(map[string]string) {}, nil, nothing)
	assert.True(t, offline.CoverageUnread)
	unread := coverage(offline)
	require.Len(t, unread, 1)
	assert.Equal(t, "unchecked offline: whether organization stack "+org+"'s guardrails bind accounts "+accounts+"; pulumi preview reads its guardedAccounts output and refuses any account outside them", unread[0].Message)

	guarded := map[string]any{"guardedAccounts": []any{"111122223333", "222233334444", "444455556666", "555566667777", "666677778888", "777788889999"}, "targetIds": []any{"r-ab12"}}
	read := planExample(t, func(map[string]string) {}, map[string]map[string]any{org: {stacks.OrganizationOutput: guarded}}, nothing)
	assert.False(t, read.CoverageUnread)
	assert.Empty(t, coverage(read), "the stacks checked the coverage themselves")

	guarded["guardedAccounts"] = []any{"111122223333"}
	_, err := plan.Make(plan.Input{Project: "eks-multi-account-centralized", Stack: "prod", Config: exampleConfig(t),
		StackOutputs: map[string]map[string]any{org: {stacks.OrganizationOutput: guarded}}, Program: stacks.Program(stacks.Options{})})
	var uncovered *stacks.CoverageError
	require.ErrorAs(t, err, &uncovered, "an account outside the guardrails fails the plan as it fails the preview")
	assert.Len(t, uncovered.Uncovered, 5)
}

// exampleConfig is the configuration of the centralized example's prod
// stack file.
func exampleConfig(t *testing.T) map[string]string {
	t.Helper()
	s, err := stackfile.Load("../../examples/centralized/Pulumi.prod.yaml")
	require.NoError(t, err)
	return s.Config
}

// A version the calendar holds but EKS has not released on the day is an
// error: CreateCluster would refuse it.
func TestAVersionNotYetOnEKSIsAnError(t *testing.T) {
	var found []plan.Finding
	for _, f := range check.Run(planOf(t, nil, nothing), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) {
		if f.Rule == "kubernetes-version" {
			found = append(found, f)
		}
	}
	require.Len(t, found, 2, "one per cluster")
	for i, cluster := range []string{"prod-b", "prod"} {
		assert.Equal(t, check.Error, found[i].Severity)
		assert.Equal(t, "Kubernetes 1.36 of cluster "+cluster+" is not available on EKS before 2026-06-02", found[i].Message)
	}
}

// The organization stack's prerequisites cannot be read offline: the plan
// says they are unchecked, once, naming every target.
func TestTheOrganizationsPrerequisitesAreUncheckedOffline(t *testing.T) {
	s, err := stackfile.Load("../../examples/organization/Pulumi.org.yaml")
	require.NoError(t, err)
	doc, err := plan.Make(plan.Input{Project: s.Project, Stack: s.Name, Config: s.Config, Program: stacks.Program(stacks.Options{})})
	require.NoError(t, err)
	findings := check.Run(doc, today)
	require.Len(t, findings, 1)
	f := findings[0]
	assert.Equal(t, check.Warning, f.Severity)
	assert.Equal(t, "organization-prerequisites", f.Rule)
	assert.Equal(t, "000011112222", f.Account)
	assert.Equal(t, "unchecked offline: whether the organization's root has service and resource control policies enabled, and whether each of ou-ab12-cdef3456, ou-ab12-fedc6543 holds fewer than 5 policies of each type; pulumi preview checks both before it creates anything", f.Message)
}

func TestEveryRule(t *testing.T) {
	cases := map[string]struct {
		defaults []string
		extra    func(*pulumi.Context, *stacks.Estate) error
		severity string
		name     string // the resource the finding names; "" for per-account rules, which name one of the account's

		account string
		message string
	}{
		"trust-policy-size": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			values := iampolicy.Values{}
			for i := 0; i < 60; i++ {
				values = append(values, fmt.Sprintf("system:serviceaccount:payroll:service-account-%03d", i))
			}
			_, err := iam.NewRole(ctx, "big-trust", &iam.RoleArgs{Name: pulumi.String("big-trust"), AssumeRolePolicy: trustOf(
				&iampolicy.Principal{AWS: iampolicy.Values{"arn:aws:iam::111122223333:role/x"}}, iampolicy.Conditions{"StringEquals": {"aws:PrincipalTag/x": values}})}, in(e, "payroll"))
			return err
		}, check.Error, "big-trust", "444455556666", "role big-trust: its trust policy is 3"},
		"oidc-providers-per-account": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			for i := 0; i < check.MaxOIDCProvidersPerAccount; i++ {
				if _, err := iam.NewOpenIdConnectProvider(ctx, fmt.Sprintf("idp-%03d", i), &iam.OpenIdConnectProviderArgs{
					Url: pulumi.Sprintf("https://idp-%d.example.com", i), ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
				}, in(e, "reports")); err != nil {
					return err
				}
			}
			return nil
		}, check.Error, "", "555566667777", "account 555566667777 would have 101 IAM OIDC providers, over IAM's quota of 100"},
		"roles-per-account": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			for i := 0; i < check.MaxRolesPerAccount; i++ {
				if _, err := iam.NewRole(ctx, fmt.Sprintf("role-%04d", i), &iam.RoleArgs{AssumeRolePolicy: trustOf(&iampolicy.Principal{Service: iampolicy.Values{"ec2.amazonaws.com"}}, nil)}, in(e, "billing")); err != nil {
					return err
				}
			}
			return nil
		}, check.Error, "", "666677778888", "account 666677778888 would have 1001 IAM roles, over IAM's default quota of 1000"},
		"chained-session-length": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			_, err := corev1.NewConfigMap(ctx, "long-session", &corev1.ConfigMapArgs{
				Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("long-session"), Namespace: pulumi.String("payroll")},
				Data:     pulumi.StringMap{"config": pulumi.String("[profile workload]\nsource_profile = eks-pod-identity\nrole_arn = arn:aws:iam::444455556666:role/x\nduration_seconds = 7200\n")},
			}, pulumi.Provider(e.Clusters["prod"].KubernetesProvider))
			return err
		}, check.Error, "long-session", "111122223333", "config map key config asks for a 7200-second chained session; role chaining gives at most 3600"},
		"wildcard-principal": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			_, err := iam.NewRole(ctx, "open", &iam.RoleArgs{Name: pulumi.String("open"), AssumeRolePolicy: trustOf(&iampolicy.Principal{AWS: iampolicy.Values{"*"}}, nil)}, in(e, "payroll"))
			return err
		}, check.Error, "open", "444455556666", "open allows the principal * in assumeRolePolicy"},
		"chaining-role-permissions": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			text, err := iampolicy.New(iampolicy.Statement{Effect: iampolicy.Allow, Action: iampolicy.Values{"s3:GetObject"}, Resource: iampolicy.Values{"*"}}).JSON()
			if err != nil {
				return err
			}
			_, err = iam.NewRolePolicy(ctx, "too-much", &iam.RolePolicyArgs{Role: pulumi.String("prod-pod-identity-chain"), Policy: pulumi.String(text)},
				pulumi.Provider(e.Clusters["prod"].Ref().Account.Provider))
			return err
		}, check.Error, "too-much", "111122223333", "chaining role prod-pod-identity-chain is allowed s3:GetObject; it may only have sts:AssumeRole and sts:TagSession"},
		"pod-identity-on-fargate": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			_, err := eks.NewPodIdentityAssociation(ctx, "on-fargate", &eks.PodIdentityAssociationArgs{
				ClusterName: pulumi.String("prod"), Namespace: pulumi.String("reports"), ServiceAccount: pulumi.String("reporter"),
				RoleArn: pulumi.String("arn:aws:iam::111122223333:role/x"),
			}, pulumi.Provider(e.Clusters["prod"].Ref().Account.Provider))
			return err
		}, check.Error, "on-fargate", "111122223333", "namespace reports of cluster prod runs on Fargate, where EKS Pod Identity does not work; use IRSA"},
		"ram-external-principals": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			_, err := ram.NewResourceShare(ctx, "leaky", &ram.ResourceShareArgs{Name: pulumi.String("leaky")}, in(e, "payroll"))
			return err
		}, check.Error, "leaky", "444455556666", "resource share leaky allows principals outside the organization"},
		"account-root-trust": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			_, err := iam.NewRole(ctx, "root-trust", &iam.RoleArgs{Name: pulumi.String("root-trust"), AssumeRolePolicy: trustOf(
				&iampolicy.Principal{AWS: iampolicy.Values{"arn:aws:iam::111122223333:root"}},
				iampolicy.Conditions{"StringEquals": {"aws:PrincipalTag/kubernetes-namespace": {"payroll"}}})}, in(e, "payroll"))
			return err
		}, check.Error, "root-trust", "444455556666", "role root-trust trusts the account root arn:aws:iam::111122223333:root instead of the source role"},
		"kubernetes-version": {version("1.30"), nothing, check.Error, "prod-eks", "111122223333", "Kubernetes 1.30 of cluster prod left EKS extended support on 2026-07-23: EKS upgrades such a cluster itself"},
		"kubernetes-version extended": {version("1.33"), nothing, check.Warning, "prod-eks", "111122223333",
			"Kubernetes 1.33 of cluster prod left EKS standard support on 2026-07-29: until 2027-07-29 extended support bills $0.60 per cluster hour instead of $0.10 (about $365 more a month); upgrade to 1.36"},
		"kubernetes-version unknown": {version("1.99"), nothing, check.Warning, "prod-eks", "111122223333", "Kubernetes 1.99 of cluster prod is not on the EKS version calendar this library holds (read 2026-12-03)"},
		"endpoint-open-to-the-internet": {[]string{"203.0.113.0/24", "0.0.0.0/0"}, nothing, check.Warning, "prod-eks", "111122223333",
			"the public API endpoint of cluster prod is open to 0.0.0.0/0; name the blocks the deploying machines reach it from"},
		"routing-overlap": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			in := pulumi.Provider(e.Clusters["prod"].Ref().Account.Provider)
			tgw, err := ec2transitgateway.NewTransitGateway(ctx, "tgw", &ec2transitgateway.TransitGatewayArgs{}, in)
			if err != nil {
				return err
			}
			table, err := ec2transitgateway.NewRouteTable(ctx, "dev-rt", &ec2transitgateway.RouteTableArgs{TransitGatewayId: tgw.ID()}, in)
			if err != nil {
				return err
			}
			for _, v := range []struct{ name, block string }{{"a", "10.60.0.0/16"}, {"b", "10.60.128.0/20"}} {
				name := v.name
				vpc, err := ec2.NewVpc(ctx, name, &ec2.VpcArgs{CidrBlock: pulumi.String(v.block)}, in)
				if err != nil {
					return err
				}
				a, err := ec2transitgateway.NewVpcAttachment(ctx, name+"-tgw", &ec2transitgateway.VpcAttachmentArgs{
					VpcId: vpc.ID(), TransitGatewayId: tgw.ID(), SubnetIds: pulumi.StringArray{}}, in)
				if err != nil {
					return err
				}
				if _, err := ec2transitgateway.NewRouteTablePropagation(ctx, name+"-into-dev", &ec2transitgateway.RouteTablePropagationArgs{
					TransitGatewayRouteTableId: table.ID(), TransitGatewayAttachmentId: a.ID()}, in); err != nil {
					return err
				}
			}
			return nil
		}, check.Warning, "dev-rt", "111122223333", "VPCs a (10.60.0.0/16) and b (10.60.128.0/20) propagate overlapping blocks into route table dev-rt"},
		"routes-per-route-table": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			in := pulumi.Provider(e.Clusters["prod"].Ref().Account.Provider)
			for i := range check.MaxRoutesPerRouteTable {
				if _, err := ec2.NewRoute(ctx, fmt.Sprintf("to-%02d", i), &ec2.RouteArgs{RouteTableId: e.Clusters["prod"].PrivateRouteTableIDs.Index(pulumi.Int(0)),
					DestinationCidrBlock: pulumi.Sprintf("10.%d.0.0/16", 100+i), TransitGatewayId: pulumi.String("tgw-0123456789abcdef0")}, in); err != nil {
					return err
				}
			}
			return nil
		}, check.Warning, "prod-private-routes-0", "111122223333", "route table prod-private-routes-0 would hold 51 routes; a VPC route table holds 50 by default"},
		"unrouted-vpc": {nil, func(ctx *pulumi.Context, e *stacks.Estate) error {
			account := e.Clusters["prod"].Ref().Account
			west, err := aws.NewProvider(ctx, "west", &aws.ProviderArgs{Region: pulumi.String("us-west-2"), AllowedAccountIds: pulumi.StringArray{pulumi.String(account.ID)}})
			if err != nil {
				return err
			}
			if _, err := ec2transitgateway.NewTransitGateway(ctx, "tgw", &ec2transitgateway.TransitGatewayArgs{}, pulumi.Provider(west)); err != nil {
				return err
			}
			return nil
		}, check.Warning, "prod-vpc", "111122223333", "VPC prod-vpc in us-east-1 reaches no other VPC: the plan's transit gateways are in us-west-2"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			findings := check.Run(planOf(t, c.defaults, c.extra), today)
			require.NotEmpty(t, findings)
			rule := strings.Fields(name)[0]
			var matched []plan.Finding
			for _, f := range findings {
				if exampleOwn(f) {
					continue
				}
				assert.Equal(t, rule, f.Rule, "only the rule under test trips: %s", f.Message)
				if f.Name == c.name || c.name == "" {
					matched = append(matched, f)
				}
			}
			require.Len(t, matched, 1, "%v", findings)
			f := matched[0]
			assert.Equal(t, c.severity, f.Severity)
			assert.Equal(t, c.account, f.Account, "the finding names the account")
			assert.NotEmpty(t, f.Resource, "the finding names the resource")
			assert.Contains(t, f.Message, c.message)
		})
	}
}
