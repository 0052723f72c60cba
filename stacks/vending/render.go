package vending

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// Stack is a stack vending creates: its name and its configuration, as
// Pulumi hands it to the program ("eks-multi-account:<key>" to a value).
type Stack struct {
	// Name is the stack's name: the request's, or "network".
	Name string
	// Request is the request it is rendered from; nil for the network
	// stack.
	Request *Request
	// Config is the stack's configuration.
	Config map[string]string
}

// Stacks is what a vending directory deploys.
type Stacks struct {
	// Network is the network stack; nil without a network account.
	Network *Stack
	// Vended are the requests' stacks, in name order.
	Vended []Stack
	// Allocations are the dedicated VPCs' blocks, by stack.
	Allocations Allocations
}

// Existing is what the backend holds of the vended stacks.
type Existing struct {
	// Allocations are the blocks the stacks have, which never move.
	Allocations Allocations
	// Kept are the stacks on shared networking whose requests are gone
	// but which are not retired yet: the network stack keeps sharing with
	// their accounts until they are.
	Kept []config.SharedAccount
	// KeptRouted are the like stacks with dedicated VPCs attached to the
	// transit gateway, which stays shared with their accounts.
	KeptRouted []config.SharedAccount
}

// Render allocates the dedicated VPCs (keeping the blocks the backend
// holds) and renders every stack's configuration, then validates each as
// the stacks would validate it: every problem of every stack at once (an
// *Error), each mapped back to its file and key.
func (s *Set) Render(existing Existing) (*Stacks, error) {
	var ps validate.Problems
	out := &Stacks{Allocations: s.allocate(existing.Allocations, &ps)}
	if s.Settings.NetworkAccount != nil {
		out.Network = &Stack{Name: NetworkStack, Config: s.networkConfig(existing.Kept, existing.KeptRouted)}
		s.checkStack(out.Network, &ps)
	}
	for i := range s.Requests {
		r := &s.Requests[i]
		st := Stack{Name: r.Name, Request: r, Config: s.requestConfig(r, out.Allocations[r.Name])}
		s.checkStack(&st, &ps)
		out.Vended = append(out.Vended, st)
	}
	if err := dedupe(ps.Err()); err != nil {
		return nil, &Error{Problems: err}
	}
	return out, nil
}

// NetworkStackName is the fully qualified name the vended stacks reference
// the network stack by.
func (s *Set) NetworkStackName() string {
	return s.Settings.PulumiOrganization + "/" + s.Settings.Project + "/" + NetworkStack
}

// common is the configuration every stack shares.
func (s *Set) common(model string) map[string]any {
	st := s.Settings
	c := map[string]any{"model": model, "defaults": st.Defaults}
	if st.Organization != nil {
		c["organization"] = config.Organization{ManagementAccountID: st.Organization.ManagementAccountID}
	}
	if st.OrganizationStack != "" {
		c["organizationStack"] = st.OrganizationStack
	}
	return c
}

// networkConfig is the network stack's configuration: shared with exactly
// the accounts of the requests on shared networking, and of the kept
// stacks, in cluster name order.
func (s *Set) networkConfig(kept, keptRouted []config.SharedAccount) map[string]string {
	c := s.common(config.NetworkModel)
	c["networkAccount"] = s.networkAccount()
	c["routing"] = s.routing()
	routed := slices.Clone(keptRouted)
	for _, r := range s.Requests {
		if s.Routed(&r) {
			routed = append(routed, config.SharedAccount{AccountID: r.AccountID, Cluster: r.Name})
		}
	}
	slices.SortFunc(routed, func(a, b config.SharedAccount) int { return strings.Compare(a.Cluster, b.Cluster) })
	if routed != nil {
		c["routeWith"] = routed
	}
	shares := slices.Clone(kept)
	for _, r := range s.Requests {
		if r.Shared() {
			shares = append(shares, config.SharedAccount{AccountID: r.AccountID, Cluster: r.Name})
		}
	}
	slices.SortFunc(shares, func(a, b config.SharedAccount) int { return strings.Compare(a.Cluster, b.Cluster) })
	if shares == nil {
		shares = []config.SharedAccount{}
	}
	c["shareWith"] = shares
	return encode(c)
}

// routing is the routing mode, domains unless vending.yaml says flat.
func (s *Set) routing() string {
	return cmp.Or(s.Settings.Routing, config.RoutingDomains)
}

// networkAccount is the network account as the stacks see it: with the
// waves as its routing domains, or with the one default domain when
// routing is flat.
func (s *Set) networkAccount() *config.NetworkAccount {
	n := *s.Settings.NetworkAccount
	if s.routing() == config.RoutingDomains {
		n.RoutingDomains = slices.Clone(s.Settings.Waves)
	}
	return &n
}

// Routed reports whether a request's dedicated VPC attaches to the network
// account's transit gateway: it is in the network account's region
// (transit gateways are regional).
func (s *Set) Routed(r *Request) bool {
	return s.Settings.NetworkAccount != nil && !r.Shared() && cmp.Or(r.Region, s.Settings.Defaults.Region) == s.NetworkRegion()
}

// NetworkRegion is the network account's region, "" without one.
func (s *Set) NetworkRegion() string {
	if n := s.Settings.NetworkAccount; n != nil {
		return cmp.Or(n.Region, s.Settings.Defaults.Region)
	}
	return ""
}

// routeTo is what a routed request's VPC sends to the transit gateway: the
// network VPC, the pool (which holds every allocated block), and the
// blocks pinned outside the pool by the other routed requests of its
// domain.
func (s *Set) routeTo(r *Request) []string {
	out := []string{s.Settings.NetworkAccount.VpcCIDR}
	pool, poolErr := netip.ParsePrefix(s.Settings.CIDRPool)
	if poolErr == nil {
		out = append(out, pool.String())
	}
	for i := range s.Requests {
		o := &s.Requests[i]
		if o.Name == r.Name || !s.Routed(o) || o.VpcCIDR == "" || s.routing() == config.RoutingDomains && o.Environment != r.Environment {
			continue
		}
		if block, err := netip.ParsePrefix(o.VpcCIDR); err == nil && (poolErr != nil || !network.Holds(pool, block)) {
			out = append(out, block.String())
		}
	}
	return out
}

// requestConfig is a request's stack configuration: the de-centralized
// model with the request as its one workload account, tagged with its team
// and environment.
func (s *Set) requestConfig(r *Request, vpcCIDR string) map[string]string {
	c := s.common(config.Decentralized)
	defaults := s.Settings.Defaults
	defaults.Tags = maps.Clone(defaults.Tags)
	if defaults.Tags == nil {
		defaults.Tags = map[string]string{}
	}
	defaults.Tags["team"], defaults.Tags["environment"] = r.Team, r.Environment
	c["defaults"] = defaults
	w := config.WorkloadAccount{
		Spec: workloadaccount.Spec{
			Name: r.Name, Identity: r.Identity, Admins: r.Admins, ServiceAccounts: r.ServiceAccounts, Egress: r.Egress, PodSecurity: r.PodSecurity,
		},
		AccountID: r.AccountID, Region: r.Region, Blueprint: r.Blueprint, KubernetesVersion: r.KubernetesVersion,
		Networking: r.Networking, VpcCIDR: r.VpcCIDR, AvailabilityZones: r.AvailabilityZones,
		NodeGroups: r.NodeGroups, GitOps: r.GitOps, EndpointAccess: r.EndpointAccess,
	}
	if r.Quota != nil {
		w.Quota = *r.Quota
	}
	if !r.Shared() && w.VpcCIDR == "" {
		w.VpcCIDR = vpcCIDR
	}
	if r.Shared() && s.Settings.NetworkAccount != nil || s.Routed(r) {
		c["networkAccount"] = s.networkAccount()
		c["networkStack"] = s.NetworkStackName()
		c["routing"] = s.routing()
	}
	if s.Routed(r) {
		if s.routing() == config.RoutingDomains {
			w.RoutingDomain = r.Environment
		}
		w.RouteTo = s.routeTo(r)
	}
	c["workloadAccounts"] = []config.WorkloadAccount{w}
	if s.Settings.Charts != nil {
		c["charts"] = s.Settings.Charts
	}
	return encode(c)
}

// Workload returns a request's workload account as its stack reads it,
// with every default applied (its region, its Kubernetes version).
func (s *Set) Workload(r *Request) (config.WorkloadAccount, error) {
	cfg, err := config.Load(config.FromMap(s.requestConfig(r, r.VpcCIDR)))
	if err != nil {
		return config.WorkloadAccount{}, fmt.Errorf("%s: %w", r.File, err)
	}
	return cfg.WorkloadAccounts[0], nil
}

// encode renders configuration values as a stack file's are handed to a
// program: strings as they are, everything else as JSON.
func encode(c map[string]any) map[string]string {
	out := make(map[string]string, len(c))
	for k, v := range c {
		if str, ok := v.(string); ok {
			out[config.Namespace+":"+k] = str
			continue
		}
		text, err := json.Marshal(v)
		if err != nil {
			panic(err) // the values are the config package's own types
		}
		out[config.Namespace+":"+k] = string(text)
	}
	return out
}

// checkStack validates a rendered stack as the stacks will, mapping each
// problem's key path back to the file that set it.
func (s *Set) checkStack(st *Stack, ps *validate.Problems) {
	cfg, err := config.Load(config.FromMap(st.Config))
	if err == nil {
		err = stacks.Validate(cfg, stacks.Options{Blueprints: s.Blueprints})
	}
	var cfgErr *stacks.ConfigError
	if errors.As(err, &cfgErr) {
		err = cfgErr.Problems
	}
	ps.NestMapped("", err, func(p string) (string, bool) { return s.origin(st, p) })
}

// origin maps a key path of a rendered stack to where its value came from;
// false for a value the request left to a default or to the allocation,
// whose own problem is reported where it is set.
func (s *Set) origin(st *Stack, path string) (string, bool) {
	if rest, ok := strings.CutPrefix(path, "workloadAccounts[0]"); ok && st.Request != nil {
		r, key := st.Request, strings.TrimPrefix(rest, ".")
		switch {
		case key == "name":
			key = ""
		case key == "kubernetesVersion" && r.KubernetesVersion == "",
			key == "region" && r.Region == "",
			key == "vpcCidr" && r.VpcCIDR == "":
			return "", false
		}
		return at(r.File, key), true
	}
	if rest, ok := strings.CutPrefix(path, "shareWith["); ok {
		var shares []config.SharedAccount
		_ = json.Unmarshal([]byte(st.Config[config.Namespace+":shareWith"]), &shares)
		index, key, _ := strings.Cut(rest, "]")
		if i, err := strconv.Atoi(index); err == nil && i < len(shares) {
			if r, ok := s.Request(shares[i].Cluster); ok {
				if key = strings.TrimPrefix(key, "."); key == "cluster" {
					key = ""
				}
				return at(r.File, key), true
			}
		}
	}
	return at(SettingsFile, path), true
}

// dedupe drops the problems reported twice (a bad default is every
// stack's), keeping the first.
func dedupe(err error) error {
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return err
	}
	var ps []error
	seen := map[string]bool{}
	for _, e := range joined.Unwrap() {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			ps = append(ps, e)
		}
	}
	return errors.Join(ps...)
}
