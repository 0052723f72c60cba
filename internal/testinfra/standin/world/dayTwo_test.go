package world

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// versioned creates a cluster at a Kubernetes version, as c.
func versioned(t *testing.T, s *State, c Caller, name, version string) *Object {
	t.Helper()
	o := newCluster(t, s, c, name, network(t, s, c, 2))
	o.Inputs["version"] = version
	return o
}

// withVersion returns an object's inputs with a version key set.
func withVersion(o *Object, key, version string) map[string]any {
	in := mergeMaps(o.Inputs, nil)
	in[key] = version
	return in
}

func TestZoneNamesMapToIDsPerAccount(t *testing.T) {
	s := seeded(t)
	ids := func(account string) []string {
		var out []string
		for _, z := range s.ZonesOf(account, "us-east-1") {
			if z.Type == "availability-zone" {
				out = append(out, z.ID)
			}
		}
		return out
	}
	assert.Equal(t, ids(cluster), ids(cluster), "the same account sees the same mapping every time")
	assert.NotEqual(t, ids(cluster), ids(tenant), "two accounts name the same zones differently")
	assert.ElementsMatch(t, ids(cluster), ids(tenant), "the same physical zones")
	assert.Equal(t, "us-east-1-bos-1a", s.ZonesOf(cluster, "us-east-1")[0].Name, "a Local Zone sorts before the availability zones")

	order := []string{"use1-az3", "use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"}
	require.NoError(t, s.SetZoneOrder(cluster, "us-east-1", order))
	assert.Equal(t, order, ids(cluster))
	assert.Error(t, s.SetZoneOrder(cluster, "us-east-1", order[:3]), "not the region's zones")
}

func TestGetAvailabilityZonesHonoursItsFilters(t *testing.T) {
	s := seeded(t)
	require.NoError(t, s.SetZoneOrder(cluster, "us-east-1", []string{"use1-az3", "use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"}))
	all, err := s.Answer(inCluster, "aws:index/getAvailabilityZones:getAvailabilityZones", map[string]any{})
	require.NoError(t, err)
	assert.Equal(t, []any{"us-east-1-bos-1a", "us-east-1-wl1-bos-wlz-1", "us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}, all["names"])
	eks, err := s.Answer(inCluster, "aws:index/getAvailabilityZones:getAvailabilityZones", map[string]any{
		"filters":        []any{map[string]any{"name": "zone-type", "values": []any{"availability-zone"}}},
		"excludeZoneIds": []any{"use1-az3"},
	})
	require.NoError(t, err)
	assert.Equal(t, []any{"us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}, eks["names"])
	assert.Equal(t, []any{"use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"}, eks["zoneIds"])
}

func TestEKSRefusesClusterSubnetsInUnsupportedZones(t *testing.T) {
	s := seeded(t)
	require.NoError(t, s.SetZoneOrder(cluster, "us-east-1", []string{"use1-az3", "use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"}))
	vpc := mustCreate(t, s, inCluster, "aws:ec2/vpc:Vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	subnet := func(cidr string, zone map[string]any) string {
		in := map[string]any{"vpcId": vpc.ID, "cidrBlock": cidr}
		for k, v := range zone {
			in[k] = v
		}
		return mustCreate(t, s, inCluster, "aws:ec2/subnet:Subnet", in).ID
	}
	byName := subnet("10.0.0.0/24", map[string]any{"availabilityZone": "us-east-1a"})
	assert.Equal(t, "use1-az3", s.Find(inCluster, "aws:ec2/subnet:Subnet", byName).Str("availabilityZoneId"))
	local := subnet("10.0.1.0/24", map[string]any{"availabilityZone": "us-east-1-bos-1a"})
	good1 := subnet("10.0.2.0/24", map[string]any{"availabilityZoneId": "use1-az1"})
	good2 := subnet("10.0.3.0/24", map[string]any{"availabilityZoneId": "use1-az2"})
	assert.Equal(t, "us-east-1b", s.Find(inCluster, "aws:ec2/subnet:Subnet", good1).Str("availabilityZone"))
	_, err := s.Create(inCluster, "aws:ec2/subnet:Subnet", map[string]any{"vpcId": vpc.ID, "cidrBlock": "10.0.4.0/24", "availabilityZoneId": "use1-az9"})
	requireAWSError(t, err, "InvalidParameterValue")

	clusterRole := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("zones-cluster", trustEKS))
	create := func(subnets ...string) error {
		_, err := s.Create(inCluster, "aws:eks/cluster:Cluster", map[string]any{"name": "zones", "roleArn": clusterRole.Str("arn"), "vpcConfig": map[string]any{"subnetIds": toAny(subnets)}})
		return err
	}
	for _, bad := range []string{byName, local} {
		err := create(bad, good1)
		requireAWSError(t, err, "UnsupportedAvailabilityZoneException")
		assert.ErrorContains(t, err, "Retry and choose from these availability zones: us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f")
	}
	require.NoError(t, create(good1, good2))
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, v := range ss {
		out[i] = v
	}
	return out
}

func TestNodeGroupsFollowTheirCluster(t *testing.T) {
	s := seeded(t)
	c := versioned(t, s, inCluster, "ver", "1.34")
	nodeRole := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("ver-nodes", trustEC2))
	ng := map[string]any{"clusterName": "ver", "nodeGroupName": "general", "nodeRoleArn": nodeRole.Str("arn"), "subnetIds": []any{c.Inputs["vpcConfig"].(map[string]any)["subnetIds"].([]any)[0]}}
	ng["version"] = "1.35"
	_, err := s.Create(inCluster, "aws:eks/nodeGroup:NodeGroup", ng)
	requireAWSError(t, err, "InvalidParameterException")
	delete(ng, "version")
	group := mustCreate(t, s, inCluster, "aws:eks/nodeGroup:NodeGroup", ng)
	assert.Equal(t, "1.34", group.Str("version"), "a node group without a version runs its cluster's")

	_, err = s.Update(inCluster, c.Type, c.ID, withVersion(c, "version", "1.35"))
	require.NoError(t, err, "the node group is at the control plane's version")
	_, err = s.Update(inCluster, c.Type, c.ID, withVersion(c, "version", "1.36"))
	requireAWSError(t, err, "InvalidRequestException")
	assert.ErrorContains(t, err, "node group general is at Kubernetes 1.34, not the control plane's 1.35")

	_, err = s.Update(inCluster, group.Type, group.ID, withVersion(group, "version", "1.36"))
	requireAWSError(t, err, "InvalidParameterException")
	_, err = s.Update(inCluster, group.Type, group.ID, withVersion(group, "version", "1.35"))
	require.NoError(t, err)
	_, err = s.Update(inCluster, c.Type, c.ID, withVersion(c, "version", "1.36"))
	require.NoError(t, err, "the node group caught up")
}

func TestAddOnsMustSupportTheirCluster(t *testing.T) {
	s := seeded(t)
	c := versioned(t, s, inCluster, "addons", "1.33")
	_, err := s.Create(inCluster, "aws:eks/addon:Addon", map[string]any{"clusterName": "addons", "addonName": "vpc-cni", "addonVersion": "v1.22.0-eksbuild.1"})
	requireAWSError(t, err, "InvalidParameterException")
	c.Inputs["version"] = "1.34"
	def := mustCreate(t, s, inCluster, "aws:eks/addon:Addon", map[string]any{"clusterName": "addons", "addonName": "vpc-cni"})
	assert.Equal(t, "v1.20.4-eksbuild.2", def.Str("addonVersion"), "the default of the cluster's minor")

	_, err = s.Update(inCluster, c.Type, c.ID, withVersion(c, "version", "1.35"))
	require.NoError(t, err, "the default supports the next minor")
	_, err = s.Update(inCluster, c.Type, c.ID, withVersion(c, "version", "1.36"))
	requireAWSError(t, err, "InvalidRequestException")
	assert.ErrorContains(t, err, "add-on vpc-cni v1.20.4-eksbuild.2 does not support Kubernetes 1.36")

	latest, err := AddonVersion("vpc-cni", "1.35", true)
	require.NoError(t, err)
	_, err = s.Update(inCluster, def.Type, def.ID, withVersion(def, "addonVersion", latest))
	require.NoError(t, err)
	_, err = s.Update(inCluster, c.Type, c.ID, withVersion(c, "version", "1.36"))
	require.NoError(t, err)
}

func TestQuotasAreANewAccountsUntilTheTierRaisesThem(t *testing.T) {
	s := seeded(t)
	v, err := s.Quota(cluster, "us-east-1", "L-DB2E81BA")
	require.NoError(t, err)
	assert.Equal(t, 0.0, v)
	require.NoError(t, s.SetQuota(cluster, anyRegion, "L-DB2E81BA", 64))
	require.NoError(t, s.SetQuota(cluster, "us-west-2", "L-DB2E81BA", 8))
	v, _ = s.Quota(cluster, "us-east-1", "L-DB2E81BA")
	assert.Equal(t, 64.0, v)
	got, err := s.Answer(Caller{Account: cluster, Region: "us-west-2"}, "aws:servicequotas/getServiceQuota:getServiceQuota", map[string]any{"serviceCode": "ec2", "quotaCode": "L-DB2E81BA"})
	require.NoError(t, err)
	assert.Equal(t, 8.0, got["value"])
	assert.Error(t, s.SetQuota(cluster, anyRegion, "L-NOPE", 1))
}

func TestNodeGroupsFailPastTheirVCPUQuota(t *testing.T) {
	s := seeded(t)
	c := versioned(t, s, inCluster, "gpu", "1.34")
	nodeRole := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("gpu-nodes", trustEC2))
	ng := func(name, instanceType string, desired int) map[string]any {
		return map[string]any{"clusterName": "gpu", "nodeGroupName": name, "nodeRoleArn": nodeRole.Str("arn"),
			"subnetIds": c.Inputs["vpcConfig"].(map[string]any)["subnetIds"], "instanceTypes": []any{instanceType},
			"scalingConfig": map[string]any{"desiredSize": float64(desired), "minSize": 0.0, "maxSize": 8.0}}
	}
	_, err := s.Create(inCluster, "aws:eks/nodeGroup:NodeGroup", ng("gpu", "g5.2xlarge", 1))
	requireAWSError(t, err, "CREATE_FAILED")
	assert.ErrorContains(t, err, "VcpuLimitExceeded - You have requested more vCPU capacity than your current vCPU limit of 0 allows")
	mustCreate(t, s, inCluster, "aws:eks/nodeGroup:NodeGroup", ng("small", "m6i.large", 2))
	_, err = s.Create(inCluster, "aws:eks/nodeGroup:NodeGroup", ng("more", "m6i.large", 1))
	requireAWSError(t, err, "CREATE_FAILED")
	assert.ErrorContains(t, err, "current vCPU limit of 5 allows", "4 vCPUs run, 2 more pass a new account's 5")
	require.NoError(t, s.SetQuota(cluster, anyRegion, "L-DB2E81BA", 8))
	mustCreate(t, s, inCluster, "aws:eks/nodeGroup:NodeGroup", ng("gpu", "g5.2xlarge", 1))
}

func TestOrganizationsPolicyTypesAndTargetLimits(t *testing.T) {
	s := seeded(t)
	s.Organization.EnabledPolicyTypes = []string{ServiceControlPolicy}
	rcp := mustCreate(t, s, inMgmt, "aws:organizations/policy:Policy", map[string]any{"name": "rcp", "type": ResourceControlPolicy, "content": anyPolicy})
	_, err := s.Create(inMgmt, "aws:organizations/policyAttachment:PolicyAttachment", map[string]any{"policyId": rcp.ID, "targetId": "r-ab12"})
	requireAWSError(t, err, "PolicyTypeNotEnabledException")

	ou := "ou-ab12-cdef3456"
	assert.Equal(t, []string{"p-FullAWSAccess"}, s.PoliciesForTarget(ou, ServiceControlPolicy), "AWS attaches FullAWSAccess to every target")
	for i := range 4 {
		p := mustCreate(t, s, inMgmt, "aws:organizations/policy:Policy", map[string]any{"name": "scp-" + string(rune('a'+i)), "type": ServiceControlPolicy, "content": anyPolicy})
		mustCreate(t, s, inMgmt, "aws:organizations/policyAttachment:PolicyAttachment", map[string]any{"policyId": p.ID, "targetId": ou})
	}
	sixth := mustCreate(t, s, inMgmt, "aws:organizations/policy:Policy", map[string]any{"name": "scp-f", "type": ServiceControlPolicy, "content": anyPolicy})
	_, err = s.Create(inMgmt, "aws:organizations/policyAttachment:PolicyAttachment", map[string]any{"policyId": sixth.ID, "targetId": ou})
	requireAWSError(t, err, "ConstraintViolationException")
	got, err := s.Answer(inMgmt, "aws:organizations/getPoliciesForTarget:getPoliciesForTarget", map[string]any{"targetId": ou, "filter": ServiceControlPolicy})
	require.NoError(t, err)
	assert.Len(t, got["ids"], 5)
	name, err := s.Answer(inMgmt, "aws:organizations/getPolicy:getPolicy", map[string]any{"policyId": "p-FullAWSAccess"})
	require.NoError(t, err)
	assert.Equal(t, "FullAWSAccess", name["name"])
	org, err := s.Answer(inMgmt, "aws:organizations/getOrganization:getOrganization", nil)
	require.NoError(t, err)
	assert.Equal(t, []any{map[string]any{"type": ServiceControlPolicy, "status": "ENABLED"}}, org["roots"].([]any)[0].(map[string]any)["policyTypes"])

	_, err = s.Answer(inCluster, "aws:organizations/getPoliciesForTarget:getPoliciesForTarget", map[string]any{"targetId": ou, "filter": ServiceControlPolicy})
	requireAWSError(t, err, "AccessDeniedException")
	s.Organization.DelegatedAdministrators = []string{cluster}
	mustCreate(t, s, inCluster, "aws:organizations/policy:Policy", map[string]any{"name": "delegated", "type": ServiceControlPolicy, "content": anyPolicy})
}

func TestOnePodIdentityAssociationPerServiceAccount(t *testing.T) {
	s := seeded(t)
	newCluster(t, s, inCluster, "pia", network(t, s, inCluster, 2))
	assoc := map[string]any{"clusterName": "pia", "namespace": "payroll", "serviceAccount": "app", "roleArn": inCluster.Principal}
	first := mustCreate(t, s, inCluster, "aws:eks/podIdentityAssociation:PodIdentityAssociation", assoc)
	_, err := s.Create(inCluster, "aws:eks/podIdentityAssociation:PodIdentityAssociation", assoc)
	requireAWSError(t, err, "ResourceInUseException")
	require.NoError(t, s.Delete(inCluster, first.Type, first.ID))
	mustCreate(t, s, inCluster, "aws:eks/podIdentityAssociation:PodIdentityAssociation", assoc)
	other := mergeMaps(assoc, map[string]any{"serviceAccount": "batch"})
	mustCreate(t, s, inCluster, "aws:eks/podIdentityAssociation:PodIdentityAssociation", other)
	assert.True(t, slices.ContainsFunc(s.Select(first.Type, nil), func(o *Object) bool { return o.Str("serviceAccount") == "batch" }))
}

func TestASeedPlantsUsersPoliciesAndQuotas(t *testing.T) {
	s := &State{dir: "test-world"}
	user, policy := "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:policy/team/Reader"
	require.NoError(t, s.Plant(Seed{
		Organization: Organization{ID: "o-abc123", ManagementAccount: management, RootID: "r-ab12", Accounts: []string{management, cluster}},
		Roles:        []string{inCluster.Principal, user},
		Policies:     []string{policy},
		Quotas:       map[string]float64{"L-1216C47A": 256},
	}))
	v, err := s.Quota(cluster, "eu-west-1", "L-1216C47A")
	require.NoError(t, err)
	assert.Equal(t, 256.0, v, "a seed's quotas hold in every region")
	assert.NotNil(t, s.principalByARN(user))
	assert.Error(t, s.Plant(Seed{}), "a world is planted once")

	role := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("reader", trustEC2))
	mustCreate(t, s, inCluster, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", map[string]any{"role": role.ID, "policyArn": policy})
	_, err = s.Create(inCluster, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", map[string]any{"role": role.ID, "policyArn": "arn:aws:iam::111122223333:policy/Missing"})
	requireAWSError(t, err, "NoSuchEntity")
}

func TestAccessEntriesMayNameUsers(t *testing.T) {
	s := seeded(t)
	require.NoError(t, s.addRoles([]string{"arn:aws:iam::111122223333:user/alice"}))
	newCluster(t, s, inCluster, "users", network(t, s, inCluster, 2))
	mustCreate(t, s, inCluster, "aws:eks/accessEntry:AccessEntry", map[string]any{"clusterName": "users", "principalArn": "arn:aws:iam::111122223333:user/alice"})
	_, err := s.Create(inCluster, "aws:eks/accessEntry:AccessEntry", map[string]any{"clusterName": "users", "principalArn": "arn:aws:iam::111122223333:user/bob"})
	requireAWSError(t, err, "InvalidParameterException")
}
