package mockengine

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// IssuerURL is the OIDC issuer URL the engine gives the EKS cluster called
// name in an account and region: the same for the same cluster, different
// for every other, shaped as EKS shapes it.
func IssuerURL(account, region, name string) string {
	id := strings.ToUpper(digest(32, "issuer|", account, "|", region, "|", name))
	return "https://oidc.eks." + region + "." + dnsSuffixOf(region) + "/id/" + id
}

// clusterOutputs fabricates what pulumi-eks returns for eks:index:Cluster.
//
// pulumi-eks creates the aws:eks/cluster:Cluster inside the remote
// component, and Pulumi's mock monitor never sees that child: it resolves a
// resource reference only to a URN it has registered. So eksCluster refers
// to the component's own URN, and the component's state carries the fields
// of the EKS cluster (arn, identities, endpoint, ...) that the reference
// then reads. Other resource-typed outputs are left out rather than faked.
func clusterOutputs(f *fab) string {
	name := f.name()
	clusterARN := f.arn("eks", "cluster/"+name)
	endpoint := endpointOf(clusterARN, f.r.Region)
	f.set("arn", clusterARN)
	f.set("endpoint", endpoint)
	f.set("identities", []any{map[string]any{"oidcs": []any{map[string]any{"issuer": IssuerURL(f.r.Account, f.r.Region, name)}}}})
	f.set("certificateAuthority", map[string]any{"data": certificateData})
	f.set("status", "ACTIVE")
	f.set("vpcConfig", map[string]any{"clusterSecurityGroupId": f.ec2ID("sg"), "vpcId": f.input("vpcId")})

	kubeconfig := kubeconfigFor(clusterARN, name, f.r.Region, endpoint, roleARNOf(f.r.Inputs))
	f.set("kubeconfig", kubeconfig)
	text, _ := json.Marshal(kubeconfig)
	f.out["kubeconfigJson"] = resource.MakeSecret(resource.NewProperty(string(text)))
	f.out["eksCluster"] = resource.NewProperty(resource.ResourceReference{
		URN:  resource.URN(f.r.URN),
		Name: f.r.Name + "-eksCluster",
		Type: "aws:eks/cluster:Cluster",
		ID:   resource.NewProperty(name),
	})
	return name
}

// certificateData is a fixed stand-in for the cluster CA bundle.
var certificateData = base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nmock\n-----END CERTIFICATE-----\n"))

// Kubeconfig returns the kubeconfig the engine gives the cluster called
// name in an account and region, for tests that need a Kubernetes provider
// of a cluster they did not create.
func Kubeconfig(account, region, name, roleARN string) map[string]any {
	arn := fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", partitionOf(region), region, account, name)
	return kubeconfigFor(arn, name, region, endpointOf(arn, region), roleARN)
}

// endpointOf is the API server endpoint of the cluster with this ARN,
// shaped as EKS shapes it.
func endpointOf(clusterARN, region string) string {
	return "https://" + strings.ToUpper(digest(32, clusterARN)) + ".gr7." + region + "." + dnsSuffixOf(region)
}

// roleARNOf reads providerCredentialOpts.roleArn from cluster inputs.
func roleARNOf(inputs resource.PropertyMap) string {
	opts := inputs["providerCredentialOpts"]
	if !opts.IsObject() {
		return ""
	}
	return str(opts.ObjectValue()["roleArn"])
}

// kubeconfigFor builds the kubeconfig pulumi-eks would: the cluster named by
// its ARN, and a user that runs `aws eks get-token`, assuming roleARN when
// one is given.
func kubeconfigFor(clusterARN, name, region, endpoint, roleARN string) map[string]any {
	args := []any{"--region", region, "eks", "get-token", "--cluster-name", name, "--output", "json"}
	if roleARN != "" {
		args = append(args, "--role-arn", roleARN)
	}
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Config",
		"clusters": []any{map[string]any{"name": clusterARN, "cluster": map[string]any{
			"server": endpoint, "certificate-authority-data": certificateData,
		}}},
		"contexts": []any{map[string]any{"name": clusterARN, "context": map[string]any{
			"cluster": clusterARN, "user": clusterARN,
		}}},
		"current-context": clusterARN,
		"users": []any{map[string]any{"name": clusterARN, "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws", "args": args,
		}}}},
	}
}

// answer replies to an invoke made through a provider placed at p.
func (e *Engine) answer(token string, args resource.PropertyMap, p Placement) (resource.PropertyMap, error) {
	var out map[string]any
	var err error
	switch token {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		out = availabilityZones(p.Region, args)
	case "aws:index/getCallerIdentity:getCallerIdentity":
		out = map[string]any{
			"accountId": p.Account,
			"arn":       fmt.Sprintf("arn:aws:sts::%s:assumed-role/deploy/eks-multi-account", p.Account),
			"userId":    "AROA" + strings.ToUpper(digest(17, p.Account)) + ":eks-multi-account",
		}
	case "aws:eks/getAddonVersion:getAddonVersion":
		out, err = addonVersion(args)
	case "aws:ec2/getInstanceType:getInstanceType":
		out, err = instanceType(args)
	case "aws:servicequotas/getServiceQuota:getServiceQuota":
		out, err = e.serviceQuota(args)
	case "aws:organizations/getOrganization:getOrganization":
		out = e.organization(p)
	case "aws:organizations/getPoliciesForTarget:getPoliciesForTarget":
		out = policiesForTarget(args)
	case "aws:organizations/getPolicy:getPolicy":
		out = policy(args)
	case "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts":
		out = e.descendantAccounts(args)
	default:
		return nil, fmt.Errorf("the mock engine does not answer invoke %s", token)
	}
	if err != nil {
		return nil, err
	}
	return resource.NewPropertyMapFromMap(out), nil
}

// regionCode abbreviates a region as its zone IDs do: the geography whole,
// then the direction's initials, then the number (us-east-1 gives use1,
// ap-northeast-1 apne1, eu-central-1 euc1; https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html).
func regionCode(region string) string {
	parts := strings.Split(region, "-")
	var b strings.Builder
	for i, part := range parts {
		switch {
		case i == 0 || i == len(parts)-1:
			b.WriteString(part)
		case part == "central":
			b.WriteByte('c')
		default:
			for _, dir := range []string{"north", "south", "east", "west", "gov"} {
				if strings.Contains(part, dir) {
					b.WriteByte(dir[0])
				}
			}
		}
	}
	return b.String()
}
