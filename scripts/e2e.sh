#!/usr/bin/env bash
# The real-Kubernetes tier: builds the tools (scripts/e2e-tools.sh, cached),
# starts etcd, kube-apiserver (ServiceAccount token issuer and RBAC on) and
# kube-controller-manager (garbage collector, namespace, quota and cluster-role
# aggregation controllers) on
# loopback ports it picks, writes a kubeconfig, runs the e2e tests
# (go test -tags e2e ./e2e/) against them, and stops everything it started,
# by PID, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="$(bash scripts/e2e-tools.sh | tail -n 1)"
K8S="$CACHE/kubernetes-v1.37.2"
ETCD="$CACHE/etcd-v3.7.3/etcd"
PULUMI_ROOT="$CACHE/pulumi-v3.274.1"
PROVIDER="$CACHE/pulumi-kubernetes-v4.0.0-20260115033456-f47bc2d6f199/pulumi-resource-kubernetes"
# The SDK asks for the plugin by its own version; the self-built provider
# is registered under it.
SDK_PLUGIN_VERSION=v4.32.0
ISSUER="https://oidc.eks.us-west-2.amazonaws.com/id/E2E0000000000000000000000000E2E0"

RUN="$(mktemp -d "${TMPDIR:-/tmp}/eks-multi-account-e2e.XXXXXX")"
PIDS=()
# stop ends what the script started, newest first (the controller manager
# and the API server before etcd), each with SIGTERM and, when it has not
# exited within ten seconds, SIGKILL; and the stand-in world.
stop() {
  EKS_MA_STANDIN_DIR="$RUN/standin" bash scripts/standin.sh stop || true
  local i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid="${PIDS[i]}"
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$RUN"
}
trap stop EXIT

# shellcheck source=scripts/kube.sh
source scripts/kube.sh
start_etcd e2e "$RUN/etcd" "$RUN/etcd.log"
PIDS+=("$STARTED")
UP=0
start_kube "$RUN/kube" "$ETCD_URL" /registry "$ISSUER" e2e-admin-token || UP=$?
PIDS+=("${KUBE_PIDS[@]}")
[ "$UP" = 0 ] || exit 1

export PULUMI_HOME="$CACHE/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_CONFIG_PASSPHRASE=e2e
"$PULUMI_ROOT/bin/pulumi" plugin install resource kubernetes "$SDK_PLUGIN_VERSION" --file "$PROVIDER" >/dev/null

# The stand-in world: stand-in aws and eks plugins built from this
# checkout, and API servers for the stand-in clusters.
eval "$(EKS_MA_STANDIN_DIR="$RUN/standin" EKS_MA_STANDIN_SERVERS="${EKS_MA_STANDIN_SERVERS:-6}" bash scripts/standin.sh env)"

echo "e2e: API server $KUBE_URL, etcd $ETCD_URL, logs in $RUN" >&2
EKS_MA_E2E_KUBECONFIG="$RUN/kube/kubeconfig" EKS_MA_E2E_API="$KUBE_URL" EKS_MA_E2E_TOKEN=e2e-admin-token \
EKS_MA_E2E_ISSUER="$ISSUER" EKS_MA_E2E_PULUMI_ROOT="$PULUMI_ROOT" EKS_MA_E2E_STATE="$RUN/state" \
  go test -tags e2e -count=1 -timeout 60m -v ./e2e/ "$@"
