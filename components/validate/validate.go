// Package validate collects configuration problems and holds the checks
// that components and stacks share (account IDs, IAM and Kubernetes names).
//
// A Problems value gathers every problem before anything is registered, so
// a user sees all of them at once. Each problem names the key path and the
// offending value, as in
//
//	workloadAccounts[2].accountId: "12345" is not a 12-digit AWS account ID
package validate

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Problem is one invalid value: where it is, what it is and why it is wrong.
type Problem struct {
	// Path is the key path of the value, such as "nodeGroups[1].maxSize".
	Path string
	// Value is the offending value as the user wrote it.
	Value any
	// Reason says what is wrong, as a phrase that follows the value.
	Reason string
}

// Error formats the problem as `path: "value" reason`.
func (p Problem) Error() string {
	switch v := p.Value.(type) {
	case string:
		return fmt.Sprintf("%s: %q %s", p.Path, v, p.Reason)
	case nil:
		return fmt.Sprintf("%s: %s", p.Path, p.Reason)
	default:
		return fmt.Sprintf("%s: %v %s", p.Path, v, p.Reason)
	}
}

// Problems accumulates problems in the order they are found.
type Problems struct {
	list []error
}

// Add records a problem with the value at path.
func (ps *Problems) Add(path string, value any, reason string) {
	ps.list = append(ps.list, Problem{Path: path, Value: value, Reason: reason})
}

// Addf records a problem whose reason is formatted.
func (ps *Problems) Addf(path string, value any, format string, args ...any) {
	ps.Add(path, value, fmt.Sprintf(format, args...))
}

// Missing records that a required value at path is absent.
func (ps *Problems) Missing(path string) {
	ps.Add(path, nil, "is required")
}

// Nest records every problem of err (as Err returns them) under the key
// path prefix, so a component can report its children's problems with full
// paths. Errors that are not problems are recorded as they are.
func (ps *Problems) Nest(prefix string, err error) {
	ps.NestMapped(prefix, err, func(p string) (string, bool) { return p, true })
}

// NestMapped is Nest with each problem's path first passed through mapPath,
// which may rename it or drop the problem (by returning false).
func (ps *Problems) NestMapped(prefix string, err error, mapPath func(string) (string, bool)) {
	if err == nil {
		return
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			ps.NestMapped(prefix, e, mapPath)
		}
		return
	}
	var p Problem
	if !errors.As(err, &p) {
		ps.list = append(ps.list, err)
		return
	}
	path, keep := mapPath(p.Path)
	if !keep {
		return
	}
	p.Path = Path(prefix, path)
	ps.list = append(ps.list, p)
}

// Len returns how many problems have been recorded.
func (ps *Problems) Len() int { return len(ps.list) }

// Paths returns the key path of every problem recorded so far.
func (ps *Problems) Paths() map[string]bool {
	paths := map[string]bool{}
	for _, err := range ps.list {
		var p Problem
		if errors.As(err, &p) {
			paths[p.Path] = true
		}
	}
	return paths
}

// Err returns every problem joined into one error, or nil when there are
// none. errors.Is and errors.As see each problem.
func (ps *Problems) Err() error {
	return errors.Join(ps.list...)
}

// Path joins key path segments: Path("a", "b") is "a.b". An empty prefix
// yields the key alone.
func Path(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// Index returns the path of element i of the list at path: "a[3]".
func Index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

var (
	accountIDPattern  = regexp.MustCompile(`^[0-9]{12}$`)
	dns1123Label      = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	iamNamePattern    = regexp.MustCompile(`^[\w+=,.@-]+$`)
	iamPathSegment    = regexp.MustCompile(`^[\x21-\x7E]+$`)
	regionPattern     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	iamRoleARNPattern = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f)?:iam::[0-9]{12}:role/([\x21-\x7E]*/)?[\w+=,.@-]{1,64}$`)
)

// MaxIAMRoleName is IAM's limit on a role name's length.
const MaxIAMRoleName = 64

// IsAccountID reports whether s is a 12-digit AWS account ID.
func IsAccountID(s string) bool { return accountIDPattern.MatchString(s) }

// IsDNS1123Label reports whether s is a Kubernetes DNS-1123 label: at most
// 63 lowercase alphanumerics or '-', starting and ending alphanumeric. It is
// the rule for namespace names.
func IsDNS1123Label(s string) bool { return len(s) <= 63 && dns1123Label.MatchString(s) }

// IsDNS1123Subdomain reports whether s is a DNS-1123 subdomain (at most 253
// characters of dot-separated labels), the rule for most Kubernetes object
// names, service accounts included.
func IsDNS1123Subdomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !dns1123Label.MatchString(label) {
			return false
		}
	}
	return true
}

// IsRegion reports whether s looks like an AWS region code (us-east-1,
// us-gov-west-1, cn-north-1).
func IsRegion(s string) bool { return regionPattern.MatchString(s) }

// IsIAMRoleARN reports whether s is an IAM role ARN, with or without a path.
func IsIAMRoleARN(s string) bool { return iamRoleARNPattern.MatchString(s) }

// RoleOf records a problem at path when role is not an IAM role ARN of
// account, which what names for the message (the management account, say).
// An empty role is left to the caller, whose reason for requiring it
// differs.
func (ps *Problems) RoleOf(path, role, account, what string) {
	switch {
	case role == "":
	case !IsIAMRoleARN(role):
		ps.Add(path, role, "is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
	case strings.Split(role, ":")[4] != account:
		ps.Addf(path, role, "is not a role of %s %s", what, account)
	}
}

// RoleName returns a problem reason when name is not a valid IAM role name,
// or "" when it is.
func RoleName(name string) string {
	switch {
	case name == "":
		return "is empty; an IAM role name needs 1 to 64 characters"
	case len(name) > MaxIAMRoleName:
		return fmt.Sprintf("is %d characters, over IAM's %d-character limit for role names", len(name), MaxIAMRoleName)
	case !iamNamePattern.MatchString(name):
		return "is not a valid IAM role name (letters, digits and +=,.@_- only)"
	}
	return ""
}

// PrincipalKey identifies the IAM principal an ARN names, for telling
// whether two ARNs name the same one: its account, kind and name, the name
// lowercased (IAM names are unique without regard to case, and a role's
// path is not part of its identity). An ARN that is not an IAM role or user
// ARN is its own key.
func PrincipalKey(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return arn
	}
	kind, rest, ok := strings.Cut(parts[5], "/")
	if !ok || (kind != "role" && kind != "user") {
		return arn
	}
	return parts[4] + ":" + kind + "/" + strings.ToLower(rest[strings.LastIndex(rest, "/")+1:])
}

// IAMPath returns a problem reason when p is not a valid IAM path ("/" or
// "/segment/.../"), or "" when it is.
func IAMPath(p string) string {
	if p == "/" {
		return ""
	}
	if len(p) > 512 || !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") {
		return "is not an IAM path: it must start and end with '/' and be at most 512 characters"
	}
	for _, seg := range strings.Split(strings.Trim(p, "/"), "/") {
		if !iamPathSegment.MatchString(seg) {
			return "is not an IAM path: segments must be non-empty printable ASCII"
		}
	}
	return ""
}

// Names are the names a list's elements have used so far, to report an
// element that takes one again.
type Names map[string]bool

// Use records name, used by the element at path; when an earlier element
// has it, it records that problem (the name "is used by another what")
// and reports false.
func (n Names) Use(ps *Problems, path, name, what string) bool {
	if n[name] {
		ps.Add(path, name, "is used by another "+what)
		return false
	}
	n[name] = true
	return true
}
