package tests

import (
	"fmt"
	"testing"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
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
	e := mockengine.New("eks-multi-account", "bench")
	if err := e.Run(stacksProgram, cfg); err != nil {
		b.Fatal(err)
	}
	recorded := e.Resources()
	var stacksNs float64
	b.Run("stacks", func(b *testing.B) {
		for b.Loop() {
			e := mockengine.New("eks-multi-account", "bench")
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
		e := mockengine.New("eks-multi-account", "allocs")
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
