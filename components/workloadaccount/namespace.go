package workloadaccount

import (
	"fmt"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/naming"
)

// Labels the tenant's namespace carries.
const (
	TenantLabel    = "eks-multi-account/tenant"
	AccountLabel   = "eks-multi-account/account-id"
	ManagedByLabel = "app.kubernetes.io/managed-by"
)

// Addresses the default network policy lets pods reach, or keeps them from.
const (
	// PodIdentityAgentIPv4 and PodIdentityAgentIPv6 are where the EKS Pod
	// Identity agent serves credentials, on port 80.
	PodIdentityAgentIPv4 = "169.254.170.23/32"
	PodIdentityAgentIPv6 = "fd00:ec2::23/128"
	// InstanceMetadataIPv4 and InstanceMetadataIPv6 are the instance
	// metadata service, which tenants must not reach.
	InstanceMetadataIPv4 = "169.254.169.254/32"
	InstanceMetadataIPv6 = "fd00:ec2::254/128"
)

// namespaceObjects creates the namespace, its quota, limit range and
// default network policy, and returns the namespace.
func (b *builder) namespaceObjects() (*corev1.Namespace, error) {
	a := b.args
	k8s := b.opts(a.Cluster.KubernetesProvider)
	ns, err := corev1.NewNamespace(b.ctx, naming.Child(b.name, "ns"), &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(a.namespace()),
			Labels: pulumi.StringMap{
				TenantLabel:                          pulumi.String(a.Tenant),
				AccountLabel:                         pulumi.String(a.Account.ID),
				ManagedByLabel:                       pulumi.String("eks-multi-account"),
				"pod-security.kubernetes.io/enforce": pulumi.String("baseline"),
				"pod-security.kubernetes.io/warn":    pulumi.String("restricted"),
			},
		},
	}, k8s...)
	if err != nil {
		return nil, fmt.Errorf("creating namespace: %w", err)
	}
	inNS := b.opts(a.Cluster.KubernetesProvider, pulumi.DependsOn([]pulumi.Resource{ns}))
	meta := func(name string) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{
			Name:      pulumi.String(name),
			Namespace: pulumi.String(a.namespace()),
			Labels:    pulumi.StringMap{TenantLabel: pulumi.String(a.Tenant), ManagedByLabel: pulumi.String("eks-multi-account")},
		}
	}
	q := a.Quota
	if _, err := corev1.NewResourceQuota(b.ctx, naming.Child(b.name, "quota"), &corev1.ResourceQuotaArgs{
		Metadata: meta("tenant-quota"),
		Spec: &corev1.ResourceQuotaSpecArgs{Hard: pulumi.StringMap{
			"requests.cpu":    pulumi.String(q.CPU),
			"limits.cpu":      pulumi.String(q.CPU),
			"requests.memory": pulumi.String(q.Memory),
			"limits.memory":   pulumi.String(q.Memory),
			"pods":            pulumi.String(fmt.Sprint(q.Pods)),
		}},
	}, inNS...); err != nil {
		return nil, fmt.Errorf("creating resource quota: %w", err)
	}
	l := a.limits()
	if _, err := corev1.NewLimitRange(b.ctx, naming.Child(b.name, "limits"), &corev1.LimitRangeArgs{
		Metadata: meta("tenant-limits"),
		Spec: &corev1.LimitRangeSpecArgs{Limits: corev1.LimitRangeItemArray{corev1.LimitRangeItemArgs{
			Type:           pulumi.String("Container"),
			DefaultRequest: pulumi.StringMap{"cpu": pulumi.String(l.DefaultRequestCPU), "memory": pulumi.String(l.DefaultRequestMemory)},
			Default:        pulumi.StringMap{"cpu": pulumi.String(l.DefaultCPU), "memory": pulumi.String(l.DefaultMemory)},
		}}},
	}, inNS...); err != nil {
		return nil, fmt.Errorf("creating limit range: %w", err)
	}
	if _, err := networkingv1.NewNetworkPolicy(b.ctx, naming.Child(b.name, "netpol"), &networkingv1.NetworkPolicyArgs{
		Metadata: meta("tenant-default"),
		Spec:     defaultNetworkPolicy(a.IPv6),
	}, inNS...); err != nil {
		return nil, fmt.Errorf("creating network policy: %w", err)
	}
	return ns, nil
}

// defaultNetworkPolicy isolates the namespace: ingress only from its own
// pods; egress to its own pods, cluster DNS, the Pod Identity agent, and
// HTTPS anywhere except the instance metadata service.
func defaultNetworkPolicy(ipv6 bool) *networkingv1.NetworkPolicySpecArgs {
	sameNamespace := networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{PodSelector: &metav1.LabelSelectorArgs{}}}
	agents := networkingv1.NetworkPolicyPeerArray{ipPeer(PodIdentityAgentIPv4)}
	https := networkingv1.NetworkPolicyPeerArray{ipPeer("0.0.0.0/0", InstanceMetadataIPv4)}
	if ipv6 {
		agents = append(agents, ipPeer(PodIdentityAgentIPv6))
		https = append(https, ipPeer("::/0", InstanceMetadataIPv6))
	}
	return &networkingv1.NetworkPolicySpecArgs{
		PodSelector: &metav1.LabelSelectorArgs{},
		PolicyTypes: pulumi.ToStringArray([]string{"Ingress", "Egress"}),
		Ingress:     networkingv1.NetworkPolicyIngressRuleArray{networkingv1.NetworkPolicyIngressRuleArgs{From: sameNamespace}},
		Egress: networkingv1.NetworkPolicyEgressRuleArray{
			networkingv1.NetworkPolicyEgressRuleArgs{To: sameNamespace},
			networkingv1.NetworkPolicyEgressRuleArgs{
				To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
					NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("kube-system")}},
					PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"k8s-app": pulumi.String("kube-dns")}},
				}},
				Ports: networkingv1.NetworkPolicyPortArray{port("UDP", 53), port("TCP", 53)},
			},
			networkingv1.NetworkPolicyEgressRuleArgs{To: agents, Ports: networkingv1.NetworkPolicyPortArray{port("TCP", 80)}},
			networkingv1.NetworkPolicyEgressRuleArgs{To: https, Ports: networkingv1.NetworkPolicyPortArray{port("TCP", 443)}},
		},
	}
}

func ipPeer(cidr string, except ...string) networkingv1.NetworkPolicyPeerArgs {
	block := &networkingv1.IPBlockArgs{Cidr: pulumi.String(cidr)}
	if len(except) > 0 {
		block.Except = pulumi.ToStringArray(except)
	}
	return networkingv1.NetworkPolicyPeerArgs{IpBlock: block}
}

func port(protocol string, n int) networkingv1.NetworkPolicyPortArgs {
	return networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String(protocol), Port: pulumi.Int(n)}
}
