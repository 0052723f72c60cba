// Package trust builds the trust and permission policies of every credential
// path the library creates, one function per mode. Each returns a typed
// iampolicy.Document; nothing here concatenates policy text.
//
//	IRSA              role trusting an IAM OIDC provider (sts:AssumeRoleWithWebIdentity)
//	PodIdentity       role trusted by pods.eks.amazonaws.com, scoped by session tags
//	SharedChaining    a cluster's shared chaining role, scoped to its cluster
//	ChainTarget       a workload-account role trusting one source role, scoped by principal tags
//	ChainingPermissions  what a source role may do: sts:AssumeRole and sts:TagSession on its targets
//	ServiceTrust      a role an AWS service assumes (EC2 for nodes)
//	FargatePods       a cluster's Fargate pod execution role, for its own profiles only
package trust

import (
	"strings"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
)

// Session tag keys that EKS Pod Identity sets on every session it creates.
// They are transitive, so on a chained hop they are the caller's principal
// tags.
const (
	TagClusterARN     = "eks-cluster-arn"
	TagNamespace      = "kubernetes-namespace"
	TagServiceAccount = "kubernetes-service-account"
)

// PodIdentityTagKeys are every session tag key EKS Pod Identity sets
// (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html): the
// keys the library's trust policies decide on, that a chained session may
// pass on, and that the organization's guardrails keep anyone else from
// putting on a role, a user or a session.
var PodIdentityTagKeys = []string{
	TagClusterARN, "eks-cluster-name", TagNamespace,
	"kubernetes-pod-name", "kubernetes-pod-uid", TagServiceAccount,
}

// PodsServicePrincipal is the service principal of EKS Pod Identity.
const PodsServicePrincipal = "pods.eks.amazonaws.com"

// STS actions and the audience IRSA tokens carry.
const (
	ActionAssumeRole             = "sts:AssumeRole"
	ActionTagSession             = "sts:TagSession"
	ActionAssumeRoleWithIdentity = "sts:AssumeRoleWithWebIdentity"
	STSAudience                  = "sts.amazonaws.com"
)

// Identity names one Kubernetes service account of one cluster: the
// triple every trust policy of this library is scoped to.
type Identity struct {
	// ClusterARN is the EKS cluster's ARN.
	ClusterARN string
	// Namespace is the service account's namespace.
	Namespace string
	// ServiceAccount is the service account's name.
	ServiceAccount string
}

// Subject returns the service account's subject in its projected tokens:
// system:serviceaccount:<namespace>:<name>.
func (id Identity) Subject() string {
	return "system:serviceaccount:" + id.Namespace + ":" + id.ServiceAccount
}

func (id Identity) tags(prefix string) map[string]iampolicy.Values {
	return map[string]iampolicy.Values{
		prefix + TagClusterARN:     {id.ClusterARN},
		prefix + TagNamespace:      {id.Namespace},
		prefix + TagServiceAccount: {id.ServiceAccount},
	}
}

// IssuerHostPath strips the scheme from an OIDC issuer URL: IAM names OIDC
// providers and their condition keys by host and path.
func IssuerHostPath(issuerURL string) string {
	return strings.TrimPrefix(issuerURL, "https://")
}

// IRSA is the trust policy of a role reached with IAM roles for service
// accounts: the OIDC provider (in the role's own account) may federate the
// one service account's tokens with the STS audience.
func IRSA(oidcProviderARN, issuerURL string, id Identity) iampolicy.Document {
	host := IssuerHostPath(issuerURL)
	return iampolicy.New(iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: &iampolicy.Principal{Federated: iampolicy.Values{oidcProviderARN}},
		Action:    iampolicy.Values{ActionAssumeRoleWithIdentity},
		Condition: iampolicy.Conditions{"StringEquals": {
			host + ":sub": {id.Subject()},
			host + ":aud": {STSAudience},
		}},
	})
}

// PodIdentity is the trust policy of a same-account Pod Identity role:
// EKS Pod Identity may assume it and tag the session only for the one
// service account of the one cluster, as the request tags it sets say.
func PodIdentity(id Identity) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: &iampolicy.Principal{Service: iampolicy.Values{PodsServicePrincipal}},
		Action:    iampolicy.Values{ActionAssumeRole, ActionTagSession},
		Condition: iampolicy.Conditions{"StringEquals": id.tags("aws:RequestTag/")},
	})
}

// SharedChaining is the trust policy of a cluster's shared chaining role:
// EKS Pod Identity may use it for any service account of this cluster only.
// The cluster ARN names the account too, so no other account's cluster can
// reach it. Which target a session may then assume is decided by the
// targets' trust policies.
func SharedChaining(clusterARN string) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: &iampolicy.Principal{Service: iampolicy.Values{PodsServicePrincipal}},
		Action:    iampolicy.Values{ActionAssumeRole, ActionTagSession},
		Condition: iampolicy.Conditions{"StringEquals": {
			"aws:RequestTag/" + TagClusterARN: {clusterARN},
		}},
	})
}

// ChainTarget is the trust policy of a role chained to from a Pod Identity
// source role: only that source role (by ARN, never the account root) may
// assume it and pass on its session tags, only in a session whose
// transitive tags name the one service account of the one cluster, and
// with no session tag but Pod Identity's own keys (a chained session may
// add no tag of its choosing).
//
// The statement's Sid carries the source role's unique ID. When the source
// role is replaced, its unique ID changes, so this policy changes too and
// IAM resolves the ARN afresh instead of keeping a dangling principal.
func ChainTarget(sourceRoleARN, sourceRoleUniqueID string, id Identity) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Sid:       ChainTargetSid(sourceRoleUniqueID),
		Effect:    iampolicy.Allow,
		Principal: &iampolicy.Principal{AWS: iampolicy.Values{sourceRoleARN}},
		Action:    iampolicy.Values{ActionAssumeRole, ActionTagSession},
		Condition: iampolicy.Conditions{
			"StringEquals":              id.tags("aws:PrincipalTag/"),
			"ForAllValues:StringEquals": {"aws:TagKeys": iampolicy.Values(PodIdentityTagKeys)},
		},
	})
}

// ChainTargetSid is the Sid of a chain target's trust statement for a
// source role with the given unique ID.
func ChainTargetSid(sourceRoleUniqueID string) string {
	return "ChainFrom" + sourceRoleUniqueID
}

// ChainingPermissions is the permission policy of a chaining (source) role:
// sts:AssumeRole and sts:TagSession on the given role ARNs or ARN patterns,
// and nothing else.
func ChainingPermissions(targets ...string) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Effect:   iampolicy.Allow,
		Action:   iampolicy.Values{ActionAssumeRole, ActionTagSession},
		Resource: iampolicy.Values(targets),
	})
}

// ServiceTrust is the trust policy of a role that an AWS service assumes
// on the account's behalf, such as EC2 for node roles.
func ServiceTrust(servicePrincipal string) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: &iampolicy.Principal{Service: iampolicy.Values{servicePrincipal}},
		Action:    iampolicy.Values{ActionAssumeRole},
	})
}

// FargatePodsPrincipal is the service principal of EKS Fargate pods.
const FargatePodsPrincipal = "eks-fargate-pods.amazonaws.com"

// FargatePods is the trust policy of a cluster's Fargate pod execution
// role: EKS Fargate may assume it for the cluster's own Fargate profiles
// only (aws:SourceArn, as EKS recommends against the confused deputy:
// https://docs.aws.amazon.com/eks/latest/userguide/pod-execution-role.html).
func FargatePods(clusterFargateProfilesARN string) iampolicy.Document {
	doc := ServiceTrust(FargatePodsPrincipal)
	doc.Statement[0].Condition = iampolicy.Conditions{"ArnLike": {"aws:SourceArn": {clusterFargateProfilesARN}}}
	return doc
}
