package world

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// IAM names are unique within an account without regard to case: "Names
// of users, groups, roles, policies, instance profiles, and server
// certificates must be alphanumeric ... and must be unique within the
// account. They are not distinguished by case"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).

// roleName is IAM's pattern and length for a role name
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
var roleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// Quotas of IAM (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
const (
	// trustPolicyLimit is the default length of a role trust policy.
	trustPolicyLimit = 2048
	// inlinePolicyLimit is the aggregate size of a role's inline policies.
	inlinePolicyLimit = 10240
	// managedPoliciesPerRole is the default number of managed policies
	// attached to one role.
	managedPoliciesPerRole = 10
)

var iamRole = kind{
	replaceOn: []string{"name", "namePrefix", "path"},
	create: func(s *State, c Caller, o *Object) error {
		name, path := o.Str("name"), o.Str("path")
		if path == "" {
			path = "/"
		}
		if !roleName.MatchString(name) {
			return refuse("CreateRole", "ValidationError", "1 validation error detected: Value '%s' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length at most 64", name)
		}
		if s.role(c.Account, name) != nil {
			return refuse("CreateRole", "EntityAlreadyExists", "Role with name %s already exists.", name)
		}
		if err := s.checkTrust("CreateRole", o.Str("assumeRolePolicy")); err != nil {
			return err
		}
		o.ID = name
		o.set("name", name)
		o.set("path", path)
		o.set("arn", fmt.Sprintf("arn:%s:iam::%s:role%s%s", c.Partition(), c.Account, path, name))
		o.set("uniqueId", "AROA"+strings.ToUpper(s.token(17)))
		o.set("createDate", time.Now().UTC().Format(time.RFC3339))
		return nil
	},
	update: func(s *State, _ Caller, _ *Object, inputs map[string]any) error {
		text, _ := inputs["assumeRolePolicy"].(string)
		return s.checkTrust("UpdateAssumeRolePolicy", text)
	},
	remove: func(s *State, o *Object) error {
		// "Before attempting to delete a role, remove ... Inline policies
		// ... Attached managed policies"
		// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html).
		attached := func(p *Object) bool { return p.Account == o.Account && strings.EqualFold(p.Str("role"), o.ID) }
		if len(s.Select("aws:iam/rolePolicy:RolePolicy", attached))+len(s.Select("aws:iam/rolePolicyAttachment:RolePolicyAttachment", attached)) > 0 {
			return refuse("DeleteRole", "DeleteConflict", "Cannot delete entity, must delete policies first.")
		}
		return nil
	},
}

var iamRolePolicy = kind{
	replaceOn: []string{"role", "name", "namePrefix"},
	create: func(s *State, c Caller, o *Object) error {
		role := s.role(c.Account, o.Str("role"))
		if role == nil {
			return refuse("PutRolePolicy", "NoSuchEntity", "The role with name %s cannot be found.", o.Str("role"))
		}
		if err := s.checkInlineSize(role, o.Str("name"), o.Str("policy")); err != nil {
			return err
		}
		o.ID = role.ID + ":" + o.Str("name")
		return nil
	},
	update: func(s *State, c Caller, o *Object, inputs map[string]any) error {
		policy, _ := inputs["policy"].(string)
		return s.checkInlineSize(s.role(c.Account, o.Str("role")), o.Str("name"), policy)
	},
}

var iamRolePolicyAttachment = kind{
	replaceOn: []string{"role", "policyArn"},
	create: func(s *State, c Caller, o *Object) error {
		role, policy := o.Str("role"), o.Str("policyArn")
		if s.role(c.Account, role) == nil {
			return refuse("AttachRolePolicy", "NoSuchEntity", "The role with name %s cannot be found.", role)
		}
		// An AWS managed policy, or a customer managed policy of the
		// role's account (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html).
		if !strings.Contains(policy, ":iam::aws:policy/") && s.customerPolicy(c.Account, policy) == nil {
			return refuse("AttachRolePolicy", "NoSuchEntity", "Policy %s does not exist or is not attachable.", policy)
		}
		attached := s.Select("aws:iam/rolePolicyAttachment:RolePolicyAttachment", func(p *Object) bool {
			return p.Account == c.Account && strings.EqualFold(p.Str("role"), role)
		})
		if len(attached) >= managedPoliciesPerRole {
			return refuse("AttachRolePolicy", "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: %d", managedPoliciesPerRole)
		}
		o.ID = role + "-" + s.token(8)
		return nil
	},
}

var iamOIDCProvider = kind{
	replaceOn: []string{"url"},
	create: func(s *State, c Caller, o *Object) error {
		url := o.Str("url")
		if !strings.HasPrefix(url, "https://") {
			return refuse("CreateOpenIDConnectProvider", "ValidationError", "The URL %s must begin with https://", url)
		}
		arn := fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", c.Partition(), c.Account, strings.TrimPrefix(url, "https://"))
		if s.first(o.Type, func(p *Object) bool { return p.ID == arn }) != nil {
			return refuse("CreateOpenIDConnectProvider", "EntityAlreadyExists", "Provider with url %s already exists.", url)
		}
		o.ID = arn
		o.set("arn", arn)
		return nil
	},
}

// role returns the role of an account by name, without regard to case.
func (s *State) role(account, name string) *Object {
	return s.first("aws:iam/role:Role", func(r *Object) bool { return r.Account == account && strings.EqualFold(r.ID, name) })
}

// customerPolicy returns the customer managed policy of an account with an
// ARN, or nil.
func (s *State) customerPolicy(account, arn string) *Object {
	return s.first("aws:iam/policy:Policy", func(p *Object) bool { return p.Account == account && p.Str("arn") == arn })
}

// principalByARN returns the role or user an ARN names, or nil.
func (s *State) principalByARN(arn string) *Object {
	if r := s.roleByARN(arn); r != nil {
		return r
	}
	return s.first("aws:iam/user:User", func(u *Object) bool { return u.Str("arn") == arn })
}

// roleByARN returns the role an ARN names (arn:<partition>:iam::<account>:role<path><name>).
func (s *State) roleByARN(arn string) *Object {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return nil
	}
	r := s.role(parts[4], parts[5][strings.LastIndex(parts[5], "/")+1:])
	if r == nil || r.Str("arn") != arn {
		return nil
	}
	return r
}

// checkTrust refuses a trust policy that IAM refuses: not JSON, too long,
// or naming a principal that does not exist. A role's ARN in a trust policy
// is transformed into the role's unique principal ID "when you save the
// policy"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html),
// so the role must exist by then; IAM answers MalformedPolicyDocument
// "Invalid principal in policy" for a role or account that does not.
func (s *State) checkTrust(action, text string) error {
	if len(text) > trustPolicyLimit {
		return refuse(action, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: %d", trustPolicyLimit)
	}
	var doc struct {
		Statement []struct {
			Principal json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return refuse(action, "MalformedPolicyDocument", "This policy contains invalid Json")
	}
	for _, st := range doc.Statement {
		var byType map[string]any
		if json.Unmarshal(st.Principal, &byType) != nil {
			continue // "*"
		}
		for typ, v := range byType {
			values := strs(v)
			if str, ok := v.(string); ok {
				values = []string{str}
			}
			for _, p := range values {
				if !s.principalExists(typ, p) {
					return refuse(action, "MalformedPolicyDocument", "Invalid principal in policy: %q:%q", typ, p)
				}
			}
		}
	}
	return nil
}

// principalExists reports whether a trust policy principal names something
// that exists: an account of the organization, a role, an OIDC provider. A
// service principal and "*" always do.
func (s *State) principalExists(typ, p string) bool {
	switch typ {
	case "AWS":
		switch {
		case p == "*":
			return true
		case regexp.MustCompile(`^\d{12}$`).MatchString(p):
			return s.Organization.HasAccount(p)
		case strings.HasSuffix(p, ":root"):
			return s.Organization.HasAccount(strings.Split(p, ":")[4])
		}
		return s.roleByARN(p) != nil
	case "Federated":
		if !strings.HasPrefix(p, "arn:") {
			return true // a web identity provider such as cognito-identity.amazonaws.com
		}
		return s.first("aws:iam/openIdConnectProvider:OpenIdConnectProvider", func(o *Object) bool { return o.ID == p }) != nil
	}
	return true
}

// checkInlineSize refuses an inline policy that is not JSON or takes the
// role's inline policies past their aggregate size.
func (s *State) checkInlineSize(role *Object, name, policy string) error {
	if !json.Valid([]byte(policy)) {
		return refuse("PutRolePolicy", "MalformedPolicyDocument", "This policy contains invalid Json")
	}
	if role == nil {
		return nil
	}
	total := len(policy)
	for _, p := range s.Select("aws:iam/rolePolicy:RolePolicy", func(p *Object) bool {
		return p.Account == role.Account && strings.EqualFold(p.Str("role"), role.ID) && p.Str("name") != name
	}) {
		total += len(p.Str("policy"))
	}
	if total > inlinePolicyLimit {
		return refuse("PutRolePolicy", "LimitExceeded", "Maximum policy size of %d bytes exceeded for role %s", inlinePolicyLimit, role.ID)
	}
	return nil
}
