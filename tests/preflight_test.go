package tests

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks/preflight"
)

// aiml is a de-centralized stack of one ai-ml cluster: a system node group
// (Standard instances) and GPU nodes (G and VT instances).
const aiml = `
config:
  eks-multi-account:model: decentralized
  eks-multi-account:defaults: {region: us-west-2, endpointAccess: {publicCidrs: [203.0.113.0/24]}}
  eks-multi-account:organization: {managementAccountId: "000011112222"}
  eks-multi-account:workloadAccounts:
    - {name: vision, accountId: "313131313131", blueprint: ai-ml, vpcCidr: 10.20.0.0/16}
`

// runWithQuotas runs a stack file's text with the established quotas, and
// these codes set.
func runWithQuotas(t *testing.T, text string, quotas map[string]float64, preview bool) ([]mockengine.Resource, error) {
	t.Helper()
	cfg, err := stackfile.ParseConfig([]byte(text))
	require.NoError(t, err)
	e := mockengine.New("eks-multi-account", "preflight")
	if preview {
		t.Setenv("PULUMI_DRY_RUN", "true")
		e = mockengine.NewPreview("eks-multi-account", "preflight")
	}
	testkit.Established(e)
	for code, v := range quotas {
		e.SetQuota(code, v)
	}
	err = e.Run(stacksProgram, cfg)
	return e.Resources(), err
}

// onlyProviders holds that nothing but providers was registered.
func onlyProviders(t *testing.T, resources []mockengine.Resource) {
	t.Helper()
	for _, r := range resources {
		assert.True(t, r.IsProvider() || r.Type == "pulumi:pulumi:Stack", "%s %s was registered before the preflight failed", r.Type, r.Name)
	}
}

func TestAGPUClusterWithoutGPUQuotaFailsBeforeAnythingIsCreated(t *testing.T) {
	for _, preview := range []bool{false, true} {
		resources, err := runWithQuotas(t, aiml, map[string]float64{"L-DB2E81BA": 0}, preview)
		var short *preflight.Error
		require.True(t, errors.As(err, &short), "preview %v: %v", preview, err)
		require.Len(t, short.Shortfalls, 1)
		assert.Equal(t, "account 313131313131 (vision), us-west-2: Running On-Demand G and VT instances (ec2 L-DB2E81BA) is 0 vCPUs; this stack needs 64 (node group gpu of cluster vision: 8 × 8 vCPUs); request an increase: aws service-quotas request-service-quota-increase --region us-west-2 --service-code ec2 --quota-code L-DB2E81BA --desired-value 64",
			short.Shortfalls[0].String())
		assert.Contains(t, err.Error(), "(defaults.preflight: false skips these checks)")
		onlyProviders(t, resources)
	}
	_, err := runWithQuotas(t, aiml, map[string]float64{"L-DB2E81BA": 64}, false)
	require.NoError(t, err, "with the quota raised to what the stack needs, it deploys")
	_, err = runWithQuotas(t, strings.Replace(aiml, "region: us-west-2,", "region: us-west-2, preflight: false,", 1), map[string]float64{"L-DB2E81BA": 0}, false)
	require.NoError(t, err, "defaults.preflight: false skips the preflight")
}

func TestEveryQuotaShortIsReportedOnce(t *testing.T) {
	batch := strings.Replace(aiml, "blueprint: ai-ml", "blueprint: batch", 1)
	_, err := runWithQuotas(t, batch, map[string]float64{
		"L-34B43A08": 100, // spot: the batch group needs 50 × 8
		"L-1216C47A": 4,   // on demand: the system group needs 4 × 2
		"L-6D54EA21": 1,   // node groups per cluster: two
		"L-F678F1CE": 0,   // VPCs per region: one
		"L-FE5A380F": 0,   // NAT gateways per zone: one
		"L-0263D0A3": 2,   // Elastic IPs: one per NAT gateway, three
		"L-1194D53C": 0,   // clusters: one
	}, false)
	var short *preflight.Error
	require.True(t, errors.As(err, &short), "%v", err)
	var got []string
	for _, s := range short.Shortfalls {
		got = append(got, fmt.Sprintf("%s %g<%g %s", s.Quota.Code, s.Value, s.Need, s.Because))
	}
	assert.Equal(t, []string{
		"L-6D54EA21 1<2 cluster vision",
		"L-1194D53C 0<1 cluster vision",
		"L-1216C47A 4<8 node group system of cluster vision: 4 × 2 vCPUs",
		"L-34B43A08 100<400 node group batch of cluster vision: 50 × 8 vCPUs",
		"L-F678F1CE 0<1 a VPC",
		"L-0263D0A3 2<3 3 NAT gateway address(es)",
		"L-FE5A380F 0<1 NAT gateways of the stack's VPCs in one zone",
	}, got)
}

// orgMock answers the Organizations lookups as an organization whose root
// has the policy types enabled, and one of whose OUs, ou-ab12-fedc6543,
// holds the service control policies named, beside FullAWSAccess; the
// engine answers the rest.
type orgMock struct {
	*mockengine.Engine
	enabled []string
	held    []string
}

func (m orgMock) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:organizations/getOrganization:getOrganization":
		var types []any
		for _, t := range m.enabled {
			types = append(types, map[string]any{"type": t, "status": "ENABLED"})
		}
		return resource.NewPropertyMapFromMap(map[string]any{"id": "o-test", "roots": []any{map[string]any{"id": "r-ab12", "policyTypes": types}}}), nil
	case "aws:organizations/getPoliciesForTarget:getPoliciesForTarget":
		ids := []any{"p-FullAWSAccess"}
		if args.Args["targetId"].StringValue() == "ou-ab12-fedc6543" && args.Args["filter"].StringValue() == "SERVICE_CONTROL_POLICY" {
			for _, name := range m.held {
				ids = append(ids, "p-"+name)
			}
		}
		return resource.NewPropertyMapFromMap(map[string]any{"ids": ids}), nil
	case "aws:organizations/getPolicy:getPolicy":
		return resource.NewPropertyMapFromMap(map[string]any{"name": strings.TrimPrefix(args.Args["policyId"].StringValue(), "p-")}), nil
	}
	return m.Engine.Call(args)
}

func TestTheOrganizationsPrerequisitesAreReadNotAssumed(t *testing.T) {
	s, err := stackfile.Load("../examples/organization/Pulumi.org.yaml")
	require.NoError(t, err)
	run := func(m orgMock) error {
		return pulumi.RunErr(stacksProgram, pulumi.WithMocks(s.Project, s.Name, m), func(info *pulumi.RunInfo) { info.Config = s.Config })
	}
	landing := []string{"landing1", "landing2", "landing3", "landing4"}
	e := mockengine.New(s.Project, s.Name)
	err = run(orgMock{Engine: e, enabled: []string{"SERVICE_CONTROL_POLICY"}, held: landing})
	var short *preflight.Error
	require.True(t, errors.As(err, &short), "%v", err)
	assert.Equal(t, []string{
		"organization o-test: policy type RESOURCE_CONTROL_POLICY is not enabled on root r-ab12, so its policies cannot be attached; enable it from the management account: aws organizations enable-policy-type --root-id r-ab12 --policy-type RESOURCE_CONTROL_POLICY",
		"target ou-ab12-fedc6543 already holds 5 policies of type SERVICE_CONTROL_POLICY ([FullAWSAccess landing1 landing2 landing3 landing4]), the most Organizations allows on one target: eks-multi-account-tag-guard cannot be attached there; detach one, or attach the guardrails to another OU",
	}, short.Problems)
	onlyProviders(t, e.Resources())

	// Once both types are enabled, a target full with the guardrails
	// themselves (a second up) has room for them.
	both := []string{"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"}
	require.NoError(t, run(orgMock{Engine: mockengine.New(s.Project, s.Name), enabled: both, held: append(landing[:3], "eks-multi-account-tag-guard")}))
	// defaults.preflight: false reads nothing.
	s.Config["eks-multi-account:defaults"] = strings.Replace(s.Config["eks-multi-account:defaults"], "{", `{"preflight":false,`, 1)
	require.NoError(t, run(orgMock{Engine: mockengine.New(s.Project, s.Name), held: landing}))
}
