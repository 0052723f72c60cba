package tests

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

// The stacks must stay fast at thousands of tenants, and close to what
// their resource model costs the Pulumi SDK alone. Each benchmark runs a
// whole stack under the mock engine (the planner's work), then its floor and
// its typed floor (floor_test.go), and reports for each floor how many
// times slower the stack is (stacks/floor, stacks/typed-floor):
//
//	go test ./tests/ -run '^$' -bench Stack -benchmem -benchtime 3x

// benchStack benchmarks a stack configuration and its floors.
func benchStack(b *testing.B, cfg map[string]string) {
	e := testkit.Established(mockengine.New("eks-multi-account", "bench"))
	if err := e.Run(stacksProgram, cfg); err != nil {
		b.Fatal(err)
	}
	recorded := e.Resources()
	var stacksNs float64
	b.Run("stacks", func(b *testing.B) {
		for b.Loop() {
			e := testkit.Established(mockengine.New("eks-multi-account", "bench"))
			if err := e.Run(stacksProgram, cfg); err != nil {
				b.Fatal(err)
			}
		}
		stacksNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(len(recorded)), "resources/op")
	})
	for _, floor := range []struct {
		name  string
		typed bool
	}{{"floor", false}, {"typed-floor", true}} {
		b.Run(floor.name, func(b *testing.B) {
			for b.Loop() {
				if err := runFloor("eks-multi-account", "bench", recorded, floor.typed); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(recorded)), "resources/op")
			if stacksNs > 0 {
				b.ReportMetric(stacksNs/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "stacks/"+floor.name)
			}
		})
	}
}

func BenchmarkCentralizedStack(b *testing.B) {
	for _, tenants := range []int{100, 1000, 3000} {
		b.Run(fmt.Sprintf("tenants=%d", tenants), func(b *testing.B) {
			benchStack(b, largeCentralized(6, tenants, false))
		})
	}
}

func BenchmarkDecentralizedStack(b *testing.B) {
	b.Run("clusters=100", func(b *testing.B) {
		benchStack(b, largeDecentralized(100))
	})
}

// BenchmarkTypedArgs registers one resource kind 1,000 times through its
// SDK constructor (typed Args) and through ctx.RegisterResource with the
// same inputs as a map, both into the typed state: what the SDK's
// reflection over typed Args costs above the floors' maps.
func BenchmarkTypedArgs(b *testing.B) {
	b.Run("iam.Role", func(b *testing.B) {
		benchTypedArgs(b, "aws:iam/role:Role", func() pulumi.CustomResource { return &iam.Role{} },
			func(ctx *pulumi.Context, name string) error {
				_, err := iam.NewRole(ctx, name, &iam.RoleArgs{
					Name:               pulumi.String(name),
					Path:               pulumi.String("/eks/prod/"),
					Description:        pulumi.String("irsa role of service account team-a/reader on cluster prod"),
					AssumeRolePolicy:   pulumi.String(`{"Version":"2012-10-17","Statement":[]}`),
					MaxSessionDuration: pulumi.Int(3600),
					Tags:               pulumi.StringMap{"team": pulumi.String("team-a")},
				})
				return err
			})
	})
	b.Run("NetworkPolicy", func(b *testing.B) {
		benchTypedArgs(b, "kubernetes:networking.k8s.io/v1:NetworkPolicy", func() pulumi.CustomResource { return &networkingv1.NetworkPolicy{} },
			func(ctx *pulumi.Context, name string) error {
				sameNamespace := networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{PodSelector: &metav1.LabelSelectorArgs{}}}
				port := func(protocol string, n int) networkingv1.NetworkPolicyPortArgs {
					return networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String(protocol), Port: pulumi.Int(n)}
				}
				_, err := networkingv1.NewNetworkPolicy(ctx, name, &networkingv1.NetworkPolicyArgs{
					Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("default"), Namespace: pulumi.String("team-a")},
					Spec: &networkingv1.NetworkPolicySpecArgs{
						PodSelector: &metav1.LabelSelectorArgs{},
						PolicyTypes: pulumi.ToStringArray([]string{"Ingress", "Egress"}),
						Ingress:     networkingv1.NetworkPolicyIngressRuleArray{networkingv1.NetworkPolicyIngressRuleArgs{From: sameNamespace}},
						Egress: networkingv1.NetworkPolicyEgressRuleArray{
							networkingv1.NetworkPolicyEgressRuleArgs{To: sameNamespace},
							networkingv1.NetworkPolicyEgressRuleArgs{
								To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
									NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("kube-system")}},
								}},
								Ports: networkingv1.NetworkPolicyPortArray{port("UDP", 53), port("TCP", 53)},
							},
						},
					},
				})
				return err
			})
	})
}

// benchTypedArgs records the inputs register gives a resource of type typ,
// then registers 1,000 of them through register ("constructor") and through
// ctx.RegisterResource with the recorded inputs as a map ("map").
func benchTypedArgs(b *testing.B, typ string, state func() pulumi.CustomResource, register func(ctx *pulumi.Context, name string) error) {
	var recorded resource.PropertyMap
	err := pulumi.RunErr(func(ctx *pulumi.Context) error { return register(ctx, "recorded") },
		pulumi.WithMocks("eks-multi-account", "bench", recordInputs{inputs: &recorded}))
	if err != nil {
		b.Fatal(err)
	}
	const n = 1000
	for _, via := range []struct {
		name     string
		register func(ctx *pulumi.Context, name string) error
	}{
		{"constructor", register},
		{"map", func(ctx *pulumi.Context, name string) error {
			return ctx.RegisterResource(typ, name, plainInputs(recorded), state())
		}},
	} {
		b.Run(via.name, func(b *testing.B) {
			for b.Loop() {
				err := pulumi.RunErr(func(ctx *pulumi.Context) error {
					for i := range n {
						if err := via.register(ctx, fmt.Sprintf("r%d", i)); err != nil {
							return err
						}
					}
					return nil
				}, pulumi.WithMocks("eks-multi-account", "bench", echo{}))
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// recordInputs is the floor's echo that also keeps the last resource's
// inputs.
type recordInputs struct {
	echo
	inputs *resource.PropertyMap
}

// NewResource implements pulumi.MockResourceMonitor.
func (r recordInputs) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	*r.inputs = args.Inputs
	return r.echo.NewResource(args)
}

func BenchmarkPlan(b *testing.B) {
	cfg := largeCentralized(6, 1000, false)
	for b.Loop() {
		if _, err := plan.Make(plan.Input{Project: "eks-multi-account", Stack: "bench", Config: cfg, Program: stacksProgram}); err != nil {
			b.Fatal(err)
		}
	}
}

// maxAllocsPerResource bounds the heap allocations a stack makes per
// resource it registers, the SDK's included (about 710 when measured, at
// 100 and at 1,000 tenants alike). A regression fails here, without timing
// anything.
const maxAllocsPerResource = 780

func TestAllocationsPerResource(t *testing.T) {
	cfg := largeCentralized(6, 100, false)
	resources := 0
	allocs := testing.AllocsPerRun(1, func() {
		e := testkit.Established(mockengine.New("eks-multi-account", "allocs"))
		if err := e.Run(stacksProgram, cfg); err != nil {
			t.Fatal(err)
		}
		resources = e.Count()
	})
	perResource := allocs / float64(resources)
	t.Logf("%.0f allocations for %d resources: %.0f per resource", allocs, resources, perResource)
	if perResource > maxAllocsPerResource {
		t.Errorf("%.0f allocations per registered resource, over the bound of %d", perResource, maxAllocsPerResource)
	}
}
