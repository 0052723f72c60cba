package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// Invoke implements pulumirpc.ResourceProviderServer for the data sources
// the library reads: the region's availability zones and who the provider
// acts as.
func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	c := p.caller
	var ret map[string]any
	switch req.GetTok() {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		names, ids := world.Zones(c.Region)
		ret = map[string]any{"id": c.Region, "names": names, "zoneIds": ids}
	case "aws:index/getCallerIdentity:getCallerIdentity":
		session := strings.Replace(c.Principal, ":iam::", ":sts::", 1)
		session = strings.Replace(session, ":role/", ":assumed-role/", 1) + "/pulumi"
		ret = map[string]any{"id": c.Account, "accountId": c.Account, "arn": session, "userId": "AROA" + strings.ToUpper(c.Account) + ":pulumi"}
	case "aws:index/getRegion:getRegion":
		ret = map[string]any{"id": c.Region, "name": c.Region}
	case "aws:index/getPartition:getPartition":
		ret = map[string]any{"id": c.Partition(), "partition": c.Partition(), "dnsSuffix": "amazonaws.com"}
	default:
		return nil, fmt.Errorf("the stand-in AWS does not answer %s", req.GetTok())
	}
	out, err := marshal(resource.NewPropertyMapFromMap(ret))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: out}, nil
}
