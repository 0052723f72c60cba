package plan

import (
	"fmt"
	"github.com/eks-multi-account/eks-multi-account/components/partition"

	"github.com/eks-multi-account/eks-multi-account/components/trust"
)

// OIDCProvider is an IAM OIDC identity provider the plan creates.
type OIDCProvider struct {
	// ARN is the provider's ARN.
	ARN string
	// Account is the account it is in.
	Account string
	// URL is the issuer URL it trusts.
	URL string
	// Resource is the URN of the resource that creates it: the provider
	// itself, or the pulumi-eks cluster that creates one inside it.
	Resource string
}

// OIDCProviders returns every IAM OIDC provider of the plan, in resource
// order: those the program registers, and the one pulumi-eks creates inside
// each cluster with createOidcProvider for the cluster's issuer, in the
// cluster's account (a child of the remote component, which the plan does
// not list on its own).
func (d *Document) OIDCProviders() []OIDCProvider {
	var out []OIDCProvider
	for _, r := range d.Resources {
		switch {
		case r.Type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
			arn, _ := r.Outputs["arn"].(string)
			url, _ := r.Inputs["url"].(string)
			out = append(out, OIDCProvider{ARN: arn, Account: r.Account, URL: url, Resource: r.URN})
		case r.Type == "eks:index:Cluster" && r.Inputs["createOidcProvider"] == true:
			url := Issuer(r)
			arn := fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", partition.Of(r.Region), r.Account, trust.IssuerHostPath(url))
			out = append(out, OIDCProvider{ARN: arn, Account: r.Account, URL: url, Resource: r.URN})
		}
	}
	return out
}

// Issuer returns the OIDC issuer URL of a pulumi-eks cluster, from the
// outputs of its EKS cluster, or "" when it is not known.
func Issuer(cluster Resource) string {
	ids, _ := cluster.Outputs["identities"].([]any)
	if len(ids) == 0 {
		return ""
	}
	oidcs, _ := ids[0].(map[string]any)["oidcs"].([]any)
	if len(oidcs) == 0 {
		return ""
	}
	issuer, _ := oidcs[0].(map[string]any)["issuer"].(string)
	return issuer
}
