package tests

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/stacks"
)

const centralizedBase = `
config:
  eks-multi-account:model: centralized
  eks-multi-account:defaults:
    region: us-east-1
    tags: {cost-center: platform}
    endpointAccess: {publicCidrs: [203.0.113.0/24]}
  eks-multi-account:organization:
    managementAccountId: "000011112222"
  eks-multi-account:clusterAccounts:
    - name: prod
      accountId: "111122223333"
      vpcCidr: 10.0.0.0/16
      chainingRole: shared
      nodeGroups: [{name: general, instanceTypes: [m6i.large], minSize: 1, maxSize: 3, desiredSize: 2}]
      fargateProfiles: [{name: jobs, namespaces: [jobs]}]
    - name: staging
      accountId: "222233334444"
      vpcCidr: 10.1.0.0/16
      nodeGroups: [{name: general, instanceTypes: [m6i.large], minSize: 1, maxSize: 3, desiredSize: 2}]
  eks-multi-account:workloadAccounts:
    - name: payroll
      accountId: "444455556666"
      clusterAccount: prod
      identity: podIdentityChain
      shareSubnets: true
      serviceAccounts:
        - name: app
    - name: jobs
      accountId: "555566667777"
      clusterAccount: prod
      identity: irsa
      serviceAccounts:
        - name: runner
`

const decentralizedBase = `
config:
  eks-multi-account:model: decentralized
  eks-multi-account:defaults: {region: us-west-2, endpointAccess: {publicCidrs: [203.0.113.0/24]}}
  eks-multi-account:networkAccount: {name: network, accountId: "999988887777", vpcCidr: 10.10.0.0/16}
  eks-multi-account:workloadAccounts:
    - name: ml
      accountId: "313131313131"
      blueprint: ai-ml
      networking: shared
      serviceAccounts: [{name: trainer}]
      gitops:
        repositories:
          - {name: platform, url: "https://git.example.com/p.git", path: clusters/ml, team: platform}
    - name: web
      accountId: "535353535353"
      networking: dedicated
      vpcCidr: 10.30.0.0/16
`

const networkBase = `
config:
  eks-multi-account:model: network
  eks-multi-account:defaults: {region: us-west-2}
  eks-multi-account:networkAccount: {name: network, accountId: "999988887777", vpcCidr: 10.10.0.0/16}
  eks-multi-account:shareWith:
    - {accountId: "313131313131", cluster: ml}
    - {accountId: "535353535353", cluster: web}
`

const organizationBase0 = `
config:
  eks-multi-account:model: organization
  eks-multi-account:defaults: {region: us-east-1}
  eks-multi-account:organization:
    managementAccountId: "000011112222"
    managementRoleArn: arn:aws:iam::000011112222:role/PlatformOrgAdmin
    tagGuard: {targetIds: [ou-ab12-cdef3456], exemptPrincipalArns: ["arn:aws:iam::111122223333:role/PlatformAdmin"]}
`

// organizationBase is the organization stack file with the edits made.
func organizationBase(t *testing.T, pairs ...string) string {
	return edit(t, organizationBase0, pairs...)
}

// edit replaces each old text of base (which must be there) by its new text.
func edit(t *testing.T, base string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		require.Contains(t, base, pairs[i], "the edit must apply")
		base = strings.Replace(base, pairs[i], pairs[i+1], 1)
	}
	return base
}

func TestBaseConfigsAreValid(t *testing.T) {
	for _, base := range []string{centralizedBase, decentralizedBase, organizationBase0} {
		r, err := runYAML(t, base)
		require.NoError(t, err)
		assert.NotEmpty(t, r.resources)
	}
}

// TestConfigErrors covers every case of the error contract: each problem is
// reported with its key path and value, and nothing is registered.
func TestConfigErrors(t *testing.T) {
	long := strings.Repeat("a", 60)
	cases := map[string]struct {
		yaml string
		want []string
	}{
		"malformed account ID": {edit(t, centralizedBase, `accountId: "444455556666"`, `accountId: "44445555666"`),
			[]string{`workloadAccounts[0].accountId: "44445555666" is not a 12-digit AWS account ID`}},
		"duplicate account ID": {edit(t, centralizedBase, `accountId: "555566667777"`, `accountId: "444455556666"`),
			[]string{`workloadAccounts[1].accountId: "444455556666" is already used by workloadAccounts[0].accountId`}},
		"duplicate name": {edit(t, centralizedBase, `- name: jobs`, `- name: payroll`),
			[]string{`workloadAccounts[1].name: "payroll" is used by another workload account`}},
		"duplicate cluster account name": {edit(t, centralizedBase, `name: staging`, `name: prod`),
			[]string{`clusterAccounts[1].name: "prod" is used by another cluster account`}},
		"tenant on an unknown cluster account": {edit(t, centralizedBase, "clusterAccount: prod\n      identity: irsa", "clusterAccount: qa\n      identity: irsa"),
			[]string{`workloadAccounts[1].clusterAccount: "qa" is not the name of a configured cluster account`}},
		"two tenants with one namespace on one cluster": {edit(t, centralizedBase, "name: jobs\n", "name: jobs\n      namespace: payroll\n"),
			[]string{`workloadAccounts[1].namespace: "payroll" is already the namespace of workloadAccounts[0] on the same cluster`}},
		"name that is not DNS-1123": {edit(t, centralizedBase, "- name: app", "- name: App_1"),
			[]string{`workloadAccounts[0].serviceAccounts[0].name: "App_1" is not a valid Kubernetes service account name`}},
		"name that is not an IAM name": {edit(t, centralizedBase, "- name: app", "- name: app\n          roleName: payroll app"),
			[]string{`workloadAccounts[0].serviceAccounts[0].roleName: "payroll app" is not a valid IAM role name`}},
		"generated role name over 64": {edit(t, centralizedBase, "- name: app", "- name: "+long),
			[]string{`workloadAccounts[0].serviceAccounts[0].roleName (generated from cluster, namespace and service account): "prod-payroll-` + long + `" is 73 characters, over IAM's 64-character limit`}},
		"overlapping VPC CIDRs": {edit(t, centralizedBase, "vpcCidr: 10.1.0.0/16", "vpcCidr: 10.0.128.0/17"),
			[]string{`clusterAccounts[1].vpcCidr: "10.0.128.0/17" overlaps clusterAccounts[0].vpcCidr (10.0.0.0/16)`}},
		"identity the model cannot use": {edit(t, centralizedBase, "identity: podIdentityChain", "identity: podIdentity"),
			[]string{`workloadAccounts[0].identity: "podIdentity" gives roles in the cluster's own account 111122223333 only; the role's account is 444455556666 (want one of irsa, podIdentityChain)`}},
		"identity the nodes cannot use": {edit(t, centralizedBase, "identity: irsa", "identity: podIdentityChain"),
			[]string{`workloadAccounts[1].serviceAccounts[0].identity: "podIdentityChain" cannot be used in namespace "jobs": its pods run on Fargate, where EKS Pod Identity does not work; use irsa`}},
		"inline policy over the size limit": {edit(t, centralizedBase, "- name: app", `- name: app
          policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::`+strings.Repeat("b", 10300)+`/*"}]}'`),
			[]string{`workloadAccounts[0].serviceAccounts[0].policy: `, `is 10410 characters, over IAM's 10240-character limit for a role's inline policies`}},
		"invalid JSON in an inline policy": {edit(t, centralizedBase, "- name: app", "- name: app\n          policy: '{\"Version\":\"2012-10-17\",'"),
			[]string{`workloadAccounts[0].serviceAccounts[0].policy: "{\"Version\":\"2012-10-17\"," is not a valid policy document`}},
		"chained session over an hour": {edit(t, centralizedBase, "- name: app", "- name: app\n          sessionDurationSeconds: 7200"),
			[]string{`workloadAccounts[0].serviceAccounts[0].sessionDurationSeconds: 7200 is over 3600: role chaining limits a session to one hour`}},
		"cluster account is the management account": {edit(t, centralizedBase, `accountId: "111122223333"`, `accountId: "000011112222"`),
			[]string{`clusterAccounts[0].accountId: "000011112222" is the organization's management account`}},
		"workload account is the management account": {edit(t, centralizedBase, `accountId: "555566667777"`, `accountId: "000011112222"`),
			[]string{`workloadAccounts[1].accountId: "000011112222" is the organization's management account`}},
		"reserved default tag": {edit(t, centralizedBase, "tags: {cost-center: platform}", "tags: {cost-center: platform, eks-cluster-arn: x}"),
			[]string{`defaults.tags: "eks-cluster-arn" is a reserved tag key`}},
		"a Pod Security level Kubernetes has but a tenant may not take": {edit(t, centralizedBase, "shareSubnets: true", "shareSubnets: true\n      podSecurity: privileged"),
			[]string{`workloadAccounts[0].podSecurity: "privileged" is not one of [restricted baseline]`}},
		"a typo in a key": {edit(t, centralizedBase, "shareSubnets: true", "shareSubnet: true"),
			[]string{`workloadAccounts[0]: has an unknown key "shareSubnet"`}},
		"bad node group": {edit(t, centralizedBase, "minSize: 1, maxSize: 3, desiredSize: 2}]\n      fargate", "minSize: 1, maxSize: 3, desiredSize: 9}]\n      fargate"),
			[]string{`clusterAccounts[0].nodeGroups[0].desiredSize: 9 must be within minSize 1 and maxSize 3`}},
		"chart source for a chart never installed": {decentralizedBase + "  eks-multi-account:charts: {sources: {cert-manager: {path: /charts/cert-manager}}}\n",
			[]string{`charts.sources.cert-manager: is not a chart these stacks install (want one of flux2, nvidia-device-plugin)`}},
		"chart source with both a path and a mirror": {decentralizedBase + "  eks-multi-account:charts: {sources: {flux2: {path: /charts/flux2, repository: oci://mirror.example.com/charts}}}\n",
			[]string{`charts.sources.flux2: needs one of path (a chart directory or .tgz on the deploying machine) or repository (an oci:// or https:// mirror)`}},
		"chart mirror of another scheme": {decentralizedBase + "  eks-multi-account:charts: {sources: {flux2: {repository: http://mirror.example.com/charts}}}\n",
			[]string{`charts.sources.flux2.repository: "http://mirror.example.com/charts" is not an oci:// registry or an https:// chart repository`}},
		"charts in the centralized model": {centralizedBase + "  eks-multi-account:charts: {skipAwait: true}\n",
			[]string{`charts: is for the de-centralized model, whose clusters get charts; this model installs none`}},
		"unknown blueprint": {edit(t, decentralizedBase, "blueprint: ai-ml", "blueprint: quantum"),
			[]string{`workloadAccounts[0].blueprint: "quantum" is not a known blueprint (want one of ai-ml, batch, general-purpose)`}},
		"shared networking in another region": {edit(t, decentralizedBase, "networking: shared", "networking: shared\n      region: eu-west-1"),
			[]string{`workloadAccounts[0].region: "eu-west-1" is not the network account's region us-west-2: RAM shares subnets within one region`}},
		"centralized key in the de-centralized model": {edit(t, decentralizedBase, "networking: dedicated", "networking: dedicated\n      clusterAccount: prod"),
			[]string{`workloadAccounts[1].clusterAccount: "prod" is a centralized key`}},
		"de-centralized keys on a centralized tenant": {edit(t, centralizedBase, "shareSubnets: true\n", "shareSubnets: true\n      blueprint: ai-ml\n      vpcCidr: 10.9.0.0/16\n"),
			[]string{`workloadAccounts[0].blueprint: is a de-centralized key; a centralized tenant runs on its cluster account's cluster`,
				`workloadAccounts[0].vpcCidr: is a de-centralized key`}},
		"routing domains, one of them bad": {edit(t, decentralizedBase, `vpcCidr: 10.10.0.0/16}`, `vpcCidr: 10.10.0.0/16, routingDomains: [dev, hub, dev, Prod]}`),
			[]string{`networkAccount.routingDomains[1]: "hub" is the name of the hub's own route table (the network VPC's)`, `networkAccount.routingDomains[2]: "dev" is listed twice`,
				`networkAccount.routingDomains[3]: "Prod" is not a DNS label`, `workloadAccounts[1].routingDomain: is required: the network account has routing domains dev, hub, dev, Prod`}},
		"a routing domain the network account does not have": {edit(t, decentralizedBase, `vpcCidr: 10.10.0.0/16}`, `vpcCidr: 10.10.0.0/16, routingDomains: [dev, prod]}`,
			"vpcCidr: 10.30.0.0/16", "vpcCidr: 10.30.0.0/16\n      routingDomain: staging"),
			[]string{`workloadAccounts[1].routingDomain: "staging" is not one of networkAccount.routingDomains (dev, prod)`}},
		"flat routing with several domains": {edit(t, decentralizedBase, `vpcCidr: 10.10.0.0/16}`, `vpcCidr: 10.10.0.0/16, routingDomains: [dev, prod]}`+"\n  eks-multi-account:routing: flat",
			"vpcCidr: 10.30.0.0/16", "vpcCidr: 10.30.0.0/16\n      routingDomain: dev"),
			[]string{`networkAccount.routingDomains: [dev prod] is for routing: domains; flat routing has one route table for every VPC`}},
		"a routing mode of another name": {decentralizedBase + "  eks-multi-account:routing: mesh\n",
			[]string{`routing: "mesh" is not "domains" or "flat"`}},
		"routing keys on an account the gateway cannot attach": {edit(t, decentralizedBase, "networking: shared\n", "networking: shared\n      routingDomain: default\n",
			"vpcCidr: 10.30.0.0/16", "vpcCidr: 10.30.0.0/16\n      region: us-east-1\n      routeTo: [10.10.0.0/16]"),
			[]string{`workloadAccounts[0].routingDomain: is for a dedicated VPC in the network account's region (de-centralized model), which attaches to its transit gateway`,
				`workloadAccounts[1].routeTo: is for a dedicated VPC in the network account's region`}},
		"a destination inside the VPC's own block": {edit(t, decentralizedBase, "vpcCidr: 10.30.0.0/16", "vpcCidr: 10.30.0.0/16\n      routeTo: [10.30.16.0/20, 10.10.0.1/16]"),
			[]string{`workloadAccounts[1].routeTo[0]: "10.30.16.0/20" is within the VPC's own block 10.30.0.0/16, which its local route serves`,
				`workloadAccounts[1].routeTo[1]: "10.10.0.1/16" is not an IPv4 CIDR block such as 10.10.0.0/16`}},
		"routing in the centralized model": {centralizedBase + "  eks-multi-account:routing: flat\n",
			[]string{`routing: "flat" is for the de-centralized and network models, whose network account owns a transit gateway`}},
		"routeWith outside the network model": {decentralizedBase + "  eks-multi-account:routeWith: [{accountId: \"535353535353\", cluster: web}]\n",
			[]string{`routeWith: is for the network model; a de-centralized stack attaches its own dedicated VPCs`}},
		"dedicated networking without a VPC": {edit(t, decentralizedBase, "vpcCidr: 10.30.0.0/16", "availabilityZones: 2"),
			[]string{`workloadAccounts[1].vpcCidr: is required for dedicated networking`}},
		"a cluster with no endpointAccess choice": {edit(t, centralizedBase, "    endpointAccess: {publicCidrs: [203.0.113.0/24]}\n", ""),
			[]string{`clusterAccounts[0].endpointAccess: is required, here or in defaults.endpointAccess: publicCidrs`, `clusterAccounts[1].endpointAccess: is required`}},
		"endpointAccess both public and private": {edit(t, centralizedBase, "endpointAccess: {publicCidrs: [203.0.113.0/24]}", "endpointAccess: {publicCidrs: [203.0.113.0/24], privateOnly: true}"),
			[]string{`defaults.endpointAccess.privateOnly: true and publicCidrs are mutually exclusive`}},
		"endpointAccess with a bad block on a cluster": {edit(t, centralizedBase, "chainingRole: shared", "chainingRole: shared\n      endpointAccess: {publicCidrs: [203.0.113.9/24]}"),
			[]string{`clusterAccounts[0].endpointAccess.publicCidrs[0]: "203.0.113.9/24" has host bits set`}},
		"a vended cluster with an empty endpointAccess": {edit(t, decentralizedBase, "networking: dedicated", "networking: dedicated\n      endpointAccess: {}"),
			[]string{`workloadAccounts[1].endpointAccess: needs publicCidrs`}},
		"organization-wide keys outside the organization stack": {edit(t, centralizedBase, `managementAccountId: "000011112222"`,
			`managementAccountId: "000011112222"`+"\n    managementRoleArn: arn:aws:iam::000011112222:role/PlatformOrgAdmin\n    tagGuard: {targetIds: [ou-ab12-cdef3456]}"),
			[]string{`organization.managementRoleArn: "arn:aws:iam::000011112222:role/PlatformOrgAdmin" is organization-wide: it belongs in the organization stack (model: organization)`,
				`organization.tagGuard: is organization-wide: it belongs in the organization stack (model: organization)`}},
		"clusters in the organization stack": {edit(t, centralizedBase, "model: centralized", "model: organization",
			`managementAccountId: "000011112222"`, `managementAccountId: "000011112222"`+"\n    managementRoleArn: arn:aws:iam::000011112222:role/PlatformOrgAdmin"),
			[]string{`clusterAccounts: is for the centralized and de-centralized models; the organization stack holds only what is organization-wide`,
				`workloadAccounts: is for the centralized and de-centralized models`}},
		"an organization stack without its management role": {organizationBase(t, `managementRoleArn: arn:aws:iam::000011112222:role/PlatformOrgAdmin`, ""),
			[]string{`organization.managementRoleArn: is required: the role assumed in the management account`}},
		"a guardrail target that is the management account": {organizationBase(t, "targetIds: [ou-ab12-cdef3456]", `targetIds: [ou-ab12-cdef3456, "000011112222"]`),
			[]string{`organization.tagGuard.targetIds[1]: "000011112222" is the management account, which SCPs and RCPs never bind`}},
		"a tenant admin the cluster already has": {edit(t, centralizedBase, "shareSubnets: true\n", "shareSubnets: true\n      admins: [\"arn:aws:iam::111122223333:role/OrganizationAccountAccessRole\"]\n"),
			[]string{`workloadAccounts[0].admins[0]: "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole" already has an access entry on the cluster, as the deploy role, which pulumi-eks gives one as the cluster creator; EKS allows one per IAM principal`}},
		"one admin for two tenants of a cluster": {edit(t, centralizedBase,
			"shareSubnets: true\n", "shareSubnets: true\n      admins: [\"arn:aws:iam::999999999999:role/Ops\"]\n",
			"identity: irsa\n", "identity: irsa\n      admins: [\"arn:aws:iam::999999999999:role/ops\"]\n"),
			[]string{`workloadAccounts[1].admins[0]: "arn:aws:iam::999999999999:role/ops" already has an access entry on the cluster, as workloadAccounts[0].admins[0]`}},
		"the deploy role as a cluster admin": {edit(t, centralizedBase, "chainingRole: shared", "chainingRole: shared\n      admins: [\"arn:aws:iam::111122223333:role/OrganizationAccountAccessRole\"]"),
			[]string{`clusterAccounts[0].admins[0]: "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole" already has an access entry on the cluster, as the deploy role`}},
		"the deploy role as a vended cluster's admin": {edit(t, decentralizedBase, "vpcCidr: 10.30.0.0/16", "vpcCidr: 10.30.0.0/16\n      admins: [\"arn:aws:iam::535353535353:role/OrganizationAccountAccessRole\"]"),
			[]string{`workloadAccounts[1].admins[0]: "arn:aws:iam::535353535353:role/OrganizationAccountAccessRole" already has an access entry on the cluster, as the deploy role`}},
		"an egress rule with a bad block and port": {edit(t, centralizedBase, "shareSubnets: true\n", "shareSubnets: true\n      egress: [{cidrs: [10.0.0.0/33], ports: [{port: 70000, protocol: ICMP}]}]\n"),
			[]string{`workloadAccounts[0].egress[0].cidrs[0]: "10.0.0.0/33" is not a CIDR block`, `workloadAccounts[0].egress[0].ports[0].port: 70000 is outside 1..65535`,
				`workloadAccounts[0].egress[0].ports[0].protocol: "ICMP" is not one of [TCP UDP SCTP]`}},
		"a network stack without a network account": {edit(t, networkBase, "  eks-multi-account:networkAccount: {name: network, accountId: \"999988887777\", vpcCidr: 10.10.0.0/16}\n", ""),
			[]string{`networkAccount: is required by the network model`}},
		"tenants in the network stack": {networkBase + "  eks-multi-account:workloadAccounts: [{name: ml, accountId: \"313131313131\"}]\n",
			[]string{`workloadAccounts: is for the centralized and de-centralized models; the network stack holds only the network account's VPC and its share`}},
		"a network share with the network account and a cluster twice": {edit(t, networkBase, `accountId: "535353535353"`, `accountId: "999988887777"`, "cluster: web", "cluster: ml"),
			[]string{`shareWith[1].accountId: "999988887777" is already used by networkAccount.accountId`, `shareWith[1].cluster: "ml" is used by another shared account's cluster`}},
		"shareWith outside the network stack": {decentralizedBase + "  eks-multi-account:shareWith: [{accountId: \"313131313131\", cluster: ml}]\n",
			[]string{`shareWith: is for the network model`}},
		"a network stack reference outside the de-centralized model": {centralizedBase + "  eks-multi-account:networkStack: acme/vending/network\n",
			[]string{`networkStack: "acme/vending/network" is for the de-centralized model`}},
		"a malformed network stack reference": {decentralizedBase + "  eks-multi-account:networkStack: \"acme/vending/network/extra\"\n",
			[]string{`networkStack: "acme/vending/network/extra" is not a stack name such as organization/project/network`}},
		"an organization stack reference in the organization stack": {organizationBase(t) + "  eks-multi-account:organizationStack: organization/eks-multi-account-organization/org\n",
			[]string{`organizationStack: "organization/eks-multi-account-organization/org" is for the stacks the organization stack's guardrails bind, not for the organization stack itself`}},
		"a malformed organization stack reference": {centralizedBase + "  eks-multi-account:organizationStack: \"acme/org stack\"\n",
			[]string{`organizationStack: "acme/org stack" is not a stack name such as organization/project/org`}},
		"a node group override the blueprint's group cannot take": {edit(t, decentralizedBase, "networking: shared\n", "networking: shared\n      nodeGroups: [{name: extra, instanceTypes: [m6i.large], maxSize: 2, desiredSize: 1}, {name: gpu, desiredSize: 99}]\n"),
			[]string{`workloadAccounts[0].nodeGroups[1].desiredSize: 99 must be within minSize 0 and maxSize`}},
		"a vended cluster's name too long for its node role": {edit(t, decentralizedBase, "- name: web", "- name: "+strings.Repeat("w", 60)),
			[]string{`workloadAccounts[1].name: "` + strings.Repeat("w", 60) + `" gives the role name "` + strings.Repeat("w", 60) + `-node", which is 65 characters, over IAM's 64-character limit`}},
		"repository escaping its path": {edit(t, decentralizedBase, "path: clusters/ml", "path: ../other-team"),
			[]string{`workloadAccounts[0].gitops.repositories[0].path: "../other-team" is not a relative path inside the repository`}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := runYAML(t, c.yaml)
			require.Error(t, err)
			var cfgErr *stacks.ConfigError
			if !strings.Contains(name, "typo") {
				require.True(t, errors.As(err, &cfgErr), "a configuration error, not %v", err)
			}
			for _, want := range c.want {
				assert.Contains(t, err.Error(), want)
			}
			assertNoProblemTwice(t, err)
			assert.Empty(t, r.resources, "nothing is registered")
		})
	}
}

// TestAClusterNameIsCheckedForTheRolesItGets: a vended cluster has no
// shared chaining role, so a name too long for one (though not for its
// node role) is accepted; on a cluster account with a shared chaining
// role it is refused.
func TestAClusterNameIsCheckedForTheRolesItGets(t *testing.T) {
	name := strings.Repeat("w", 50)
	_, err := runYAML(t, edit(t, decentralizedBase, "- name: web", "- name: "+name))
	require.NoError(t, err)
	_, err = runYAML(t, edit(t, centralizedBase, "- name: prod", "- name: prod\n      clusterName: "+name))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `clusterAccounts[0].clusterName: "`+name+`" gives the role name "`+name+`-pod-identity-chain", which is 69 characters`)
}

// problemLine matches a line that reports a problem at a key path.
var problemLine = regexp.MustCompile(`^[a-zA-Z][\w.\[\]]*( \(generated[^)]*\))?: `)

// assertNoProblemTwice checks that no key path is reported twice with the
// same value: the configuration's checks and the components' check some
// values both, and one report is enough.
func assertNoProblemTwice(t *testing.T, err error) {
	t.Helper()
	seen := map[string]bool{}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !problemLine.MatchString(line) {
			continue
		}
		key, _, _ := strings.Cut(line, " is ")
		key, _, _ = strings.Cut(key, " already ")
		assert.False(t, seen[key], "reported twice: %s", line)
		seen[key] = true
	}
}

// TestEveryProblemIsReportedAtOnce: every problem of every entry is
// reported, across stages, and each once: a problem found by the
// configuration's checks (a bad account ID, an overlapping CIDR, an
// unknown identity mode) does not keep the checks of the same entries'
// tenants and clusters from reporting theirs, and a tenant's bad mode is
// not reported again for the service accounts that inherit it.
func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	_, err := runYAML(t, edit(t, centralizedBase,
		`accountId: "444455556666"`, `accountId: "4444"`,
		"vpcCidr: 10.1.0.0/16\n      nodeGroups: [{name: general, instanceTypes: [m6i.large], minSize: 1, maxSize: 3, desiredSize: 2}]", "vpcCidr: 10.0.0.0/16",
		"clusterAccount: prod\n      identity: podIdentityChain", "clusterAccount: prod\n      namespace: Alpha_NS\n      identity: podIdentityChain",
		"identity: irsa", "identity: kiam",
		"- name: app", "- name: app\n          sessionDurationSeconds: 7200\n          policy: '{\"Version\":\"2012-10-17\",'",
	))
	require.Error(t, err)
	assert.ElementsMatch(t, []string{
		`workloadAccounts[0].accountId: "4444" is not a 12-digit AWS account ID`,
		`clusterAccounts[1].vpcCidr: "10.0.0.0/16" overlaps clusterAccounts[0].vpcCidr (10.0.0.0/16)`,
		`workloadAccounts[1].identity: "kiam" is not a credential mode (want one of irsa, podIdentityChain)`,
		`workloadAccounts[0].serviceAccounts[0].sessionDurationSeconds: 7200 is over 3600: role chaining limits a session to one hour`,
		`workloadAccounts[0].namespace: "Alpha_NS" is not a valid Kubernetes namespace name (DNS-1123 label)`,
		`workloadAccounts[0].serviceAccounts[0].policy: "{\"Version\":\"2012-10-17\"," is not a valid policy document: unexpected EOF`,
		`clusterAccounts[1].nodeGroups: or fargateProfiles: the cluster needs somewhere to run pods`,
	}, problems(err), "every problem planted, and nothing else")
}

// problems are the lines of err that report a problem at a key path.
func problems(err error) []string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if problemLine.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}

func TestATenantOnAnUnknownClusterStillHasItsOwnProblemsReported(t *testing.T) {
	_, err := runYAML(t, edit(t, centralizedBase, "clusterAccount: prod\n      identity: irsa", "clusterAccount: qa\n      namespace: Jobs\n      identity: irsa"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `workloadAccounts[1].clusterAccount: "qa" is not the name of a configured cluster account`)
	assert.Contains(t, err.Error(), `workloadAccounts[1].namespace: "Jobs" is not a valid Kubernetes namespace name`)
	assert.Len(t, problems(err), 2, "the two problems, nothing about a stand-in cluster")
}
