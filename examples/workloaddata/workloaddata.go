// Package workloaddata is what the examples add to a stack: a workload
// account that creates its own S3 bucket and DynamoDB table (and a database
// subnet group in subnets shared with it), and grants its tenant's role
// least-privilege access to exactly those, as the AWS guide describes.
package workloaddata

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/stacks"
)

// Program runs the stacks from the stack's configuration, then gives each
// named tenant that the stack has its own data, accessible to its first
// service account.
func Program(tenants ...string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		estate, err := stacks.Run(ctx, stacks.Options{})
		if err != nil {
			return err
		}
		for _, name := range tenants {
			t, ok := estate.Tenants[name]
			if !ok {
				continue
			}
			if err := New(ctx, name, Args{Account: t.Account, Tenant: t.WorkloadAccount, ServiceAccount: 0, Share: t.Share}); err != nil {
				return err
			}
		}
		return nil
	}
}

// Args says which tenant gets the data and where.
type Args struct {
	// Account is the workload account. Required.
	Account providers.Account
	// Tenant is the tenant whose service account gets access. Required.
	Tenant *workloadaccount.WorkloadAccount
	// ServiceAccount is the index, in the tenant's service accounts, of the
	// one that gets access. Required.
	ServiceAccount int
	// Share holds the subnets shared with the account, for the database
	// subnet group. Optional.
	Share *sharedsubnets.SharedSubnets
}

// Access is the permission policy: read and write objects of one bucket,
// and items of one table. Nothing else.
func Access(bucketARN, tableARN string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Statement{Sid: "ListTheBucket", Effect: iampolicy.Allow, Action: iampolicy.Values{"s3:ListBucket"}, Resource: iampolicy.Values{bucketARN}},
		iampolicy.Statement{Sid: "ReadWriteObjects", Effect: iampolicy.Allow, Action: iampolicy.Values{"s3:GetObject", "s3:PutObject"}, Resource: iampolicy.Values{bucketARN + "/*"}},
		iampolicy.Statement{Sid: "ReadWriteItems", Effect: iampolicy.Allow,
			Action:   iampolicy.Values{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"},
			Resource: iampolicy.Values{tableARN}},
	)
}

// New creates the bucket, the table, the subnet group and the grant, all
// with the workload account's provider. The data outlives the stack: a
// destroy (or a cluster's retirement) leaves the bucket, its public access
// block and the table in the account (RetainOnDelete); a later stack takes
// them back with pulumi import.
func New(ctx *pulumi.Context, name string, a Args) error {
	in := pulumi.Provider(a.Account.Provider)
	keep := pulumi.RetainOnDelete(true)
	bucket, err := s3.NewBucketV2(ctx, naming.Child(name, "bucket"), &s3.BucketV2Args{
		Bucket: pulumi.String(fmt.Sprintf("%s-data-%s-%s", name, a.Account.ID, a.Account.Region)),
		Tags:   pulumi.StringMap{"tenant": pulumi.String(name)},
	}, in, keep)
	if err != nil {
		return err
	}
	if _, err := s3.NewBucketPublicAccessBlock(ctx, naming.Child(name, "bucket-private"), &s3.BucketPublicAccessBlockArgs{
		Bucket: bucket.ID(), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, in, keep); err != nil {
		return err
	}
	table, err := dynamodb.NewTable(ctx, naming.Child(name, "table"), &dynamodb.TableArgs{
		Name:        pulumi.String(name),
		BillingMode: pulumi.String("PAY_PER_REQUEST"),
		HashKey:     pulumi.String("pk"),
		RangeKey:    pulumi.String("sk"),
		Attributes: dynamodb.TableAttributeArray{
			dynamodb.TableAttributeArgs{Name: pulumi.String("pk"), Type: pulumi.String("S")},
			dynamodb.TableAttributeArgs{Name: pulumi.String("sk"), Type: pulumi.String("S")},
		},
		ServerSideEncryption: &dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true)},
		Tags:                 pulumi.StringMap{"tenant": pulumi.String(name)},
	}, in, keep)
	if err != nil {
		return err
	}
	if a.Share != nil {
		// The subnet IDs are known once the subnets are shared with this
		// account, so the group is not created in subnets it cannot use yet.
		subnets, err := a.Share.SharedWith(a.Account.ID)
		if err != nil {
			return err
		}
		if _, err := rds.NewSubnetGroup(ctx, naming.Child(name, "db-subnets"), &rds.SubnetGroupArgs{
			Name:        pulumi.String(name + "-db"),
			Description: pulumi.String("Subnets shared with " + name + " by RAM"),
			SubnetIds:   subnets,
			Tags:        pulumi.StringMap{"tenant": pulumi.String(name)},
		}, in); err != nil {
			return err
		}
	}
	policy := pulumi.All(bucket.Arn, table.Arn).ApplyT(func(arns []any) (string, error) {
		return Access(arns[0].(string), arns[1].(string)).JSON()
	}).(pulumi.StringOutput)
	_, err = iam.NewRolePolicy(ctx, naming.Child(name, "data-access"), &iam.RolePolicyArgs{
		Role:   a.Tenant.Roles[a.ServiceAccount].RoleName,
		Name:   pulumi.String("data-access"),
		Policy: policy,
	}, in)
	return err
}
