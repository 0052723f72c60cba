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

# shellcheck source=scripts/ports.sh
source scripts/ports.sh
pick_port; ETCD_CLIENT=$PORT; pick_port; ETCD_PEER=$PORT; pick_port; API=$PORT

# wait_for polls a URL until it answers 200, for at most 60 seconds.
wait_for() {
  for _ in $(seq 1 120); do
    if curl -fsk -H "Authorization: Bearer e2e-admin-token" "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "e2e: $1 did not come up; logs in $RUN" >&2
  tail -n 30 "$RUN"/*.log >&2
  return 1
}

mkdir -p "$RUN/pki"
openssl genrsa -out "$RUN/pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$RUN/pki/sa.key" -pubout -out "$RUN/pki/sa.pub" 2>/dev/null
echo "e2e-admin-token,e2e-admin,e2e-admin,system:masters" > "$RUN/pki/tokens.csv"

"$ETCD" --data-dir "$RUN/etcd" --name e2e \
  --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER" > "$RUN/etcd.log" 2>&1 &
PIDS+=($!)

"$K8S/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_CLIENT" \
  --bind-address 127.0.0.1 --secure-port "$API" --cert-dir "$RUN/pki" \
  --service-account-issuer "$ISSUER" --service-account-key-file "$RUN/pki/sa.pub" \
  --service-account-signing-key-file "$RUN/pki/sa.key" --api-audiences "sts.amazonaws.com,https://kubernetes.default.svc" \
  --service-cluster-ip-range 10.96.0.0/16 --authorization-mode RBAC --token-auth-file "$RUN/pki/tokens.csv" \
  > "$RUN/kube-apiserver.log" 2>&1 &
PIDS+=($!)
wait_for "https://127.0.0.1:$API/readyz"

cat > "$RUN/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: "https://127.0.0.1:$API", insecure-skip-tls-verify: true}
users:
- name: e2e-admin
  user: {token: e2e-admin-token}
contexts:
- name: e2e
  context: {cluster: e2e, user: e2e-admin}
current-context: e2e
KUBECONFIG

"$K8S/kube-controller-manager" --kubeconfig "$RUN/kubeconfig" \
  --controllers garbagecollector,namespace,resourcequota,clusterrole-aggregation,serviceaccount,serviceaccount-token \
  --service-account-private-key-file "$RUN/pki/sa.key" --secure-port 0 --leader-elect=false \
  > "$RUN/kube-controller-manager.log" 2>&1 &
PIDS+=($!)

export PULUMI_HOME="$CACHE/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_CONFIG_PASSPHRASE=e2e
"$PULUMI_ROOT/bin/pulumi" plugin install resource kubernetes "$SDK_PLUGIN_VERSION" --file "$PROVIDER" >/dev/null

# The stand-in world: stand-in aws and eks plugins built from this
# checkout, and API servers for the stand-in clusters.
eval "$(EKS_MA_STANDIN_DIR="$RUN/standin" EKS_MA_STANDIN_SERVERS=6 bash scripts/standin.sh env)"

echo "e2e: API server https://127.0.0.1:$API, etcd 127.0.0.1:$ETCD_CLIENT, logs in $RUN" >&2
EKS_MA_E2E_KUBECONFIG="$RUN/kubeconfig" EKS_MA_E2E_API="https://127.0.0.1:$API" EKS_MA_E2E_TOKEN=e2e-admin-token \
EKS_MA_E2E_ISSUER="$ISSUER" EKS_MA_E2E_PULUMI_ROOT="$PULUMI_ROOT" EKS_MA_E2E_STATE="$RUN/state" \
  go test -tags e2e -count=1 -v ./e2e/ "$@"
