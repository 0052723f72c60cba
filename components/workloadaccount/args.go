package workloadaccount

import (
	"regexp"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Args configures a WorkloadAccount: one tenant of a cluster.
type Args struct {
	// Tenant names the tenant in labels and descriptions. Required.
	// Example: "payroll".
	Tenant string
	// Cluster is the host cluster. Required.
	Cluster clusterref.Cluster
	// Account is the workload account, where the tenant's roles and
	// resources live. Required.
	Account providers.Account
	// Namespace is the tenant's namespace. Optional; default Tenant.
	Namespace string
	// Identity is the credential mode of the tenant's service accounts:
	// irsa or podIdentityChain for a tenant in another account,
	// podIdentity or irsa for one in the cluster's own. Required when
	// there are service accounts.
	Identity crossaccountrole.Mode
	// UseSharedChainingRole makes podIdentityChain service accounts start
	// from the cluster's shared chaining role. Optional; default false.
	UseSharedChainingRole bool
	// Quota caps what the namespace may request. Required.
	Quota Quota
	// Limits are the default container requests and limits. Optional;
	// defaults 100m/128Mi requested, 500m/512Mi limit.
	Limits Limits
	// Admins are IAM role ARNs (any account) given admin access to the
	// namespace only, by EKS access entries. Optional.
	Admins []string
	// ServiceAccounts are created in the namespace, each with its role.
	// Optional.
	ServiceAccounts []ServiceAccount
	// IPv6 adds the IPv6 addresses of the Pod Identity agent and of
	// instance metadata to the default network policy. Optional.
	IPv6 bool
	// Tags are added to every taggable AWS resource. Optional.
	Tags map[string]string
}

// Quota is the namespace's resource quota. Quantities use Kubernetes
// notation.
type Quota struct {
	// CPU caps the sum of CPU requests and of CPU limits. Required.
	// Example: "16".
	CPU string
	// Memory caps the sum of memory requests and of memory limits.
	// Required. Example: "64Gi".
	Memory string
	// Pods caps the number of pods. Required. Example: 100.
	Pods int
}

// Limits are the LimitRange defaults of containers that set none.
type Limits struct {
	DefaultRequestCPU, DefaultRequestMemory string
	DefaultCPU, DefaultMemory               string
}

// ServiceAccount is one service account of the tenant and its role.
type ServiceAccount struct {
	// Name is the service account's name. Required.
	Name string
	// Identity overrides the tenant's Identity. Optional.
	Identity crossaccountrole.Mode
	// RoleName overrides the generated role name. Optional.
	RoleName string
	// ManagedPolicyArns are attached to its role. Optional.
	ManagedPolicyArns []string
	// Policy is an inline JSON permission policy for its role. Optional.
	Policy string
	// SessionDurationSeconds is its session length. Optional; default 3600.
	SessionDurationSeconds int
}

var quantity = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`)

// IsQuantity reports whether s is a Kubernetes resource quantity in the
// plain notation this library accepts ("500m", "16", "64Gi").
func IsQuantity(s string) bool { return quantity.MatchString(s) }

func (a *Args) namespace() string {
	if a.Namespace == "" {
		return a.Tenant
	}
	return a.Namespace
}

func (a *Args) limits() Limits {
	l := a.Limits
	l.DefaultRequestCPU = or(l.DefaultRequestCPU, "100m")
	l.DefaultRequestMemory = or(l.DefaultRequestMemory, "128Mi")
	l.DefaultCPU = or(l.DefaultCPU, "500m")
	l.DefaultMemory = or(l.DefaultMemory, "512Mi")
	return l
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (sa ServiceAccount) mode(tenant crossaccountrole.Mode) crossaccountrole.Mode {
	if sa.Identity != "" {
		return sa.Identity
	}
	return tenant
}

// usesIRSA reports whether any service account uses IRSA.
func (a *Args) usesIRSA() bool {
	return slices.ContainsFunc(a.ServiceAccounts, func(sa ServiceAccount) bool { return sa.mode(a.Identity) == crossaccountrole.IRSA })
}

// usesSharedChaining reports whether any service account chains from the
// cluster's shared chaining role.
func (a *Args) usesSharedChaining() bool {
	return a.UseSharedChainingRole && slices.ContainsFunc(a.ServiceAccounts, func(sa ServiceAccount) bool {
		return sa.mode(a.Identity) == crossaccountrole.PodIdentityChain
	})
}

// roleArgs returns the CrossAccountRole args of service account i.
func (a *Args) roleArgs(i int, oidcProviderARN pulumi.StringInput, ns pulumi.Resource) *crossaccountrole.Args {
	sa := a.ServiceAccounts[i]
	return &crossaccountrole.Args{
		Mode:                   sa.mode(a.Identity),
		Cluster:                a.Cluster,
		WorkloadAccount:        a.Account,
		Namespace:              a.namespace(),
		ServiceAccount:         sa.Name,
		OIDCProviderARN:        oidcProviderARN,
		UseSharedChainingRole:  a.UseSharedChainingRole,
		RoleName:               sa.RoleName,
		ManagedPolicyArns:      sa.ManagedPolicyArns,
		Policy:                 sa.Policy,
		SessionDurationSeconds: sa.SessionDurationSeconds,
		Tags:                   a.Tags,
		NamespaceResource:      ns,
	}
}

// Validate reports every problem with the arguments, each naming its field
// and value. The constructor calls it before registering anything.
func (a *Args) Validate() error {
	var ps validate.Problems
	if a == nil {
		ps.Add("args", nil, "are required")
		return ps.Err()
	}
	if !validate.IsDNS1123Label(a.Tenant) {
		ps.Add("tenant", a.Tenant, "is not a valid tenant name (DNS-1123 label: it names Kubernetes labels)")
	}
	a.Cluster.Check("cluster", &ps)
	a.Account.Check("account", &ps)
	if !validate.IsDNS1123Label(a.namespace()) {
		ps.Add("namespace", a.namespace(), "is not a valid Kubernetes namespace name (DNS-1123 label)")
	}
	if slices.Contains([]string{"default", "kube-system", "kube-public", "kube-node-lease"}, a.namespace()) {
		ps.Add("namespace", a.namespace(), "is a system namespace; a tenant needs a namespace of its own")
	}
	a.checkQuota(&ps)
	for i, arn := range a.Admins {
		if !validate.IsIAMRoleARN(arn) {
			ps.Add(validate.Index("admins", i), arn, "is not an IAM role ARN")
		}
	}
	seen := map[string]bool{}
	placeholder := pulumi.String(a.Account.OIDCProviderARN("placeholder"))
	for i, sa := range a.ServiceAccounts {
		path := validate.Index("serviceAccounts", i)
		if seen[sa.Name] {
			ps.Add(path+".name", sa.Name, "is used by another service account of this tenant")
		}
		seen[sa.Name] = true
		if sa.mode(a.Identity) == "" {
			ps.Add(path+".identity", nil, "is required: set identity on the tenant or on the service account")
			continue
		}
		ps.Nest(path, a.roleArgs(i, placeholder, nil).Validate())
	}
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}

func (a *Args) checkQuota(ps *validate.Problems) {
	for _, q := range []struct{ key, value string }{{"quota.cpu", a.Quota.CPU}, {"quota.memory", a.Quota.Memory}} {
		if !IsQuantity(q.value) {
			ps.Add(q.key, q.value, "is not a Kubernetes quantity such as 16, 500m or 64Gi")
		}
	}
	if a.Quota.Pods < 1 {
		ps.Add("quota.pods", a.Quota.Pods, "must be at least 1")
	}
	l := a.limits()
	for _, q := range []struct{ key, value string }{
		{"limits.defaultRequestCpu", l.DefaultRequestCPU}, {"limits.defaultRequestMemory", l.DefaultRequestMemory},
		{"limits.defaultCpu", l.DefaultCPU}, {"limits.defaultMemory", l.DefaultMemory},
	} {
		if !IsQuantity(q.value) {
			ps.Add(q.key, q.value, "is not a Kubernetes quantity such as 500m or 512Mi")
		}
	}
}
