package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/examples/workloaddata"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

// TestExamplesGrantExactlyTheirOwnData runs the examples' programs on their
// stack files: the workload account creates its bucket, table and database
// subnet group with its own provider, its service account's role may use
// exactly those, and the data (bucket, its public access block, table)
// outlives a destroy.
func TestExamplesGrantExactlyTheirOwnData(t *testing.T) {
	cases := []struct {
		path, tenant, role string
		shared             bool
	}{
		{"../examples/centralized/Pulumi.prod.yaml", "payroll", "prod-payroll-payroll-app", true},
		{"../examples/centralized/Pulumi.dev.yaml", "payroll", "dev-payroll-payroll-app", true},
		{"../examples/decentralized/Pulumi.prod.yaml", "ml", "ml-ml-trainer", true},
		{"../examples/decentralized/Pulumi.dev.yaml", "ml-dev", "ml-dev-ml-dev-trainer", false},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r := runStackFile(t, c.path, workloaddata.Program(c.tenant))
			w := r.tenant(c.tenant)
			rs := r.resources
			bucket := testkit.Named(t, rs, "aws:s3/bucketV2:BucketV2", c.tenant+"-bucket")
			table := testkit.Named(t, rs, "aws:dynamodb/table:Table", c.tenant+"-table")
			block := testkit.Named(t, rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", c.tenant+"-bucket-private")
			grant := testkit.Named(t, rs, "aws:iam/rolePolicy:RolePolicy", c.tenant+"-data-access")
			for _, res := range []string{bucket.Account, table.Account, block.Account, grant.Account} {
				assert.Equal(t, w.AccountID, res, "the workload account owns its data")
			}
			assert.Equal(t, c.role, testkit.Input(grant, "role"))
			for _, kept := range []mockengine.Resource{bucket, table, block} {
				assert.True(t, kept.RetainOnDelete, "%s outlives the stack", kept.Name)
			}
			assert.False(t, grant.RetainOnDelete, "the grant goes with the tenant's role")

			bucketARN, tableARN := bucket.Outputs["arn"].StringValue(), table.Outputs["arn"].StringValue()
			doc := testkit.Policy(t, grant, "policy")
			var resources []string
			for _, s := range doc.Statement {
				assert.Equal(t, iampolicy.Allow, s.Effect)
				resources = append(resources, s.Resource...)
				for _, a := range s.Action {
					assert.NotContains(t, a, "*", "no wildcard actions")
				}
			}
			assert.ElementsMatch(t, []string{bucketARN, bucketARN + "/*", tableARN}, resources, "exactly the bucket, its objects and the table")

			groups := r.ofType("aws:rds/subnetGroup:SubnetGroup")
			if !c.shared {
				assert.Empty(t, groups, "no subnets are shared with a dedicated-VPC account")
				return
			}
			require.Len(t, groups, 1)
			assert.Equal(t, w.AccountID, groups[0].Account)
			var share string
			for _, pa := range r.ofType("aws:ram/principalAssociation:PrincipalAssociation") {
				if testkit.Input(pa, "principal") == w.AccountID {
					share = pa.Parent
				}
			}
			require.NotEmpty(t, share, "%s has a share", c.tenant)
			var shared []any
			for _, a := range r.ofType("aws:ram/resourceAssociation:ResourceAssociation") {
				if a.Parent != share {
					continue
				}
				for _, s := range r.ofType("aws:ec2/subnet:Subnet") {
					if s.Outputs["arn"].StringValue() == testkit.Input(a, "resourceArn") {
						shared = append(shared, s.ID)
					}
				}
			}
			assert.NotEmpty(t, shared)
			assert.ElementsMatch(t, shared, testkit.Value(groups[0], "subnetIds"), "the subnet group uses exactly the subnets shared with the account")
		})
	}
}
