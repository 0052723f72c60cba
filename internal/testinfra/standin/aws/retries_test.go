package aws

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// countingTries fails with code until it has been called `fails` times.
func countingTries(code string, fails int) (func() error, *int) {
	n := new(int)
	return func() error {
		*n++
		if *n <= fails {
			return &world.Error{Action: "Delete", Code: code, Message: "in use"}
		}
		return nil
	}, n
}

// A delete EC2 refuses for what still uses the object is retried as
// terraform-provider-aws retries it, until it succeeds.
func TestDeletesAreRetriedWhileSomethingStillUsesTheObject(t *testing.T) {
	try, n := countingTries("DependencyViolation", 3)
	require.NoError(t, retrying("aws:ec2/subnet:Subnet", 1000, try))
	assert.Equal(t, 4, *n)

	try, n = countingTries("InvalidGroup.InUse", 2)
	require.NoError(t, retrying("aws:ec2/securityGroup:SecurityGroup", 1000, try))
	assert.Equal(t, 3, *n)
}

// A refusal that outlasts the retries fails the delete, on the scaled
// clock: a security group's fifteen minutes take under a second at 1200
// times AWS's speed, with the tries of both phases.
func TestARefusalThatOutlastsTheRetriesFails(t *testing.T) {
	try, n := countingTries("DependencyViolation", 1<<30)
	start := time.Now()
	err := retrying("aws:ec2/securityGroup:SecurityGroup", 1200, try)
	var refusal *world.Error
	require.ErrorAs(t, err, &refusal)
	assert.Equal(t, "DependencyViolation", refusal.Code)
	assert.Less(t, time.Since(start), 2*time.Second)
	// One minute of 0.5, 1, 2, 4, 8, 10... second waits, a last try, then
	// fourteen minutes of the same and a last try: well over a hundred.
	assert.Greater(t, *n, 90)
}

// Other errors, and other types, are not retried.
func TestOnlyDependencyRefusalsAreRetried(t *testing.T) {
	try, n := countingTries("InvalidParameterValue", 5)
	require.Error(t, retrying("aws:ec2/subnet:Subnet", 1000, try))
	assert.Equal(t, 1, *n)
	try, n = countingTries("DependencyViolation", 5)
	require.Error(t, retrying("aws:ec2/routeTable:RouteTable", 1000, try))
	assert.Equal(t, 1, *n)
}
