package iampolicy

import (
	"fmt"
	"unicode"
)

// IAM's default size limits, in characters of policy text with whitespace
// not counted.
const (
	// TrustPolicyLimit is the default quota for a role trust policy. It can
	// be raised to 4,096 by a quota request, which this library does not
	// assume.
	TrustPolicyLimit = 2048
	// InlineRolePoliciesLimit is the limit on the sum of a role's inline
	// policies.
	InlineRolePoliciesLimit = 10240
	// ServiceControlPolicyLimit is the limit on one service control policy.
	ServiceControlPolicyLimit = 5120
)

// IAM's and STS's limits on a role's sessions, in seconds.
const (
	// MinSessionDuration and MaxSessionDuration bound a role's maximum
	// session.
	MinSessionDuration = 900
	MaxSessionDuration = 43200
	// MaxChainedSession is STS's hard limit on a role-chained session:
	// one hour, whatever the role's maximum.
	MaxChainedSession = 3600
)

// Size returns the number of characters IAM counts against a policy's
// limit: every character that is not whitespace.
func Size(text string) int {
	n := 0
	for _, r := range text {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// CheckSize returns an error when text is over limit characters, naming
// both numbers and what the limit is for.
func CheckSize(what, text string, limit int) error {
	if n := Size(text); n > limit {
		return fmt.Errorf("is %d characters, over IAM's %d-character limit for %s", n, limit, what)
	}
	return nil
}
