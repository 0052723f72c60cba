package aws

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// ClockScaleEnv is how many times faster than AWS's the stand-in's retry
// clock runs (a number, default 1): at 60, the twenty minutes
// terraform-provider-aws retries a subnet's delete take twenty seconds,
// with the same tries in the same order.
const ClockScaleEnv = "EKS_MA_STANDIN_CLOCK_SCALE"

// deleteRetry is how pulumi-aws (terraform-provider-aws underneath) retries
// a delete that EC2 refuses because something still uses the object: on
// the codes, for each phase's time in turn, then once more.
type deleteRetry struct {
	codes  []string
	phases []time.Duration
}

// deleteRetries are terraform-provider-aws's, resource by resource
// (internal/service/ec2 of hashicorp/terraform-provider-aws):
//   - vpc_subnet.go, resourceSubnetDelete: one DeleteSubnet, then, on
//     DependencyViolation, tfresource.RetryWhenAWSErrCodeEquals for the
//     delete timeout (20 minutes);
//   - vpc_security_group.go, resourceSecurityGroupDelete: retries on
//     DependencyViolation and InvalidGroup.InUse for one minute, then
//     (having revoked the rules that touch the group) for the rest of the
//     delete timeout (15 minutes);
//   - vpc_internet_gateway.go, detachInternetGateway: retries the detach on
//     DependencyViolation for the delete timeout (20 minutes);
//   - vpc_.go, resourceVPCDelete: retries on DependencyViolation for
//     vpcDeletedTimeout (5 minutes).
var deleteRetries = map[string]deleteRetry{
	"aws:ec2/subnet:Subnet":                   {codes: []string{"DependencyViolation"}, phases: []time.Duration{20 * time.Minute}},
	"aws:ec2/securityGroup:SecurityGroup":     {codes: []string{"DependencyViolation", "InvalidGroup.InUse"}, phases: []time.Duration{time.Minute, 14 * time.Minute}},
	"aws:ec2/internetGateway:InternetGateway": {codes: []string{"DependencyViolation"}, phases: []time.Duration{20 * time.Minute}},
	"aws:ec2/vpc:Vpc":                         {codes: []string{"DependencyViolation"}, phases: []time.Duration{5 * time.Minute}},
}

// Waits between tries, as the Terraform plugin SDK's retry.RetryContext
// has them (helper/retry's StateChangeConf): 100 ms doubling, at least
// its MinTimeout of 500 ms, at most 10 s.
const (
	firstWait = 100 * time.Millisecond
	minWait   = 500 * time.Millisecond
	maxWait   = 10 * time.Second
)

// clockScale reads ClockScaleEnv.
func clockScale() (float64, error) {
	v := os.Getenv(ClockScaleEnv)
	if v == "" {
		return 1, nil
	}
	scale, err := strconv.ParseFloat(v, 64)
	if err != nil || scale <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive number", ClockScaleEnv, v)
	}
	return scale, nil
}

// retrying runs a delete as pulumi-aws does for its type: once, or with
// the type's retries while AWS answers one of their codes, on a clock
// scale times faster than AWS's.
func retrying(typ string, scale float64, try func() error) error {
	rule, ok := deleteRetries[typ]
	err := try()
	if !ok {
		return err
	}
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) / scale) }
	for _, phase := range rule.phases {
		deadline := time.Now().Add(scaled(phase))
		for wait := firstWait; rule.retries(err) && time.Now().Before(deadline); wait = min(wait*2, maxWait) {
			time.Sleep(scaled(max(wait, minWait)))
			err = try()
		}
		if rule.retries(err) {
			err = try() // RetryWhen calls once more when the time is out
		}
	}
	return err
}

// retries reports whether an error is one the rule retries on.
func (r deleteRetry) retries(err error) bool {
	var refusal *world.Error
	return errors.As(err, &refusal) && slices.Contains(r.codes, refusal.Code)
}
