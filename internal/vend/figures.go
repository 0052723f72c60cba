package vend

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
)

// figures writes an apply's figures as its last line: how many stacks
// took each action (and failed), how long the apply took and how long it
// waited for and held the backend's lock, the median and longest `up` of
// a stack (the Automation API's call, the CLI's whole run), and the memory
// vend itself took from the system.
func (v *vendor) figures(results []Result, elapsed time.Duration) {
	v.out.say("vend", "%s", figuresLine(results, elapsed, v.locked, v.out.tookSoFar(), memoryFromSystem()))
}

// figuresLine is figures' line.
func figuresLine(results []Result, elapsed, locked time.Duration, took []time.Duration, memory uint64) string {
	counts := map[string]int{}
	failures := 0
	for _, r := range results {
		counts[r.Action]++
		if r.Err != nil {
			failures++
		}
	}
	var parts []string
	for _, a := range []string{Create, Update, Unchanged, Retire, Keep} {
		parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
	}
	line := fmt.Sprintf("%d stacks (%s; %d failed) in %s; lock %s", len(results), strings.Join(parts, ", "), failures,
		rounded(elapsed), rounded(locked))
	if len(took) > 0 {
		sorted := slices.Sorted(slices.Values(took))
		line += fmt.Sprintf("; a stack's up %s median, %s longest", rounded(sorted[len(sorted)/2]), rounded(sorted[len(sorted)-1]))
	}
	return line + fmt.Sprintf("; memory %d MiB", memory>>20)
}

// rounded is a duration to tenths of a second, or, under ten seconds,
// hundredths.
func rounded(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

// memoryFromSystem is the memory the Go runtime took from the system for
// vend, which it never gives back: a bound on vend's peak.
func memoryFromSystem() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Sys
}
