package tests

import (
	"fmt"
	"testing"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// The stacks must stay fast at thousands of tenants. These benchmarks run
// whole stacks under the mock engine (the same work as the planner) and the
// planner itself:
//
//	go test ./tests/ -run '^$' -bench . -benchtime 1x

func BenchmarkCentralizedStack(b *testing.B) {
	for _, tenants := range []int{100, 1000, 3000} {
		cfg := largeCentralized(6, tenants, false)
		b.Run(fmt.Sprintf("tenants=%d", tenants), func(b *testing.B) {
			for b.Loop() {
				e := mockengine.New("eks-multi-account", "bench")
				if err := e.Run(stacksProgram, cfg); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(e.Count()), "resources")
			}
		})
	}
}

func BenchmarkDecentralizedStack(b *testing.B) {
	cfg := largeDecentralized(90)
	for b.Loop() {
		e := mockengine.New("eks-multi-account", "bench")
		if err := e.Run(stacksProgram, cfg); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(e.Count()), "resources")
	}
}

func BenchmarkPlan(b *testing.B) {
	cfg := largeCentralized(6, 1000, false)
	for b.Loop() {
		if _, err := plan.Make(plan.Input{Project: "eks-multi-account", Stack: "bench", Config: cfg, Program: stacksProgram}); err != nil {
			b.Fatal(err)
		}
	}
}
