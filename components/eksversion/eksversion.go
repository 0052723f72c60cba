// Package eksversion is EKS's Kubernetes version calendar: when each minor
// version was released on EKS, when its standard support ends and when its
// extended support ends, as one dated table. The stacks' default version,
// the plan's support check and vend's upgrades read it.
package eksversion

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Source is where the calendar's dates come from: the "Amazon EKS
// Kubernetes release calendar" table of the EKS user guide. A minor is in
// standard support for 14 months after its EKS release, then in extended
// support for 12 more, after which EKS upgrades the cluster itself.
const Source = "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar"

// AsOf is the day the calendar was last read against Source. A date after
// the last row's release may have newer minors the table lacks.
var AsOf = date("2026-12-03")

// Release is one minor version on the calendar.
type Release struct {
	// Minor is the version as EKS names it: "1.35".
	Minor string
	// Released is the day EKS made it available.
	Released time.Time
	// StandardEnds is the last day of standard support.
	StandardEnds time.Time
	// ExtendedEnds is the last day of extended support.
	ExtendedEnds time.Time
}

// Calendar holds the minors EKS supports or supported, oldest first. The
// rows up to 1.35 are AWS's calendar as read on AsOf; 1.36's release day
// (2026-06-02) is from the EKS 1.36 release coverage of June 2026, and its
// support dates follow the 14- and 12-month rule.
var Calendar = []Release{
	{"1.28", date("2023-09-26"), date("2024-11-26"), date("2025-11-26")},
	{"1.29", date("2024-01-23"), date("2025-03-23"), date("2026-03-23")},
	{"1.30", date("2024-05-23"), date("2025-07-23"), date("2026-07-23")},
	{"1.31", date("2024-09-26"), date("2025-11-26"), date("2026-11-26")},
	{"1.32", date("2025-01-23"), date("2026-03-23"), date("2027-03-23")},
	{"1.33", date("2025-05-29"), date("2026-07-29"), date("2027-07-29")},
	{"1.34", date("2025-10-02"), date("2026-12-02"), date("2027-12-02")},
	{"1.35", date("2026-01-27"), date("2027-03-27"), date("2028-03-27")},
	{"1.36", date("2026-06-02"), date("2027-08-02"), date("2028-08-02")},
}

// Default is the version a cluster gets when its stack file names none: the
// newest minor in standard support on AsOf.
var Default = NewestInStandardSupport(AsOf)

// Support is where a version stands on a day.
type Support int

// The phases of a minor's life on EKS.
const (
	// Unknown: the calendar does not hold the version.
	Unknown Support = iota
	// NotYetReleased: the calendar holds it, released after the day.
	NotYetReleased
	// Standard support, at the standard price.
	Standard
	// Extended support, at the extended price.
	Extended
	// Ended: past extended support; EKS upgrades such a cluster itself.
	Ended
)

// Lookup returns the calendar's row of a version, and whether it has one.
func Lookup(minor string) (Release, bool) {
	i := slices.IndexFunc(Calendar, func(r Release) bool { return r.Minor == minor })
	if i < 0 {
		return Release{}, false
	}
	return Calendar[i], true
}

// SupportOn says where a version stands on a day.
func SupportOn(minor string, day time.Time) Support {
	r, ok := Lookup(minor)
	switch {
	case !ok:
		return Unknown
	case day.Before(r.Released):
		return NotYetReleased
	case !day.After(r.StandardEnds):
		return Standard
	case !day.After(r.ExtendedEnds):
		return Extended
	}
	return Ended
}

// NewestInStandardSupport returns the newest minor in standard support on a
// day, or "" when there is none.
func NewestInStandardSupport(day time.Time) string {
	for i := len(Calendar) - 1; i >= 0; i-- {
		if SupportOn(Calendar[i].Minor, day) == Standard {
			return Calendar[i].Minor
		}
	}
	return ""
}

// ParseMinor returns the minor number of a "1.N" version, or an error that
// quotes it.
func ParseMinor(v string) (int, error) {
	rest, ok := strings.CutPrefix(v, "1.")
	n, err := strconv.Atoi(rest)
	if !ok || err != nil || n < 0 || strconv.Itoa(n) != rest {
		return 0, fmt.Errorf("%q is not a Kubernetes minor version (1.N)", v)
	}
	return n, nil
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
