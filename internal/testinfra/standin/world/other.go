package world

import (
	"fmt"
	"regexp"
	"time"
)

// Organizations, KMS, DynamoDB, RDS and S3: the organization stack's
// guardrails, a cluster's secrets key, and what the examples add.

var (
	targetID     = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$`)
	bucketName   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	policyByName = func(name string) func(*Object) bool {
		return func(p *Object) bool { return p.Str("name") == name }
	}
)

var organizationsPolicy = kind{
	create: func(s *State, c Caller, o *Object) error {
		if err := s.mayReadOrganization("CreatePolicy", c); err != nil {
			return err
		}
		// Policy names are unique in the organization
		// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreatePolicy.html:
		// DuplicatePolicyException).
		if s.first(o.Type, policyByName(o.Str("name"))) != nil {
			return refuse("CreatePolicy", "DuplicatePolicyException", "A policy with the same name already exists.")
		}
		o.ID = "p-" + s.token(8)
		o.set("arn", fmt.Sprintf("arn:%s:organizations::%s:policy/%s/%s/%s", c.Partition(), c.Account, s.Organization.ID, policyKind(o.Str("type")), o.ID))
		return nil
	},
	update: func(s *State, _ Caller, o *Object, inputs map[string]any) error {
		name, _ := inputs["name"].(string)
		if other := s.first(o.Type, policyByName(name)); other != nil && other != o {
			return refuse("UpdatePolicy", "DuplicatePolicyException", "A policy with the same name already exists.")
		}
		return nil
	},
	remove: func(s *State, o *Object) error {
		if len(s.Select("aws:organizations/policyAttachment:PolicyAttachment", func(a *Object) bool { return a.Str("policyId") == o.ID })) > 0 {
			return refuse("DeletePolicy", "PolicyInUseException", "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.")
		}
		return nil
	},
}

var organizationsPolicyAttachment = kind{
	replaceOn: []string{"policyId", "targetId"},
	create: func(s *State, c Caller, o *Object) error {
		if s.first("aws:organizations/policy:Policy", func(p *Object) bool { return p.ID == o.Str("policyId") }) == nil {
			return refuse("AttachPolicy", "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")
		}
		target := o.Str("targetId")
		if !targetID.MatchString(target) || (accountID.MatchString(target) && !s.Organization.HasAccount(target)) {
			return refuse("AttachPolicy", "TargetNotFoundException", "We can't find a root, OU, account, or email that matches the ID that you specified.")
		}
		if s.first(o.Type, func(a *Object) bool { return a.Str("policyId") == o.Str("policyId") && a.Str("targetId") == target }) != nil {
			return refuse("AttachPolicy", "DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.")
		}
		// "You can't attach policies of the specified type to entities in a
		// root until you enable that type in the root", and a target holds
		// at most five policies of a type
		// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html).
		typ := s.policy(o.Str("policyId")).Str("type")
		if !s.Organization.PolicyTypeEnabled(typ) {
			return refuse("AttachPolicy", "PolicyTypeNotEnabledException", "The specified policy type %s isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root.", typ)
		}
		if len(s.PoliciesForTarget(target, typ)) >= maxPoliciesPerTarget {
			return refuse("AttachPolicy", "ConstraintViolationException", "You have attached the maximum number of policies of type %s to target %s (POLICY_NUMBER_LIMIT_EXCEEDED).", typ, target)
		}
		o.ID = target + ":" + o.Str("policyId")
		return nil
	},
}

// policyKind is the path segment of an Organizations policy ARN.
func policyKind(typ string) string {
	if typ == "RESOURCE_CONTROL_POLICY" {
		return "resource_control_policy"
	}
	return "service_control_policy"
}

// KMS never deletes a key at once: DeleteKey is ScheduleKeyDeletion, which
// leaves the key PendingDeletion for a waiting period of 7 to 30 days (30
// unless set) and deletes it at the end
// (https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html).
const (
	keyPendingDeletion         = "PendingDeletion"
	minKeyWindow, maxKeyWindow = 7, 30
)

var kmsKey = kind{
	create: func(s *State, c Caller, o *Object) error {
		if w, ok := o.Inputs["deletionWindowInDays"].(float64); ok && (w < minKeyWindow || w > maxKeyWindow) {
			return refuse("CreateKey", "ValidationException", "deletionWindowInDays must be between %d and %d, not %v", minKeyWindow, maxKeyWindow, w)
		}
		o.ID = uuid(s.token(32))
		o.set("keyId", o.ID)
		o.set("arn", fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", c.Partition(), c.Region, c.Account, o.ID))
		o.set("keyState", "Enabled")
		return nil
	},
	schedule: func(o *Object) {
		days := float64(maxKeyWindow)
		if w, ok := o.Inputs["deletionWindowInDays"].(float64); ok {
			days = w
		}
		o.set("keyState", keyPendingDeletion)
		o.set("deletionDate", time.Now().UTC().Add(time.Duration(days)*24*time.Hour).Format(time.RFC3339))
	},
}

// PendingDeletion reports whether AWS is to delete an object at the end of
// a waiting period: a KMS key scheduled for deletion.
func (o *Object) PendingDeletion() bool { return o.Str("keyState") == keyPendingDeletion }

var dynamodbTable = kind{
	replaceOn: []string{"name", "hashKey", "rangeKey"},
	create: func(s *State, c Caller, o *Object) error {
		if s.first(o.Type, func(t *Object) bool { return t.Account == c.Account && t.Region == c.Region && t.ID == o.Str("name") }) != nil {
			return refuse("CreateTable", "ResourceInUseException", "Table already exists: %s", o.Str("name"))
		}
		o.ID = o.Str("name")
		o.set("arn", fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", c.Partition(), c.Region, c.Account, o.ID))
		return nil
	},
}

var rdsSubnetGroup = kind{
	replaceOn: []string{"name", "namePrefix"},
	create: func(s *State, c Caller, o *Object) error {
		name := o.Str("name")
		if s.first(o.Type, func(g *Object) bool { return g.Account == c.Account && g.Region == c.Region && g.ID == name }) != nil {
			return refuse("CreateDBSubnetGroup", "DBSubnetGroupAlreadyExists", "The DB subnet group '%s' already exists.", name)
		}
		for _, id := range o.Strs("subnetIds") {
			if s.subnetVisible(c, id) == nil {
				return refuse("CreateDBSubnetGroup", "InvalidSubnet", "The requested subnet %s is invalid, or multiple subnets were requested that are not all in a common VPC.", id)
			}
		}
		o.ID = name
		o.set("arn", fmt.Sprintf("arn:%s:rds:%s:%s:subgrp:%s", c.Partition(), c.Region, c.Account, name))
		return nil
	},
}

var s3Bucket = kind{
	replaceOn: []string{"bucket", "bucketPrefix"},
	create: func(s *State, c Caller, o *Object) error {
		name := o.Str("bucket")
		if !bucketName.MatchString(name) {
			return refuse("CreateBucket", "InvalidBucketName", "The specified bucket is not valid: %s", name)
		}
		// Bucket names are global across all accounts.
		if s.first(o.Type, func(b *Object) bool { return b.ID == name }) != nil {
			return refuse("CreateBucket", "BucketAlreadyExists", "The requested bucket name is not available: %s", name)
		}
		o.ID = name
		o.set("arn", fmt.Sprintf("arn:%s:s3:::%s", c.Partition(), name))
		return nil
	},
}

var s3BucketPublicAccessBlock = kind{
	replaceOn: []string{"bucket"},
	create: func(s *State, c Caller, o *Object) error {
		if s.Find(c, "aws:s3/bucketV2:BucketV2", o.Str("bucket")) == nil {
			return refuse("PutPublicAccessBlock", "NoSuchBucket", "The specified bucket does not exist: %s", o.Str("bucket"))
		}
		o.ID = o.Str("bucket")
		return nil
	},
}
