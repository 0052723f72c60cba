package aws

import (
	"context"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// Invoke implements pulumirpc.ResourceProviderServer for the data sources
// the library reads: who the provider acts as, and what the world answers
// for the caller (zones, add-on versions, instance types, quotas, the
// organization).
func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	c := p.caller
	var ret map[string]any
	switch req.GetTok() {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		session := strings.Replace(c.Principal, ":iam::", ":sts::", 1)
		session = strings.Replace(session, ":role/", ":assumed-role/", 1) + "/pulumi"
		ret = map[string]any{"id": c.Account, "accountId": c.Account, "arn": session, "userId": "AROA" + strings.ToUpper(c.Account) + ":pulumi"}
	case "aws:index/getRegion:getRegion":
		ret = map[string]any{"id": c.Region, "name": c.Region}
	case "aws:index/getPartition:getPartition":
		ret = map[string]any{"id": c.Partition(), "partition": c.Partition(), "dnsSuffix": "amazonaws.com"}
	default:
		args := plain(unmarshal(req.GetArgs()))
		if err := p.world.View(func(s *world.State) error {
			var err error
			ret, err = s.Answer(c, req.GetTok(), args)
			return err
		}); err != nil {
			return nil, err
		}
	}
	out, err := marshal(resource.NewPropertyMapFromMap(ret))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: out}, nil
}
