package tenancy

import (
	"fmt"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The files a podIdentityChain ConfigMap holds, and where the pod mounts
// them.
const (
	// ConfigKey is the ConfigMap key of the AWS config file.
	ConfigKey = "config"
	// ScriptKey is the ConfigMap key of the credential-process script.
	ScriptKey = "credential-process.sh"
	// MountPath is where the pod mounts the ConfigMap.
	MountPath = "/etc/eks-multi-account/aws"
	// SourceProfile is the profile that reads Pod Identity credentials.
	SourceProfile = "eks-pod-identity"
	// TargetProfile is the profile that chains into the workload account;
	// pods select it with AWS_PROFILE.
	TargetProfile = "workload"
)

// ConfigMapName is the name of the ConfigMap holding a service account's
// AWS config.
func ConfigMapName(serviceAccount string) string { return serviceAccount + "-aws-config" }

// CredentialProcessScript fetches the Pod Identity session from the EKS Pod
// Identity agent and prints it in the credential_process format. It is
// POSIX sh, run as `/bin/sh <path>` so it needs no execute bit, and needs
// curl and jq in the image. The agent's address and token file come from
// the env vars EKS Pod Identity injects into the pod.
//
// /bin/sh is dash on most images, where pipefail cannot be relied on, so
// the script checks curl's exit status and the agent's HTTP status before
// the body reaches jq: an agent error reaches the SDK (and the pod's log)
// as the agent's own message, not as "invalid JSON".
const CredentialProcessScript = `#!/bin/sh
# Prints the EKS Pod Identity session in the AWS credential_process format.
# Needs curl and jq in the container image.
set -eu
token=$(cat "$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
if ! response=$(curl --silent --show-error --max-time 5 --write-out '\n%{http_code}' \
    -H "Authorization: $token" "$AWS_CONTAINER_CREDENTIALS_FULL_URI"); then
  echo "credential-process: cannot reach the EKS Pod Identity agent at $AWS_CONTAINER_CREDENTIALS_FULL_URI" >&2
  exit 1
fi
status=$(printf '%s\n' "$response" | tail -n 1)
body=$(printf '%s\n' "$response" | sed '$d')
if [ "$status" != 200 ]; then
  echo "credential-process: the EKS Pod Identity agent answered HTTP $status: $body" >&2
  exit 1
fi
printf '%s\n' "$body" | jq -c 'if (.AccessKeyId | type) == "string"
  then {Version: 1, AccessKeyId: .AccessKeyId, SecretAccessKey: .SecretAccessKey, SessionToken: .Token, Expiration: .Expiration}
  else error("credential-process: the EKS Pod Identity agent answered without credentials: \(.)") end'
`

// ChainConfig is the AWS config file of a chained service account.
type ChainConfig struct {
	// TargetRoleARN is the role the target profile assumes.
	TargetRoleARN string `json:"targetRoleArn"`
	// SessionName names the chained session in CloudTrail.
	SessionName string `json:"sessionName"`
	// DurationSeconds is the chained session's length, at most
	// iampolicy.MaxChainedSession.
	DurationSeconds int `json:"durationSeconds"`
}

// File renders the config: a source profile whose credentials come from the
// script, and the target profile that assumes the workload role from it.
func (c ChainConfig) File() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[profile %s]\n", SourceProfile)
	fmt.Fprintf(&b, "credential_process = /bin/sh %s/%s\n\n", MountPath, ScriptKey)
	fmt.Fprintf(&b, "[profile %s]\n", TargetProfile)
	fmt.Fprintf(&b, "source_profile = %s\n", SourceProfile)
	fmt.Fprintf(&b, "role_arn = %s\n", c.TargetRoleARN)
	fmt.Fprintf(&b, "role_session_name = %s\n", c.SessionName)
	fmt.Fprintf(&b, "duration_seconds = %d\n", c.DurationSeconds)
	return b.String()
}

// PodSpecInstructions tells users what to add to the pod spec of a
// chained service account.
func PodSpecInstructions(serviceAccount, configMap string) string {
	return fmt.Sprintf(`Add to the pod spec (the image needs curl and jq):
  serviceAccountName: %[1]s
  containers:
  - env:
    - {name: AWS_CONFIG_FILE, value: %[3]s/%[4]s}
    - {name: AWS_PROFILE, value: %[5]s}
    volumeMounts:
    - {name: aws-config, mountPath: %[3]s, readOnly: true}
  volumes:
  - name: aws-config
    configMap: {name: %[2]s, defaultMode: 0555}
Chained sessions last at most one hour; the SDK refreshes them.`, serviceAccount, configMap, MountPath, ConfigKey, TargetProfile)
}

// AWSConfigMap creates the ConfigMap that holds a chained service account's
// AWS config file and the credential-process script, named
// ConfigMapName(serviceAccount), in namespace. Pods mount it at MountPath.
func AWSConfigMap(ctx *pulumi.Context, name, namespace, serviceAccount string, labels map[string]string, cfg ChainConfig, opts ...pulumi.ResourceOption) (*corev1.ConfigMap, error) {
	cm, err := corev1.NewConfigMap(ctx, name, &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(ConfigMapName(serviceAccount)),
			Namespace: pulumi.String(namespace),
			Labels:    pulumi.ToStringMap(labels),
		},
		Data: pulumi.StringMap{
			ConfigKey: pulumi.String(cfg.File()),
			ScriptKey: pulumi.String(CredentialProcessScript),
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating AWS config map of %s: %w", serviceAccount, err)
	}
	return cm, nil
}
