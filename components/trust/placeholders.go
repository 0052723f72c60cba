package trust

import (
	"strings"

	"github.com/eks-multi-account/eks-multi-account/components/partition"
)

// Values that are only known once AWS creates a resource still bound a
// policy's size. These placeholders have the longest length the real values
// take, so a policy built with them is at least as long as the real one and
// can be checked against IAM's limits before anything is registered.

// uniqueIDLength is the length of an IAM role unique ID (AROA + 17).
const uniqueIDLength = 21

// PlaceholderUniqueID stands in for a role's unique ID.
func PlaceholderUniqueID() string {
	return "AROA" + strings.Repeat("X", uniqueIDLength-4)
}

// PlaceholderIssuerURL stands in for the OIDC issuer URL of an EKS cluster
// in region: https://oidc.eks.<region>.<dns-suffix>/id/<32 hex digits>.
func PlaceholderIssuerURL(region string) string {
	return "https://oidc.eks." + region + "." + partition.DNSSuffix(region) + "/id/" + strings.Repeat("0", 32)
}
