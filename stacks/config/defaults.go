package config

// Defaults applied when a key is left out.
const (
	DefaultDeployRoleName    = "OrganizationAccountAccessRole"
	DefaultKubernetesVersion = "1.34"
	DefaultBlueprint         = "general-purpose"
	DefaultBranch            = "main"
	DefaultPath              = "./"
	DefaultNetworkName       = "network"
	DefaultAZs               = 3
)

// DefaultQuota is a tenant's quota when it sets none.
var DefaultQuota = Quota{CPU: "8", Memory: "32Gi", Pods: 100}

// DefaultIdentity is the credential mode of a tenant that sets none: Pod
// Identity with role chaining into a centralized tenant's own account, and
// same-account Pod Identity on a de-centralized cluster.
func DefaultIdentity(model string) string {
	if model == Decentralized {
		return "podIdentity"
	}
	return "podIdentityChain"
}

// ApplyDefaults fills in every key left out. It is the one place defaults
// are decided.
func (c *Config) ApplyDefaults() {
	d := &c.Defaults
	d.DeployRoleName = or(d.DeployRoleName, DefaultDeployRoleName)
	d.KubernetesVersion = or(d.KubernetesVersion, DefaultKubernetesVersion)
	if n := c.NetworkAccount; n != nil {
		n.Name = or(n.Name, DefaultNetworkName)
		n.Region = or(n.Region, d.Region)
		n.AvailabilityZones = orInt(n.AvailabilityZones, DefaultAZs)
	}
	for i := range c.ClusterAccounts {
		ca := &c.ClusterAccounts[i]
		ca.Region = or(ca.Region, d.Region)
		ca.ClusterName = or(ca.ClusterName, ca.Name)
		ca.KubernetesVersion = or(ca.KubernetesVersion, d.KubernetesVersion)
		ca.AvailabilityZones = orInt(ca.AvailabilityZones, DefaultAZs)
		ca.ChainingRole = or(ca.ChainingRole, PerServiceAccount)
	}
	for i := range c.WorkloadAccounts {
		w := &c.WorkloadAccounts[i]
		w.Namespace = or(w.Namespace, w.Name)
		w.Identity = or(w.Identity, DefaultIdentity(c.Model))
		if w.Quota == (Quota{}) {
			w.Quota = DefaultQuota
		}
		if c.Model != Decentralized {
			continue
		}
		w.Networking = or(w.Networking, Dedicated)
		if w.Networking == Shared && c.NetworkAccount != nil {
			w.Region = or(w.Region, c.NetworkAccount.Region)
		}
		w.Region = or(w.Region, d.Region)
		w.Blueprint = or(w.Blueprint, DefaultBlueprint)
		w.KubernetesVersion = or(w.KubernetesVersion, d.KubernetesVersion)
		w.AvailabilityZones = orInt(w.AvailabilityZones, DefaultAZs)
		if w.GitOps != nil {
			for j := range w.GitOps.Repositories {
				r := &w.GitOps.Repositories[j]
				r.Branch = or(r.Branch, DefaultBranch)
				r.Path = or(r.Path, DefaultPath)
				r.Namespace = or(r.Namespace, r.Team)
			}
		}
	}
}

// EndpointAccessOf returns how a cluster's API is reached: the cluster's own
// endpointAccess, else the defaults', else nil (a configuration error).
func (d Defaults) EndpointAccessOf(own *EndpointAccess) *EndpointAccess {
	if own != nil {
		return own
	}
	return d.EndpointAccess
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}
