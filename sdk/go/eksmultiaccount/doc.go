// The AWS EKS multi-account strategy as components: cluster accounts, workload accounts, cross-account roles, shared subnets and tenancy.
package eksmultiaccount
