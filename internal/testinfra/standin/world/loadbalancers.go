package world

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The load balancers AWS makes for a cluster's Services of type
// LoadBalancer, which no program's state holds: tenants deploy their
// Services through Flux. A load balancer comes with a security group of
// its own in the cluster's VPC and a network interface in each of its
// subnets, and it stays until its Service is deleted: deleting a cluster
// does not delete them ("Delete all services that have an associated
// EXTERNAL-IP value ... If you don't delete them, the cluster deletion
// will fail", https://docs.aws.amazon.com/eks/latest/userguide/delete-cluster.html).

// lbController is one of the controllers that make AWS load balancers for
// Services of type LoadBalancer on EKS.
type lbController struct {
	// name says which it is in the tier's log.
	name string
	// finalizer is the finalizer it puts on a Service before it makes the
	// load balancer and removes once the load balancer is gone.
	finalizer string
	// lbType is the type the world files its load balancers under, and
	// arnPath the start of their ARNs' resource part.
	lbType, arnPath string
	// onNodes: it runs as pods on the cluster's nodes, and does nothing
	// while the cluster has no node group or Fargate profile running.
	onNodes bool
	// claims reports whether it handles a Service.
	claims func(*service) bool
}

// lbControllers are the two that make load balancers on EKS:
//   - the AWS Load Balancer Controller, which EKS recommends for Services of
//     type LoadBalancer
//     (https://docs.aws.amazon.com/eks/latest/userguide/network-load-balancing.html),
//     runs as a Deployment on the cluster's nodes
//     (https://docs.aws.amazon.com/eks/latest/userguide/lbc-helm.html), makes
//     Network Load Balancers for the Services it claims (loadBalancerClass
//     service.k8s.aws/nlb, or the annotation aws-load-balancer-type
//     external) and holds them with the finalizer service.k8s.aws/resources;
//   - the cloud provider's service controller, which runs in EKS's control
//     plane, makes Classic Load Balancers for the other Services and holds
//     them with Kubernetes's finalizer service.kubernetes.io/load-balancer-cleanup
//     ("Garbage collecting load balancers",
//     https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/).
var lbControllers = []lbController{
	{
		name: "aws-load-balancer-controller", finalizer: "service.k8s.aws/resources",
		lbType: "aws:lb/loadBalancer:LoadBalancer", arnPath: "loadbalancer/net/", onNodes: true,
		claims: func(svc *service) bool {
			return svc.Spec.LoadBalancerClass == "service.k8s.aws/nlb" || svc.annotation("aws-load-balancer-type") == "external"
		},
	},
	{
		name: "service-controller", finalizer: "service.kubernetes.io/load-balancer-cleanup",
		lbType: "aws:elb/loadBalancer:LoadBalancer", arnPath: "loadbalancer/",
		claims: func(svc *service) bool {
			return svc.Spec.LoadBalancerClass == "" && svc.annotation("aws-load-balancer-type") != "external"
		},
	},
}

// annotationPrefix is the prefix of the AWS load balancer annotations.
const annotationPrefix = "service.beta.kubernetes.io/"

// service is what the controllers read of a Kubernetes Service.
type service struct {
	Metadata struct {
		Name              string            `json:"name"`
		Namespace         string            `json:"namespace"`
		ResourceVersion   string            `json:"resourceVersion"`
		DeletionTimestamp string            `json:"deletionTimestamp"`
		Finalizers        []string          `json:"finalizers"`
		Annotations       map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Type              string `json:"type"`
		LoadBalancerClass string `json:"loadBalancerClass"`
	} `json:"spec"`
}

// key names a Service in its cluster.
func (svc *service) key() string { return svc.Metadata.Namespace + "/" + svc.Metadata.Name }

// annotation is one of the service.beta.kubernetes.io/ annotations.
func (svc *service) annotation(name string) string {
	return svc.Metadata.Annotations[annotationPrefix+name]
}

// path is the Service's API path.
func (svc *service) path() string {
	return "/api/v1/namespaces/" + url.PathEscape(svc.Metadata.Namespace) + "/services/" + url.PathEscape(svc.Metadata.Name)
}

// controllerOf returns the controller that handles a Service.
func controllerOf(svc *service) *lbController {
	for i := range lbControllers {
		if lbControllers[i].claims(svc) {
			return &lbControllers[i]
		}
	}
	return nil
}

// loadBalancerRequest is what a Service asks of AWS.
type loadBalancerRequest struct {
	// Cluster is the cluster's ARN; Service is namespace/name.
	Cluster, Service string
	// Internal is the scheme: internal, or internet-facing.
	Internal bool
	// Subnets are the subnets it names (annotation aws-load-balancer-subnets);
	// when none, the controller discovers the cluster VPC's subnets tagged
	// for the scheme.
	Subnets []string
}

// requestOf reads what a Service asks for.
func requestOf(cluster string, svc *service) loadBalancerRequest {
	r := loadBalancerRequest{Cluster: cluster, Service: svc.key()}
	r.Internal = svc.annotation("aws-load-balancer-scheme") == "internal" || svc.annotation("aws-load-balancer-internal") == "true"
	for _, id := range strings.Split(svc.annotation("aws-load-balancer-subnets"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			r.Subnets = append(r.Subnets, id)
		}
	}
	return r
}

// LoadBalancerOf returns the load balancer a cluster's Service has, or nil.
func (s *State) LoadBalancerOf(cluster, svc string) *Object {
	for _, c := range lbControllers {
		if lb := s.first(c.lbType, func(o *Object) bool { return o.Str("cluster") == cluster && o.Str("service") == svc }); lb != nil {
			return lb
		}
	}
	return nil
}

// provision makes the load balancer a Service asks for, with its security
// group and network interfaces, in the cluster's account.
func (s *State) provision(c *lbController, r loadBalancerRequest) (*Object, error) {
	cluster := s.clusterByARN(r.Cluster)
	if cluster == nil {
		return nil, fmt.Errorf("cluster %s is gone", r.Cluster)
	}
	caller := Caller{Account: cluster.Account, Region: cluster.Region}
	subnets, err := s.loadBalancerSubnets(caller, cluster, r)
	if err != nil {
		return nil, err
	}
	vpc := subnets[0].Str("vpcId")
	name := "k8s-" + strings.ReplaceAll(r.Service, "/", "-")
	name = name[:min(len(name), 21)] + "-" + s.token(10)
	group := &Object{
		Type: "aws:ec2/securityGroup:SecurityGroup", ID: s.ec2ID("sg"), Account: cluster.Account, Region: cluster.Region, Implicit: true,
		Inputs:   map[string]any{"vpcId": vpc, "name": name, "description": "[k8s] Managed SecurityGroup for LoadBalancer"},
		Computed: map[string]any{"owner": r.Cluster + "#" + r.Service},
	}
	s.add(group)
	scheme := "internet-facing"
	if r.Internal {
		scheme = "internal"
	}
	lb := &Object{
		Type: c.lbType, ID: name, Account: cluster.Account, Region: cluster.Region, Implicit: true,
		Inputs: map[string]any{
			"cluster": r.Cluster, "service": r.Service, "scheme": scheme, "securityGroups": []any{group.ID},
			"subnets": anyList(idsOf(subnets)),
		},
		Computed: map[string]any{
			"arn":     fmt.Sprintf("arn:%s:elasticloadbalancing:%s:%s:%s%s", partition(cluster.Region), cluster.Region, cluster.Account, c.arnPath, name),
			"dnsName": fmt.Sprintf("%s.elb.%s.amazonaws.com", name, cluster.Region),
		},
	}
	s.add(lb)
	for _, subnet := range subnets {
		s.addInterface(lb, subnet, []string{group.ID}, "ELB "+name, !r.Internal)
	}
	return lb, nil
}

// loadBalancerSubnets are the subnets a Service's load balancer goes in:
// those it names, which the cluster's account must be able to use, else
// the cluster VPC's subnets tagged for its scheme, one per zone
// (https://docs.aws.amazon.com/eks/latest/userguide/network-load-balancing.html:
// kubernetes.io/role/internal-elb or kubernetes.io/role/elb set to 1).
func (s *State) loadBalancerSubnets(c Caller, cluster *Object, r loadBalancerRequest) ([]*Object, error) {
	var out []*Object
	for _, id := range r.Subnets {
		subnet := s.subnetVisible(c, id)
		if subnet == nil {
			return nil, fmt.Errorf("the subnet %s of Service %s does not exist or is not shared with %s", id, r.Service, c.Account)
		}
		out = append(out, subnet)
	}
	if len(out) > 0 {
		return out, nil
	}
	vpc, _ := cluster.Computed["vpcConfig"].(map[string]any)
	tag := "kubernetes.io/role/elb"
	if r.Internal {
		tag = "kubernetes.io/role/internal-elb"
	}
	zones := map[string]bool{}
	for _, subnet := range s.Select("aws:ec2/subnet:Subnet", func(x *Object) bool { return x.Str("vpcId") == vpc["vpcId"] }) {
		tags, _ := subnet.Inputs["tags"].(map[string]any)
		if s.subnetVisible(c, subnet.ID) != nil && tags[tag] == "1" && !zones[subnet.Str("availabilityZoneId")] {
			zones[subnet.Str("availabilityZoneId")] = true
			out = append(out, subnet)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("unable to resolve at least one subnet for Service %s (no subnet of %v tagged %s)", r.Service, vpc["vpcId"], tag)
	}
	return out, nil
}

// deprovision deletes a Service's load balancer with its security group
// and network interfaces.
func (s *State) deprovision(cluster, svc string) {
	lb := s.LoadBalancerOf(cluster, svc)
	if lb == nil {
		return
	}
	s.dropInterfaces(lb.Str("arn"))
	owner := cluster + "#" + svc
	s.Objects = slices.DeleteFunc(s.Objects, func(o *Object) bool {
		return o == lb || (o.Type == "aws:ec2/securityGroup:SecurityGroup" && o.Implicit && o.Str("owner") == owner)
	})
}

// ComputeRuns reports whether a cluster has a node group or Fargate
// profile that runs: created and not being deleted.
func (s *State) ComputeRuns(clusterARN string) bool {
	cluster := s.clusterByARN(clusterARN)
	if cluster == nil {
		return false
	}
	for typ := range computeKinds {
		if s.first(typ, func(o *Object) bool { return onCluster(o, cluster) && o.Str("status") == ClusterActive }) != nil {
			return true
		}
	}
	return false
}

// clusterByARN returns the EKS cluster with an ARN, or nil.
func (s *State) clusterByARN(arn string) *Object {
	return s.first("aws:eks/cluster:Cluster", func(o *Object) bool { return o.Str("arn") == arn })
}

// idsOf lists objects' IDs.
func idsOf(objects []*Object) []string {
	out := make([]string, len(objects))
	for i, o := range objects {
		out[i] = o.ID
	}
	return out
}

// RunLoadBalancerControllers plays, until ctx ends, both load-balancer
// controllers on every API server of the pool that serves a cluster: every
// interval it reconciles each Service of type LoadBalancer with the
// cluster's world, logging what it did and what failed to log.
func RunLoadBalancerControllers(ctx context.Context, pool *Pool, interval time.Duration, log io.Writer) {
	for {
		if servers, err := pool.Servers(); err != nil {
			fmt.Fprintln(log, "load balancers:", err)
		} else {
			for _, server := range servers {
				if server.Cluster != "" {
					if err := server.reconcileLoadBalancers(ctx, log); err != nil {
						fmt.Fprintf(log, "load balancers of %s: %v\n", server.Cluster, err)
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// reconcileLoadBalancers does, for each Service of type LoadBalancer on the
// server, what its controller does: add the finalizer, then make the load
// balancer; once the Service is being deleted, delete the load balancer,
// then remove the finalizer.
func (s *APIServer) reconcileLoadBalancers(ctx context.Context, log io.Writer) error {
	w, err := Open(s.World)
	if err != nil {
		return nil // the world went with its test; the server is being freed
	}
	services, err := s.services(ctx)
	if err != nil {
		return err
	}
	slices.SortFunc(services, func(a, b *service) int { return cmp.Compare(a.key(), b.key()) })
	for _, svc := range services {
		c := controllerOf(svc)
		if svc.Spec.Type != "LoadBalancer" || c == nil {
			continue
		}
		if c.onNodes {
			runs := false
			if err := w.View(func(st *State) error { runs = st.ComputeRuns(s.Cluster); return nil }); err != nil {
				return err
			}
			if !runs {
				continue
			}
		}
		if err := s.reconcile(ctx, w, c, svc, log); err != nil {
			fmt.Fprintf(log, "%s on %s, Service %s: %v\n", c.name, s.Cluster, svc.key(), err)
		}
	}
	return nil
}

// reconcile brings one Service and its load balancer together.
func (s *APIServer) reconcile(ctx context.Context, w *World, c *lbController, svc *service, log io.Writer) error {
	held := slices.Contains(svc.Metadata.Finalizers, c.finalizer)
	if svc.Metadata.DeletionTimestamp != "" {
		if !held {
			return nil
		}
		if err := w.Update(func(st *State) error { st.deprovision(s.Cluster, svc.key()); return nil }); err != nil {
			return err
		}
		fmt.Fprintf(log, "%s on %s: deleted the load balancer of Service %s\n", c.name, s.Cluster, svc.key())
		rest := slices.DeleteFunc(slices.Clone(svc.Metadata.Finalizers), func(f string) bool { return f == c.finalizer })
		return s.setFinalizers(ctx, svc, rest, svc.Metadata.ResourceVersion)
	}
	if !held {
		return s.setFinalizers(ctx, svc, append(slices.Clone(svc.Metadata.Finalizers), c.finalizer), svc.Metadata.ResourceVersion)
	}
	var lb *Object
	if err := w.Update(func(st *State) error {
		if st.LoadBalancerOf(s.Cluster, svc.key()) != nil {
			return nil
		}
		var err error
		lb, err = st.provision(c, requestOf(s.Cluster, svc))
		return err
	}); err != nil || lb == nil {
		return err
	}
	fmt.Fprintf(log, "%s on %s: made load balancer %s for Service %s\n", c.name, s.Cluster, lb.ID, svc.key())
	ingress := map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"hostname": lb.Str("dnsName")}}}}
	return s.patch(ctx, svc.path()+"/status", map[string]any{"status": ingress})
}

// dropLoadBalancerFinalizers removes the controllers' finalizers from every
// Service on the server.
func (s *APIServer) dropLoadBalancerFinalizers(ctx context.Context) error {
	services, err := s.services(ctx)
	if err != nil {
		return err
	}
	for _, svc := range services {
		rest := slices.DeleteFunc(slices.Clone(svc.Metadata.Finalizers), func(f string) bool {
			return slices.ContainsFunc(lbControllers, func(c lbController) bool { return c.finalizer == f })
		})
		if len(rest) != len(svc.Metadata.Finalizers) {
			if err := s.setFinalizers(ctx, svc, rest, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// services lists the server's Services, in every namespace.
func (s *APIServer) services(ctx context.Context) ([]*service, error) {
	var list struct {
		Items []*service `json:"items"`
	}
	err := s.call(ctx, "GET", "/api/v1/services", &list)
	return list.Items, err
}

// setFinalizers sets a Service's finalizers; with a resource version, only
// if the Service has not changed since it was read.
func (s *APIServer) setFinalizers(ctx context.Context, svc *service, finalizers []string, resourceVersion string) error {
	meta := map[string]any{"finalizers": finalizers}
	if resourceVersion != "" {
		meta["resourceVersion"] = resourceVersion
	}
	return s.patch(ctx, svc.path(), map[string]any{"metadata": meta})
}
