package world

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The accounts of the test organization.
const (
	management = "000011112222"
	cluster    = "111122223333"
	tenant     = "444455556666"
	outsider   = "999999999999"
)

var (
	inCluster   = Caller{Account: cluster, Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/Deploy"}
	inTenant    = Caller{Account: tenant, Region: "us-east-1", Principal: "arn:aws:iam::444455556666:role/Deploy"}
	inMgmt      = Caller{Account: management, Region: "us-east-1", Principal: "arn:aws:iam::000011112222:role/Deploy"}
	trustEKS    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	trustEC2    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	anyPolicy   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	errRollback = errors.New("roll back")
)

// seeded returns a world state with the test organization planted and a
// pool of two API servers.
func seeded(t *testing.T) *State {
	t.Helper()
	s := &State{dir: "test-world", pool: pool(t, 2)}
	require.NoError(t, s.Plant(Seed{
		Organization: Organization{ID: "o-abc123", ManagementAccount: management, RootID: "r-ab12", Accounts: []string{management, cluster, tenant},
			EnabledPolicyTypes: []string{ServiceControlPolicy, ResourceControlPolicy}},
		Roles: []string{inCluster.Principal, inTenant.Principal, inMgmt.Principal, "arn:aws:iam::111122223333:role/Admin"},
	}))
	return s
}

// pool returns a pool of n fake API servers in a fresh file.
func pool(t *testing.T, n int) *Pool {
	t.Helper()
	p, _ := fakePool(t, n)
	return p
}

// fakePool returns a pool of n fake API servers in a fresh file, and the
// fakes.
func fakePool(t *testing.T, n int) (*Pool, []*fakeAPIServer) {
	t.Helper()
	var servers []*APIServer
	var fakes []*fakeAPIServer
	for i := range n {
		server, fake := startFake(t, fmt.Sprint("t", i), nil, nil)
		servers, fakes = append(servers, server), append(fakes, fake)
	}
	file := filepath.Join(t.TempDir(), "apiservers.json")
	require.NoError(t, writeAtomically(file, servers))
	return OpenPool(file), fakes
}

// requireAWSError checks that err is AWS's refusal with a code.
func requireAWSError(t *testing.T, err error, code string) {
	t.Helper()
	var aws *Error
	require.ErrorAs(t, err, &aws, "want %s", code)
	assert.Equal(t, code, aws.Code, aws.Error())
}

func mustCreate(t *testing.T, s *State, c Caller, typ string, inputs map[string]any) *Object {
	t.Helper()
	o, err := s.Create(c, typ, inputs)
	require.NoError(t, err, typ)
	return o
}

func role(name, trust string) map[string]any {
	return map[string]any{"name": name, "path": "/", "assumeRolePolicy": trust}
}

func trustIn(principalType, principal string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{%q:%q},"Action":"sts:AssumeRole"}]}`, principalType, principal)
}

func TestRoleNamesAreUniquePerAccountWithoutCase(t *testing.T) {
	s := seeded(t)
	mustCreate(t, s, inCluster, "aws:iam/role:Role", role("App", trustEKS))
	_, err := s.Create(inCluster, "aws:iam/role:Role", role("app", trustEKS))
	requireAWSError(t, err, "EntityAlreadyExists")
	mustCreate(t, s, inTenant, "aws:iam/role:Role", role("app", trustEKS))
}

func TestATrustNamingWhatDoesNotExistIsRefused(t *testing.T) {
	s := seeded(t)
	source := "arn:aws:iam::111122223333:role/eks-multi-account/prod/source"
	_, err := s.Create(inTenant, "aws:iam/role:Role", role("target", trustIn("AWS", source)))
	requireAWSError(t, err, "MalformedPolicyDocument")
	assert.Contains(t, err.Error(), "Invalid principal in policy")

	mustCreate(t, s, inCluster, "aws:iam/role:Role", map[string]any{"name": "source", "path": "/eks-multi-account/prod/", "assumeRolePolicy": trustEKS})
	mustCreate(t, s, inTenant, "aws:iam/role:Role", role("target", trustIn("AWS", source)))

	_, err = s.Create(inTenant, "aws:iam/role:Role", role("wrong-path", trustIn("AWS", "arn:aws:iam::111122223333:role/source")))
	requireAWSError(t, err, "MalformedPolicyDocument")
	_, err = s.Create(inTenant, "aws:iam/role:Role", role("outsider", trustIn("AWS", "arn:aws:iam::"+outsider+":root")))
	requireAWSError(t, err, "MalformedPolicyDocument")
	_, err = s.Create(inTenant, "aws:iam/role:Role", role("irsa", trustIn("Federated", "arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC")))
	requireAWSError(t, err, "MalformedPolicyDocument")
	mustCreate(t, s, inTenant, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", map[string]any{"url": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"})
	mustCreate(t, s, inTenant, "aws:iam/role:Role", role("irsa", trustIn("Federated", "arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC")))
}

func TestARoleKeepsItsPoliciesUntilTheyAreDeleted(t *testing.T) {
	s := seeded(t)
	_, err := s.Create(inCluster, "aws:iam/rolePolicy:RolePolicy", map[string]any{"role": "app", "name": "p", "policy": anyPolicy})
	requireAWSError(t, err, "NoSuchEntity")
	r := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("app", trustEKS))
	p := mustCreate(t, s, inCluster, "aws:iam/rolePolicy:RolePolicy", map[string]any{"role": "app", "name": "p", "policy": anyPolicy})
	a := mustCreate(t, s, inCluster, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", map[string]any{"role": "app", "policyArn": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"})

	requireAWSError(t, s.Delete(inCluster, r.Type, r.ID), "DeleteConflict")
	require.NoError(t, s.Delete(inCluster, p.Type, p.ID))
	requireAWSError(t, s.Delete(inCluster, r.Type, r.ID), "DeleteConflict")
	require.NoError(t, s.Delete(inCluster, a.Type, a.ID))
	require.NoError(t, s.Delete(inCluster, r.Type, r.ID))
	assert.Nil(t, s.Find(inCluster, r.Type, r.ID))
}

func TestIAMIsOneNamespaceInEveryRegion(t *testing.T) {
	s := seeded(t)
	mustCreate(t, s, inCluster, "aws:iam/role:Role", role("app", trustEKS))
	west := inCluster
	west.Region = "us-west-2"
	_, err := s.Create(west, "aws:iam/role:Role", role("APP", trustEKS))
	requireAWSError(t, err, "EntityAlreadyExists")
	assert.NotNil(t, s.Find(west, "aws:iam/role:Role", "app"))
}

// eksZones are a region's zone IDs where EKS runs clusters.
func eksZones(region string) []string {
	return slices.DeleteFunc(slices.Clone(regionZoneIDs(region)), func(id string) bool { return slices.Contains(eksUnsupportedZoneIDs, id) })
}

// network creates a VPC with an internet gateway and n private subnets in
// different zones, and returns the subnets.
func network(t *testing.T, s *State, c Caller, n int) []*Object {
	t.Helper()
	vpc := mustCreate(t, s, c, "aws:ec2/vpc:Vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	mustCreate(t, s, c, "aws:ec2/internetGateway:InternetGateway", map[string]any{"vpcId": vpc.ID})
	var subnets []*Object
	for i := range n {
		subnets = append(subnets, mustCreate(t, s, c, "aws:ec2/subnet:Subnet", map[string]any{
			"vpcId": vpc.ID, "cidrBlock": fmt.Sprintf("10.0.%d.0/24", i), "availabilityZoneId": eksZones(c.Region)[i%3],
		}))
	}
	return subnets
}

func TestNetworkingIsBuiltInOrder(t *testing.T) {
	s := seeded(t)
	_, err := s.Create(inCluster, "aws:ec2/subnet:Subnet", map[string]any{"vpcId": "vpc-0missing", "cidrBlock": "10.0.0.0/24", "availabilityZone": "us-east-1a"})
	requireAWSError(t, err, "InvalidVpcID.NotFound")

	vpc := mustCreate(t, s, inCluster, "aws:ec2/vpc:Vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	public := mustCreate(t, s, inCluster, "aws:ec2/subnet:Subnet", map[string]any{"vpcId": vpc.ID, "cidrBlock": "10.0.0.0/24", "availabilityZone": "us-east-1a"})
	_, err = s.Create(inCluster, "aws:ec2/subnet:Subnet", map[string]any{"vpcId": vpc.ID, "cidrBlock": "10.0.0.128/25", "availabilityZone": "us-east-1b"})
	requireAWSError(t, err, "InvalidSubnet.Conflict")
	_, err = s.Create(inCluster, "aws:ec2/subnet:Subnet", map[string]any{"vpcId": vpc.ID, "cidrBlock": "10.1.0.0/24", "availabilityZone": "us-east-1b"})
	requireAWSError(t, err, "InvalidSubnet.Range")

	eip := mustCreate(t, s, inCluster, "aws:ec2/eip:Eip", map[string]any{"domain": "vpc"})
	_, err = s.Create(inCluster, "aws:ec2/natGateway:NatGateway", map[string]any{"subnetId": public.ID, "allocationId": eip.ID})
	requireAWSError(t, err, "Gateway.NotAttached")
	igw := mustCreate(t, s, inCluster, "aws:ec2/internetGateway:InternetGateway", map[string]any{"vpcId": vpc.ID})

	_, err = s.Create(inCluster, "aws:ec2/routeTable:RouteTable", map[string]any{"vpcId": vpc.ID, "routes": []any{map[string]any{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-0missing"}}})
	requireAWSError(t, err, "InvalidNatGatewayID.NotFound")
	nat := mustCreate(t, s, inCluster, "aws:ec2/natGateway:NatGateway", map[string]any{"subnetId": public.ID, "allocationId": eip.ID})
	rt := mustCreate(t, s, inCluster, "aws:ec2/routeTable:RouteTable", map[string]any{"vpcId": vpc.ID, "routes": []any{map[string]any{"cidrBlock": "0.0.0.0/0", "natGatewayId": nat.ID}}})
	assoc := mustCreate(t, s, inCluster, "aws:ec2/routeTableAssociation:RouteTableAssociation", map[string]any{"subnetId": public.ID, "routeTableId": rt.ID})

	requireAWSError(t, s.Delete(inCluster, vpc.Type, vpc.ID), "DependencyViolation")
	requireAWSError(t, s.Delete(inCluster, igw.Type, igw.ID), "DependencyViolation")
	requireAWSError(t, s.Delete(inCluster, public.Type, public.ID), "DependencyViolation")
	requireAWSError(t, s.Delete(inCluster, rt.Type, rt.ID), "DependencyViolation")
	for _, o := range []*Object{assoc, rt, nat, eip, igw, public, vpc} {
		require.NoError(t, s.Delete(inCluster, o.Type, o.ID), o.String())
	}
	assert.Empty(t, s.Objects[4:], "only the seeded roles are left")
}

// newCluster creates an EKS cluster on subnets, as c, and activates it.
func newCluster(t *testing.T, s *State, c Caller, name string, subnets []*Object) *Object {
	t.Helper()
	clusterRole := mustCreate(t, s, c, "aws:iam/role:Role", role(name+"-cluster", trustEKS))
	var ids []any
	for _, sn := range subnets {
		ids = append(ids, sn.ID)
	}
	o := mustCreate(t, s, c, "aws:eks/cluster:Cluster", map[string]any{
		"name": name, "roleArn": clusterRole.Str("arn"), "vpcConfig": map[string]any{"subnetIds": ids},
	})
	require.NoError(t, s.ActivateCluster(c, name))
	return o
}

func TestWhatNamesAClusterWaitsUntilItIsActive(t *testing.T) {
	s := seeded(t)
	subnets := network(t, s, inCluster, 2)
	entry := map[string]any{"clusterName": "prod", "principalArn": "arn:aws:iam::111122223333:role/Admin"}
	_, err := s.Create(inCluster, "aws:eks/accessEntry:AccessEntry", entry)
	requireAWSError(t, err, "ResourceNotFoundException")

	clusterRole := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("prod-cluster", trustEKS))
	mustCreate(t, s, inCluster, "aws:eks/cluster:Cluster", map[string]any{
		"name": "prod", "roleArn": clusterRole.Str("arn"), "vpcConfig": map[string]any{"subnetIds": []any{subnets[0].ID, subnets[1].ID}},
	})
	for _, typ := range []string{"aws:eks/accessEntry:AccessEntry", "aws:eks/addon:Addon", "aws:eks/podIdentityAssociation:PodIdentityAssociation"} {
		_, err = s.Create(inCluster, typ, map[string]any{"clusterName": "prod", "principalArn": "arn:aws:iam::111122223333:role/Admin", "addonName": "vpc-cni"})
		requireAWSError(t, err, "InvalidRequestException")
	}
	require.NoError(t, s.ActivateCluster(inCluster, "prod"))
	mustCreate(t, s, inCluster, "aws:eks/accessEntry:AccessEntry", entry)
	_, err = s.Create(inCluster, "aws:eks/accessEntry:AccessEntry", entry)
	requireAWSError(t, err, "ResourceInUseException")
}

func TestEKSMakesTheCreatorsAndNodeRolesEntries(t *testing.T) {
	s := seeded(t)
	c := newCluster(t, s, inCluster, "prod", network(t, s, inCluster, 2))
	_, err := s.Create(inCluster, "aws:eks/accessEntry:AccessEntry", map[string]any{"clusterName": "prod", "principalArn": inCluster.Principal})
	requireAWSError(t, err, "ResourceInUseException")

	nodeRole := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("nodes", trustEC2))
	subnets := s.Select("aws:ec2/subnet:Subnet", nil)
	ng := map[string]any{"clusterName": "prod", "nodeGroupName": "general", "nodeRoleArn": nodeRole.Str("arn"), "subnetIds": []any{subnets[0].ID}}
	first := mustCreate(t, s, inCluster, "aws:eks/nodeGroup:NodeGroup", ng)
	ng["nodeGroupName"] = "gpu"
	second := mustCreate(t, s, inCluster, "aws:eks/nodeGroup:NodeGroup", ng)
	_, err = s.Create(inCluster, "aws:eks/accessEntry:AccessEntry", map[string]any{"clusterName": "prod", "principalArn": nodeRole.Str("arn")})
	requireAWSError(t, err, "ResourceInUseException")

	requireAWSError(t, s.Delete(inCluster, c.Type, c.ID), "ResourceInUseException")
	require.NoError(t, s.Delete(inCluster, first.Type, first.ID))
	assert.NotNil(t, s.entry(c, nodeRole.Str("arn")), "the other node group still uses the role")
	require.NoError(t, s.Delete(inCluster, second.Type, second.ID))
	assert.Nil(t, s.entry(c, nodeRole.Str("arn")), "the last node group using the role took its entry")
	mustCreate(t, s, inCluster, "aws:eks/accessEntry:AccessEntry", map[string]any{"clusterName": "prod", "principalArn": nodeRole.Str("arn")})

	_, err = s.pool.Of(s.dir, c.Str("arn"))
	require.NoError(t, err, "the cluster has an API server")
	require.NoError(t, s.Delete(inCluster, c.Type, c.ID))
	assert.Empty(t, s.Select("aws:eks/accessEntry:AccessEntry", nil), "entries go with their cluster")
	_, err = s.pool.Of(s.dir, c.Str("arn"))
	assert.Error(t, err, "the API server is free again")
}

func TestAClusterNeedsSubnetsItsAccountMayUse(t *testing.T) {
	s := seeded(t)
	subnets := network(t, s, inCluster, 2)
	clusterRole := mustCreate(t, s, inTenant, "aws:iam/role:Role", role("t-cluster", trustEKS))
	args := map[string]any{"name": "t", "roleArn": clusterRole.Str("arn"), "vpcConfig": map[string]any{"subnetIds": []any{subnets[0].ID, subnets[1].ID}}}
	_, err := s.Create(inTenant, "aws:eks/cluster:Cluster", args)
	requireAWSError(t, err, "InvalidParameterException")

	share := mustCreate(t, s, inCluster, "aws:ram/resourceShare:ResourceShare", map[string]any{"name": "subnets", "allowExternalPrincipals": false})
	for _, sn := range subnets {
		mustCreate(t, s, inCluster, "aws:ram/resourceAssociation:ResourceAssociation", map[string]any{"resourceShareArn": share.ID, "resourceArn": sn.Str("arn")})
	}
	invitation := mustCreate(t, s, inCluster, "aws:ram/principalAssociation:PrincipalAssociation", map[string]any{"resourceShareArn": share.ID, "principal": tenant})
	assert.Equal(t, Invited, invitation.Str("status"), "without sharing with the organization, an account is invited")
	_, err = s.Create(inTenant, "aws:eks/cluster:Cluster", args)
	requireAWSError(t, err, "InvalidParameterException")

	require.NoError(t, s.Delete(inCluster, invitation.Type, invitation.ID))
	mustCreate(t, s, inMgmt, "aws:ram/sharingWithOrganization:SharingWithOrganization", map[string]any{})
	mustCreate(t, s, inCluster, "aws:ram/principalAssociation:PrincipalAssociation", map[string]any{"resourceShareArn": share.ID, "principal": tenant})
	mustCreate(t, s, inTenant, "aws:eks/cluster:Cluster", args)

	_, err = s.Create(inCluster, "aws:ram/principalAssociation:PrincipalAssociation", map[string]any{"resourceShareArn": share.ID, "principal": outsider})
	requireAWSError(t, err, "OperationNotPermittedException")
}

func TestTurningOrganizationSharingOffTurnsItOffForEveryone(t *testing.T) {
	s := seeded(t)
	_, err := s.Create(inCluster, "aws:ram/sharingWithOrganization:SharingWithOrganization", map[string]any{})
	requireAWSError(t, err, "OperationNotPermittedException")
	sharing := mustCreate(t, s, inMgmt, "aws:ram/sharingWithOrganization:SharingWithOrganization", map[string]any{})
	share := mustCreate(t, s, inCluster, "aws:ram/resourceShare:ResourceShare", map[string]any{"name": "subnets"})
	ou := "arn:aws:organizations::000011112222:ou/o-abc123/ou-ab12-34cd56ef"
	mustCreate(t, s, inCluster, "aws:ram/principalAssociation:PrincipalAssociation", map[string]any{"resourceShareArn": share.ID, "principal": ou})

	require.NoError(t, s.Delete(inMgmt, sharing.Type, sharing.ID))
	other := mustCreate(t, s, inTenant, "aws:ram/resourceShare:ResourceShare", map[string]any{"name": "other"})
	_, err = s.Create(inTenant, "aws:ram/principalAssociation:PrincipalAssociation", map[string]any{"resourceShareArn": other.ID, "principal": ou})
	requireAWSError(t, err, "OperationNotPermittedException")
	assoc := mustCreate(t, s, inTenant, "aws:ram/principalAssociation:PrincipalAssociation", map[string]any{"resourceShareArn": other.ID, "principal": cluster})
	assert.Equal(t, Invited, assoc.Str("status"))
}

func TestOrganizationPoliciesAreTheManagementAccounts(t *testing.T) {
	s := seeded(t)
	policy := map[string]any{"name": "eks-guard", "type": "SERVICE_CONTROL_POLICY", "content": anyPolicy}
	_, err := s.Create(inCluster, "aws:organizations/policy:Policy", policy)
	requireAWSError(t, err, "AccessDeniedException")
	p := mustCreate(t, s, inMgmt, "aws:organizations/policy:Policy", policy)
	_, err = s.Create(inMgmt, "aws:organizations/policy:Policy", policy)
	requireAWSError(t, err, "DuplicatePolicyException")
	_, err = s.Create(inMgmt, "aws:organizations/policyAttachment:PolicyAttachment", map[string]any{"policyId": p.ID, "targetId": outsider})
	requireAWSError(t, err, "TargetNotFoundException")
	a := mustCreate(t, s, inMgmt, "aws:organizations/policyAttachment:PolicyAttachment", map[string]any{"policyId": p.ID, "targetId": "r-ab12"})
	requireAWSError(t, s.Delete(inMgmt, p.Type, p.ID), "PolicyInUseException")
	require.NoError(t, s.Delete(inMgmt, a.Type, a.ID))
	require.NoError(t, s.Delete(inMgmt, p.Type, p.ID))
}

func TestPreexistingRolesStay(t *testing.T) {
	s := seeded(t)
	require.Error(t, s.Delete(inCluster, "aws:iam/role:Role", "Admin"))
	assert.NotNil(t, s.role(cluster, "admin"))
}

// TestConcurrentWritersLoseNothing: writers holding their own handles on
// one directory, as the plugin processes do, each add what they add.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir)
	require.NoError(t, err)
	require.NoError(t, w.Update(func(s *State) error {
		return s.Plant(Seed{Organization: Organization{ManagementAccount: management, Accounts: []string{management, cluster}}})
	}))
	const writers, each = 8, 10
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			mine, err := Open(dir)
			assert.NoError(t, err)
			for j := range each {
				assert.NoError(t, mine.Update(func(s *State) error {
					_, err := s.Create(inCluster, "aws:iam/role:Role", role(fmt.Sprintf("w%d-%d", i, j), trustEKS))
					return err
				}))
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.View(func(s *State) error {
		assert.Len(t, s.Select("aws:iam/role:Role", nil), writers*each)
		return nil
	}))
}

func TestAFailedUpdateKeepsNothing(t *testing.T) {
	w, err := Open(t.TempDir())
	require.NoError(t, err)
	err = w.Update(func(s *State) error {
		require.NoError(t, s.Plant(Seed{Organization: Organization{Accounts: []string{cluster}}}))
		mustCreate(t, s, inCluster, "aws:iam/role:Role", role("kept-only-on-success", trustEKS))
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	require.NoError(t, w.View(func(s *State) error {
		assert.Empty(t, s.Objects)
		return nil
	}))
}

func TestEveryTypeTheLibraryCreatesIsImplemented(t *testing.T) {
	// The types of the golden plans (tests/testdata/golden) and pulumi-eks's
	// children.
	for _, typ := range []string{
		"aws:dynamodb/table:Table", "aws:ec2/eip:Eip", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/launchTemplate:LaunchTemplate",
		"aws:ec2/natGateway:NatGateway", "aws:ec2/routeTable:RouteTable", "aws:ec2/routeTableAssociation:RouteTableAssociation",
		"aws:ec2/subnet:Subnet", "aws:ec2/vpc:Vpc", "aws:eks/accessEntry:AccessEntry", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
		"aws:eks/addon:Addon", "aws:eks/fargateProfile:FargateProfile", "aws:eks/nodeGroup:NodeGroup",
		"aws:eks/podIdentityAssociation:PodIdentityAssociation", "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws:iam/role:Role",
		"aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:kms/key:Key",
		"aws:organizations/policy:Policy", "aws:organizations/policyAttachment:PolicyAttachment", "aws:ram/principalAssociation:PrincipalAssociation",
		"aws:ram/resourceAssociation:ResourceAssociation", "aws:ram/resourceShare:ResourceShare", "aws:ram/sharingWithOrganization:SharingWithOrganization",
		"aws:rds/subnetGroup:SubnetGroup", "aws:s3/bucketV2:BucketV2", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
		"aws:eks/cluster:Cluster", "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule",
	} {
		assert.True(t, Implements(typ), typ)
	}
}

func TestClustersOfEveryWorldShareOnePool(t *testing.T) {
	shared := pool(t, 2)
	a, b := seeded(t), seeded(t)
	a.pool, b.pool = shared, shared
	b.dir = "another-world"
	first := newCluster(t, a, inCluster, "prod", network(t, a, inCluster, 2))
	second := newCluster(t, b, inCluster, "prod", network(t, b, inCluster, 2))
	sa, err := shared.Of(a.dir, first.Str("arn"))
	require.NoError(t, err)
	sb, err := shared.Of(b.dir, second.Str("arn"))
	require.NoError(t, err)
	assert.NotEqual(t, sa.Endpoint, sb.Endpoint, "the same cluster name in two worlds gets two servers")
	assert.Equal(t, sa.Endpoint, first.Str("endpoint"))

	clusterRole := mustCreate(t, a, inCluster, "aws:iam/role:Role", role("third-cluster", trustEKS))
	subnets := a.Select("aws:ec2/subnet:Subnet", nil)
	_, err = a.Create(inCluster, "aws:eks/cluster:Cluster", map[string]any{
		"name": "third", "roleArn": clusterRole.Str("arn"), "vpcConfig": map[string]any{"subnetIds": []any{subnets[0].ID, subnets[1].ID}},
	})
	require.ErrorContains(t, err, "no free one")

	require.NoError(t, shared.ReleaseWorld(a.dir))
	_, err = shared.Of(a.dir, first.Str("arn"))
	require.Error(t, err, "the discarded world's server is free")
	_, err = shared.Of(b.dir, second.Str("arn"))
	require.NoError(t, err, "the other world keeps its server")
}

func TestAClusterMovesUpOneMinorVersionAtATime(t *testing.T) {
	s := seeded(t)
	c := newCluster(t, s, inCluster, "up", network(t, s, inCluster, 2))
	inputs := func(version string) map[string]any {
		in := mergeMaps(c.Inputs, nil)
		in["version"] = version
		return in
	}
	c.Inputs["version"] = "1.34"
	for _, refused := range []string{"1.36", "1.33"} {
		_, err := s.Update(inCluster, c.Type, c.ID, inputs(refused))
		requireAWSError(t, err, "InvalidParameterException")
		assert.ErrorContains(t, err, "Unsupported Kubernetes minor version update from 1.34 to "+refused)
	}
	_, err := s.Update(inCluster, c.Type, c.ID, inputs("1.35"))
	require.NoError(t, err)
	assert.Equal(t, "1.35", s.Find(inCluster, c.Type, c.ID).Str("version"))
}
