//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ram"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// The stand-in earns its keep: each refusal rule has a small program that
// breaks it, and the program fails through the real engine with AWS's
// error. The programs run in one organization of three accounts.
const (
	orgManagement = "000011112222"
	orgHost       = "111122223333"
	orgTenant     = "444455556666"
	region        = "us-east-1"
)

var trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// refusals is the organization the programs run in.
func refusals(t *testing.T) *organization {
	t.Helper()
	o := newOrganization(t)
	require.NoError(t, o.store.Update(func(s *world.State) error {
		return s.Plant(world.Seed{
			Organization: world.Organization{ID: "o-standin0001", ManagementAccount: orgManagement, RootID: "r-stan", Accounts: []string{orgManagement, orgHost, orgTenant}},
			Roles:        []string{deployRole(orgManagement), deployRole(orgHost), deployRole(orgTenant)},
		})
	}))
	return o
}

func deployRole(account string) string {
	return "arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"
}

// in returns the explicit provider of an account.
func in(ctx *pulumi.Context, account string) (pulumi.ResourceOption, error) {
	p, err := aws.NewProvider(ctx, "aws-"+account, &aws.ProviderArgs{
		Region: pulumi.String(region), AllowedAccountIds: pulumi.ToStringArray([]string{account}),
		AssumeRole: &aws.ProviderAssumeRoleArgs{RoleArn: pulumi.String(deployRole(account))},
	})
	return pulumi.Provider(p), err
}

// network creates a VPC with two private subnets in two zones where EKS
// runs clusters, named by ID.
func network(ctx *pulumi.Context, name string, p pulumi.ResourceOption) (*ec2.Vpc, []*ec2.Subnet, error) {
	vpc, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{CidrBlock: pulumi.String("10.0.0.0/16")}, p)
	if err != nil {
		return nil, nil, err
	}
	var subnets []*ec2.Subnet
	for i, zone := range []string{"use1-az1", "use1-az2"} {
		s, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-subnet-%d", name, i), &ec2.SubnetArgs{
			VpcId: vpc.ID(), CidrBlock: pulumi.Sprintf("10.0.%d.0/24", i), AvailabilityZoneId: pulumi.String(zone),
		}, p)
		if err != nil {
			return nil, nil, err
		}
		subnets = append(subnets, s)
	}
	return vpc, subnets, nil
}

// cluster creates an EKS cluster called name on subnets.
func cluster(ctx *pulumi.Context, name string, subnets []*ec2.Subnet, p pulumi.ResourceOption) (*eks.Cluster, error) {
	role, err := iam.NewRole(ctx, name+"-cluster-role", &iam.RoleArgs{Name: pulumi.String(name + "-cluster"), AssumeRolePolicy: pulumi.String(trustEC2)}, p)
	if err != nil {
		return nil, err
	}
	ids := pulumi.StringArray{}
	for _, s := range subnets {
		ids = append(ids, s.ID())
	}
	return eks.NewCluster(ctx, name, &eks.ClusterArgs{Name: pulumi.String(name), RoleArn: role.Arn, VpcConfig: eks.ClusterVpcConfigArgs{SubnetIds: ids}}, p)
}

// hostCluster creates, in the cluster account, a network and an EKS cluster
// called name on it, and returns the account's provider and the cluster.
func hostCluster(ctx *pulumi.Context, name string) (pulumi.ResourceOption, *eks.Cluster, error) {
	p, err := in(ctx, orgHost)
	if err != nil {
		return nil, nil, err
	}
	_, subnets, err := network(ctx, "n", p)
	if err != nil {
		return nil, nil, err
	}
	c, err := cluster(ctx, name, subnets, p)
	return p, c, err
}

// refused runs a program as a stack of its own and holds that its update
// fails with AWS's error; the stack is destroyed afterwards.
func (o *organization) refused(t *testing.T, stack string, program pulumi.RunFunc, want ...string) {
	t.Helper()
	s := o.inline(t, stack, program)
	var out strings.Builder
	_, err := s.Up(context.Background(), optup.ProgressStreams(&out), optup.Parallel(256))
	require.Error(t, err, "%s was not refused:\n%s", stack, out.String())
	for _, w := range want {
		assert.Contains(t, out.String(), w, stack)
	}
}

// accepted runs a program as a stack and holds that it succeeds.
func (o *organization) accepted(t *testing.T, stack string, program pulumi.RunFunc) auto.Stack {
	t.Helper()
	s := o.inline(t, stack, program)
	o.up(t, s)
	return s
}

// inline returns the stack of a program, destroyed when the test ends.
func (o *organization) inline(t *testing.T, stack string, program pulumi.RunFunc) auto.Stack {
	t.Helper()
	s, err := o.InlineStack(context.Background(), "refusals", stack, o.backend, program)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := s.Destroy(context.Background(), optdestroy.Parallel(256))
		assert.NoError(t, err, "destroying %s", stack)
	})
	return s
}

func TestTheStandInRefusesWhatAWSRefuses(t *testing.T) {
	o := refusals(t)

	t.Run("what names a cluster before the cluster exists", func(t *testing.T) {
		o.refused(t, "before-cluster", func(ctx *pulumi.Context) error {
			p, _, err := hostCluster(ctx, "racy")
			if err != nil {
				return err
			}
			// By the cluster's name, without waiting for it.
			if _, err := eks.NewAccessEntry(ctx, "entry", &eks.AccessEntryArgs{ClusterName: pulumi.String("racy"), PrincipalArn: pulumi.String(deployRole(orgTenant))}, p); err != nil {
				return err
			}
			if _, err := eks.NewAddon(ctx, "addon", &eks.AddonArgs{ClusterName: pulumi.String("racy"), AddonName: pulumi.String("vpc-cni")}, p); err != nil {
				return err
			}
			_, err = eks.NewPodIdentityAssociation(ctx, "pia", &eks.PodIdentityAssociationArgs{ClusterName: pulumi.String("racy"),
				Namespace: pulumi.String("a"), ServiceAccount: pulumi.String("b"), RoleArn: pulumi.String(deployRole(orgHost))}, p)
			return err
		}, "CreateAccessEntry: ResourceNotFoundException: No cluster found for name: racy.", "CreateAddon: ResourceNotFoundException",
			"CreatePodIdentityAssociation: ResourceNotFoundException")
	})

	t.Run("a role policy before its role, and a trust in a role not yet there", func(t *testing.T) {
		o.refused(t, "before-role", func(ctx *pulumi.Context) error {
			p, c, err := hostCluster(ctx, "slow")
			if err != nil {
				return err
			}
			// A role whose trust waits for the cluster (as IRSA's does)...
			if _, err := iam.NewRole(ctx, "late", &iam.RoleArgs{Name: pulumi.String("late"), AssumeRolePolicy: c.Arn.ApplyT(func(string) string { return trustEC2 }).(pulumi.StringOutput)}, p); err != nil {
				return err
			}
			// ...named by a policy and another role's trust that do not wait.
			if _, err := iam.NewRolePolicy(ctx, "policy", &iam.RolePolicyArgs{Role: pulumi.String("late"), Policy: pulumi.String(`{"Version":"2012-10-17","Statement":[]}`)}, p); err != nil {
				return err
			}
			_, err = iam.NewRole(ctx, "truster", &iam.RoleArgs{Name: pulumi.String("truster"),
				AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/late"},"Action":"sts:AssumeRole"}]}`)}, p)
			return err
		}, "PutRolePolicy: NoSuchEntity: The role with name late cannot be found.",
			`CreateRole: MalformedPolicyDocument: Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/late"`)
	})

	t.Run("a cluster in subnets not shared with its account", func(t *testing.T) {
		o.refused(t, "unshared", func(ctx *pulumi.Context) error {
			host, err := in(ctx, orgHost)
			if err != nil {
				return err
			}
			tenant, err := in(ctx, orgTenant)
			if err != nil {
				return err
			}
			_, subnets, err := network(ctx, "host", host)
			if err != nil {
				return err
			}
			_, err = cluster(ctx, "borrower", subnets, tenant)
			return err
		}, "CreateCluster: InvalidParameterException: The subnet ID")
	})

	t.Run("a name another stack has", func(t *testing.T) {
		role := func(ctx *pulumi.Context) error {
			p, err := in(ctx, orgHost)
			if err != nil {
				return err
			}
			_, err = iam.NewRole(ctx, "r", &iam.RoleArgs{Name: pulumi.String("Platform-Deployer"), AssumeRolePolicy: pulumi.String(trustEC2)}, p)
			return err
		}
		o.accepted(t, "first-owner", role)
		o.refused(t, "second-owner", role, "CreateRole: EntityAlreadyExists: Role with name Platform-Deployer already exists.")

		policy := func(ctx *pulumi.Context) error {
			p, err := in(ctx, orgManagement)
			if err != nil {
				return err
			}
			_, err = organizations.NewPolicy(ctx, "scp", &organizations.PolicyArgs{Name: pulumi.String("eks-guard"), Content: pulumi.String(`{"Version":"2012-10-17","Statement":[]}`)}, p)
			return err
		}
		o.accepted(t, "first-policy", policy)
		o.refused(t, "second-policy", policy, "CreatePolicy: DuplicatePolicyException")
	})

	t.Run("a second access entry for the cluster's creator", func(t *testing.T) {
		o.refused(t, "creator-entry", func(ctx *pulumi.Context) error {
			p, c, err := hostCluster(ctx, "entries")
			if err != nil {
				return err
			}
			_, err = eks.NewAccessEntry(ctx, "deployer", &eks.AccessEntryArgs{ClusterName: c.Name, PrincipalArn: pulumi.String(deployRole(orgHost))}, p)
			return err
		}, "CreateAccessEntry: ResourceInUseException")
	})

	t.Run("a delete of a role whose policy stays", func(t *testing.T) {
		role := func(keep bool) pulumi.RunFunc {
			return func(ctx *pulumi.Context) error {
				p, err := in(ctx, orgHost)
				if err != nil {
					return err
				}
				after := pulumi.DependsOn(nil)
				if keep {
					r, err := iam.NewRole(ctx, "r", &iam.RoleArgs{Name: pulumi.String("used"), AssumeRolePolicy: pulumi.String(trustEC2)}, p)
					if err != nil {
						return err
					}
					after = pulumi.DependsOn([]pulumi.Resource{r})
				}
				// The policy names the role by a literal name: once the role
				// leaves the program, nothing tells the engine to delete the
				// policy first.
				_, err = iam.NewRolePolicy(ctx, "policy", &iam.RolePolicyArgs{Role: pulumi.String("used"), Policy: pulumi.String(`{"Version":"2012-10-17","Statement":[]}`)}, p, after)
				return err
			}
		}
		o.accepted(t, "role-in-use", role(true))
		o.refused(t, "role-in-use", role(false), "DeleteRole: DeleteConflict: Cannot delete entity, must delete policies first.")
		// The refused update left the role and its policy unrelated in the
		// state, and a destroy would race them the same way: deploy the
		// ordered program again so that the destroy deletes the policy first.
		o.accepted(t, "role-in-use", role(true))
	})

	t.Run("a delete of a VPC whose subnets stay", func(t *testing.T) {
		ordered := func(ctx *pulumi.Context) error {
			p, err := in(ctx, orgHost)
			if err != nil {
				return err
			}
			vpc, _, err := network(ctx, "n", p)
			ctx.Export("vpc", vpc.ID())
			return err
		}
		s := o.accepted(t, "vpc-in-use", ordered)
		outs, err := s.Outputs(context.Background())
		require.NoError(t, err)
		vpcID := outs["vpc"].Value.(string)
		o.refused(t, "vpc-in-use", func(ctx *pulumi.Context) error {
			p, err := in(ctx, orgHost)
			if err != nil {
				return err
			}
			for i, zone := range []string{"use1-az1", "use1-az2"} {
				if _, err := ec2.NewSubnet(ctx, fmt.Sprintf("n-subnet-%d", i), &ec2.SubnetArgs{
					VpcId: pulumi.String(vpcID), CidrBlock: pulumi.Sprintf("10.0.%d.0/24", i), AvailabilityZoneId: pulumi.String(zone),
				}, p); err != nil {
					return err
				}
			}
			return nil
		}, "DeleteVpc: DependencyViolation")
		// As above: the VPC and its subnets are unrelated in the state now;
		// deploy the program that orders them before the destroy.
		o.accepted(t, "vpc-in-use", ordered)
	})

	t.Run("RAM sharing turned off for everyone", func(t *testing.T) {
		sharing := o.accepted(t, "sharing", func(ctx *pulumi.Context) error {
			p, err := in(ctx, orgManagement)
			if err != nil {
				return err
			}
			_, err = ram.NewSharingWithOrganization(ctx, "sharing", &ram.SharingWithOrganizationArgs{}, p)
			return err
		})
		_, err := sharing.Destroy(context.Background(), optdestroy.Parallel(256))
		require.NoError(t, err)
		share := func(principal string) pulumi.RunFunc {
			return func(ctx *pulumi.Context) error {
				p, err := in(ctx, orgHost)
				if err != nil {
					return err
				}
				rs, err := ram.NewResourceShare(ctx, "share", &ram.ResourceShareArgs{Name: pulumi.String("subnets")}, p)
				if err != nil {
					return err
				}
				_, err = ram.NewPrincipalAssociation(ctx, "to", &ram.PrincipalAssociationArgs{ResourceShareArn: rs.Arn, Principal: pulumi.String(principal)}, p)
				return err
			}
		}
		o.refused(t, "share-with-ou", share("arn:aws:organizations::000011112222:ou/o-standin0001/ou-ab12-cdef3456"), "AssociateResourceShare: OperationNotPermittedException")
		o.accepted(t, "share-with-account", share(orgTenant))
		invited := o.state(t).Select("aws:ram/principalAssociation:PrincipalAssociation", func(a *world.Object) bool { return a.Str("principal") == orgTenant })
		require.Len(t, invited, 1)
		assert.Equal(t, world.Invited, invited[0].Str("status"), "an account gets an invitation, not the share")
	})
}
