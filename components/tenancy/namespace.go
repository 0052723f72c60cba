package tenancy

import (
	"cmp"
	"fmt"
	"net/netip"
	"regexp"
	"slices"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Labels the tenant's namespace carries.
const (
	TenantLabel    = "eks-multi-account/tenant"
	AccountLabel   = "eks-multi-account/account-id"
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// PodSecurityEnforceLabel and PodSecurityWarnLabel set the Pod Security
	// Standard the API server enforces on the namespace's pods, and the one
	// it warns about (https://kubernetes.io/docs/concepts/security/pod-security-admission/).
	PodSecurityEnforceLabel = "pod-security.kubernetes.io/enforce"
	PodSecurityWarnLabel    = "pod-security.kubernetes.io/warn"
)

// Pod Security Standards a tenant's namespace may enforce: restricted, the
// default, as AWS's tenant-isolation guidance asks
// (https://docs.aws.amazon.com/eks/latest/best-practices/tenant-isolation.html),
// or baseline for workloads that cannot run restricted yet.
const (
	PodSecurityRestricted = "restricted"
	PodSecurityBaseline   = "baseline"
)

// PodSecurityLevels are the levels a namespace may enforce.
var PodSecurityLevels = []string{PodSecurityRestricted, PodSecurityBaseline}

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

// Namespace describes a tenant's namespace.
type Namespace struct {
	// Name is the namespace. Required.
	Name string `json:"namespace"`
	// Labels are added to the namespace. Optional.
	Labels map[string]string `json:"labels,omitempty"`
	// Quota caps what the namespace may request. Required.
	Quota Quota `json:"quota"`
	// Limits are the default container requests and limits. Optional.
	Limits Limits `json:"limits,omitempty"`
	// IPv6 adds the IPv6 addresses of the Pod Identity agent and of
	// instance metadata to the default network policy. Optional.
	IPv6 bool `json:"ipv6,omitempty"`
	// Egress are destinations the default network policy lets the
	// namespace's pods reach beyond what it always allows, such as a
	// database in the subnets shared with the tenant's account. Optional.
	Egress []EgressRule `json:"egress,omitempty"`
	// PodSecurity is the Pod Security Standard the namespace enforces:
	// restricted or baseline. Optional; default restricted.
	PodSecurity string `json:"podSecurity,omitempty"`
}

// podSecurity is the level the namespace enforces, the default applied.
func (n Namespace) podSecurity() string { return cmp.Or(n.PodSecurity, PodSecurityRestricted) }

// EgressRule lets pods reach some blocks, on some ports or on all.
type EgressRule struct {
	// CIDRs are the blocks. Required. Example: ["10.0.0.0/19"].
	CIDRs []string `json:"cidrs"`
	// Ports are the ports; none means every port. Optional.
	Ports []Port `json:"ports,omitempty"`
}

// Port is a port and its protocol.
type Port struct {
	// Port is the port number, 1 to 65535. Required.
	Port int `json:"port"`
	// Protocol is TCP, UDP or SCTP. Optional; default TCP.
	Protocol string `json:"protocol,omitempty"`
}

// protocols are the protocols a NetworkPolicy port may name.
var protocols = []string{"TCP", "UDP", "SCTP"}

// protocol returns the port's protocol, the default applied.
func (p Port) protocol() string { return cmp.Or(p.Protocol, "TCP") }

// Quota is the namespace's resource quota. Quantities use Kubernetes
// notation.
type Quota struct {
	// CPU caps the sum of CPU requests and of CPU limits. Required.
	// Example: "16".
	CPU string `json:"cpu"`
	// Memory caps the sum of memory requests and of memory limits.
	// Required. Example: "64Gi".
	Memory string `json:"memory"`
	// Pods caps the number of pods. Required. Example: 100.
	Pods int `json:"pods"`
}

// Limits are the LimitRange defaults of containers that set none. Each is
// optional; the defaults are 100m/128Mi requested and 500m/512Mi limit.
type Limits struct {
	// DefaultRequestCPU is requested by a container that requests no CPU.
	DefaultRequestCPU string `json:"defaultRequestCpu,omitempty"`
	// DefaultRequestMemory is requested by a container that requests no
	// memory.
	DefaultRequestMemory string `json:"defaultRequestMemory,omitempty"`
	// DefaultCPU limits the CPU of a container that sets no limit.
	DefaultCPU string `json:"defaultCpu,omitempty"`
	// DefaultMemory limits the memory of a container that sets no limit.
	DefaultMemory string `json:"defaultMemory,omitempty"`
}

// WithDefaults returns the limits with every unset value defaulted.
func (l Limits) WithDefaults() Limits {
	l.DefaultRequestCPU = cmp.Or(l.DefaultRequestCPU, "100m")
	l.DefaultRequestMemory = cmp.Or(l.DefaultRequestMemory, "128Mi")
	l.DefaultCPU = cmp.Or(l.DefaultCPU, "500m")
	l.DefaultMemory = cmp.Or(l.DefaultMemory, "512Mi")
	return l
}

// Check records every limit that is not a quantity, under the key path
// prefix.
func (l Limits) Check(prefix string, ps *validate.Problems) {
	l = l.WithDefaults()
	for _, q := range []struct{ key, value string }{
		{"defaultRequestCpu", l.DefaultRequestCPU}, {"defaultRequestMemory", l.DefaultRequestMemory},
		{"defaultCpu", l.DefaultCPU}, {"defaultMemory", l.DefaultMemory},
	} {
		if !IsQuantity(q.value) {
			ps.Add(validate.Path(prefix, q.key), q.value, "is not a Kubernetes quantity such as 500m or 512Mi")
		}
	}
}

var quantity = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`)

// IsQuantity reports whether s is a Kubernetes resource quantity in the
// plain notation this library accepts ("500m", "16", "64Gi").
func IsQuantity(s string) bool { return quantity.MatchString(s) }

// Check records every problem with the namespace under the key path
// prefix. It checks what the client can; the API server has the last word
// (a default request above its limit, for one).
func (n Namespace) Check(prefix string, ps *validate.Problems) {
	if !validate.IsDNS1123Label(n.Name) {
		ps.Add(validate.Path(prefix, "namespace"), n.Name, "is not a valid Kubernetes namespace name (DNS-1123 label)")
	}
	for _, q := range []struct{ key, value string }{{"quota.cpu", n.Quota.CPU}, {"quota.memory", n.Quota.Memory}} {
		if !IsQuantity(q.value) {
			ps.Add(validate.Path(prefix, q.key), q.value, "is not a Kubernetes quantity such as 16, 500m or 64Gi")
		}
	}
	if n.Quota.Pods < 1 {
		ps.Add(validate.Path(prefix, "quota.pods"), n.Quota.Pods, "must be at least 1")
	}
	if !slices.Contains(PodSecurityLevels, n.podSecurity()) {
		ps.Addf(validate.Path(prefix, "podSecurity"), n.PodSecurity, "is not one of %v", PodSecurityLevels)
	}
	n.Limits.Check(validate.Path(prefix, "limits"), ps)
	for i, e := range n.Egress {
		p := validate.Index(validate.Path(prefix, "egress"), i)
		if len(e.CIDRs) == 0 {
			ps.Missing(p + ".cidrs")
		}
		for j, c := range e.CIDRs {
			if _, err := netip.ParsePrefix(c); err != nil {
				ps.Add(validate.Index(p+".cidrs", j), c, "is not a CIDR block")
			}
		}
		for j, port := range e.Ports {
			pp := validate.Index(p+".ports", j)
			if port.Port < 1 || port.Port > 65535 {
				ps.Add(pp+".port", port.Port, "is outside 1..65535")
			}
			if !slices.Contains(protocols, port.protocol()) {
				ps.Addf(pp+".protocol", port.Protocol, "is not one of %v", protocols)
			}
		}
	}
}

// NewNamespace creates the namespace, its quota, limit range and default
// network policy, named name-ns, name-quota, name-limits and name-netpol,
// with opts (the caller's parent and Kubernetes provider), and returns the
// namespace.
func NewNamespace(ctx *pulumi.Context, name string, n Namespace, opts ...pulumi.ResourceOption) (*corev1.Namespace, error) {
	labels := pulumi.StringMap{
		ManagedByLabel:          pulumi.String("eks-multi-account"),
		PodSecurityEnforceLabel: pulumi.String(n.podSecurity()),
		PodSecurityWarnLabel:    pulumi.String(PodSecurityRestricted),
	}
	for k, v := range n.Labels {
		labels[k] = pulumi.String(v)
	}
	ns, err := corev1.NewNamespace(ctx, naming.Child(name, "ns"), &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(n.Name), Labels: labels},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating namespace: %w", err)
	}
	inNS := append(slices.Clone(opts), pulumi.DependsOn([]pulumi.Resource{ns}))
	meta := func(object string) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{
			Name:      pulumi.String(object),
			Namespace: pulumi.String(n.Name),
			Labels:    pulumi.ToStringMap(objectLabels(n.Labels)),
		}
	}
	q := n.Quota
	if _, err := corev1.NewResourceQuota(ctx, naming.Child(name, "quota"), &corev1.ResourceQuotaArgs{
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
	l := n.Limits.WithDefaults()
	if _, err := corev1.NewLimitRange(ctx, naming.Child(name, "limits"), &corev1.LimitRangeArgs{
		Metadata: meta("tenant-limits"),
		Spec: &corev1.LimitRangeSpecArgs{Limits: corev1.LimitRangeItemArray{corev1.LimitRangeItemArgs{
			Type:           pulumi.String("Container"),
			DefaultRequest: pulumi.StringMap{"cpu": pulumi.String(l.DefaultRequestCPU), "memory": pulumi.String(l.DefaultRequestMemory)},
			Default:        pulumi.StringMap{"cpu": pulumi.String(l.DefaultCPU), "memory": pulumi.String(l.DefaultMemory)},
		}}},
	}, inNS...); err != nil {
		return nil, fmt.Errorf("creating limit range: %w", err)
	}
	if _, err := networkingv1.NewNetworkPolicy(ctx, naming.Child(name, "netpol"), &networkingv1.NetworkPolicyArgs{
		Metadata: meta("tenant-default"),
		Spec:     defaultNetworkPolicy(n.IPv6, n.Egress),
	}, inNS...); err != nil {
		return nil, fmt.Errorf("creating network policy: %w", err)
	}
	return ns, nil
}

// objectLabels are the labels of the objects inside a tenant namespace:
// the tenant label, if any, and managed-by.
func objectLabels(nsLabels map[string]string) map[string]string {
	out := map[string]string{ManagedByLabel: "eks-multi-account"}
	if t, ok := nsLabels[TenantLabel]; ok {
		out[TenantLabel] = t
	}
	return out
}

// defaultNetworkPolicy isolates the namespace: ingress only from its own
// pods; egress to its own pods, cluster DNS, the Pod Identity agent, HTTPS
// anywhere except the instance metadata service, and the tenant's own
// egress rules.
func defaultNetworkPolicy(ipv6 bool, extra []EgressRule) *networkingv1.NetworkPolicySpecArgs {
	sameNamespace := networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{PodSelector: &metav1.LabelSelectorArgs{}}}
	agents := networkingv1.NetworkPolicyPeerArray{ipPeer(PodIdentityAgentIPv4)}
	https := networkingv1.NetworkPolicyPeerArray{ipPeer("0.0.0.0/0", InstanceMetadataIPv4)}
	if ipv6 {
		agents = append(agents, ipPeer(PodIdentityAgentIPv6))
		https = append(https, ipPeer("::/0", InstanceMetadataIPv6))
	}
	egress := networkingv1.NetworkPolicyEgressRuleArray{
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
	}
	for _, e := range extra {
		var to networkingv1.NetworkPolicyPeerArray
		for _, c := range e.CIDRs {
			to = append(to, ipPeer(c))
		}
		rule := networkingv1.NetworkPolicyEgressRuleArgs{To: to}
		var ports networkingv1.NetworkPolicyPortArray
		for _, p := range e.Ports {
			ports = append(ports, port(p.protocol(), p.Port))
		}
		if len(ports) > 0 {
			rule.Ports = ports
		}
		egress = append(egress, rule)
	}
	return &networkingv1.NetworkPolicySpecArgs{
		PodSelector: &metav1.LabelSelectorArgs{},
		PolicyTypes: pulumi.ToStringArray([]string{"Ingress", "Egress"}),
		Ingress:     networkingv1.NetworkPolicyIngressRuleArray{networkingv1.NetworkPolicyIngressRuleArgs{From: sameNamespace}},
		Egress:      egress,
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
