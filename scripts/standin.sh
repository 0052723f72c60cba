#!/usr/bin/env bash
# The stand-in world of the real-engine tier: the Pulumi CLI, the stand-in
# pulumi-aws and pulumi-eks plugins built from this checkout, the real
# pulumi-kubernetes plugin, this checkout's plugin package
# (pulumi-resource-eks-multi-account), a pool of real kube-apiservers (one
# etcd, one server and controller manager per stand-in EKS cluster), and
# the load-balancer controllers of the stand-in clusters
# (cmd/cloud-controllers).
#
#   bash scripts/standin.sh env    start what is not running (building what
#                                  is missing), then print the shell exports
#                                  that point a shell at the world
#   bash scripts/standin.sh stop   stop the servers
#   bash scripts/standin.sh build-id
#                                  print the build ID of this checkout, which
#                                  the plugins it builds record in the worlds
#                                  they serve
#
# Everything lives in $EKS_MA_STANDIN_DIR (default /tmp/eks-multi-account-
# standin): the plugins are installed into its own PULUMI_HOME, never into
# ~/.pulumi, and PULUMI_IGNORE_AMBIENT_PLUGINS keeps anything on PATH from
# serving instead. The plugins are rebuilt and reinstalled every time, so a
# kept PULUMI_HOME never serves a stale stand-in.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"

DIR="${EKS_MA_STANDIN_DIR:-${TMPDIR:-/tmp}/eks-multi-account-standin}"
SERVERS="${EKS_MA_STANDIN_SERVERS:-8}"
AWS_VERSION=v6.83.4
EKS_VERSION=v2.8.1
K8S_SDK_VERSION=v4.32.0
log() { echo "standin: $*" >&2; }

# build_id identifies the checkout's content: the tracked files as staged,
# and the difference of the working tree from HEAD.
build_id() {
  # The plugins' own Go files (every package of this module they import,
  # tests excluded), go.mod and go.sum: what the plugins are built from,
  # and nothing else, so that editing a test does not orphan a world.
  { go list -deps -f '{{if and .Module .Module.Main}}{{range .GoFiles}}{{$.Dir}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$.Dir}}/{{.}}
{{end}}{{end}}' ./internal/testinfra/standin/cmd/... | sed "s|^$REPO/||"; echo go.mod; echo go.sum; } |
    LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16
}

# running reports whether the pid in a pid file is alive.
running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# shellcheck source=scripts/kube.sh
source "$REPO/scripts/kube.sh"

stop() {
  local f
  for f in "$DIR"/pids/*.pid; do
    [ -e "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 1
  for f in "$DIR"/pids/*.pid; do
    [ -e "$f" ] || continue
    kill -9 "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  rm -f "$DIR/apiservers.json"
}

# start_servers starts etcd and the API servers unless they run.
start_servers() {
  local all=1 i
  running "$DIR/pids/etcd.pid" || all=0
  for ((i = 0; i < SERVERS; i++)); do running "$DIR/pids/apiserver-$i.pid" || all=0; done
  if [ "$all" = 1 ] && [ -s "$DIR/apiservers.json" ]; then return; fi
  stop
  # A world and stack states that name servers which are gone mean
  # nothing: they go with them.
  rm -rf "$DIR/etcd" "$DIR/world" "$DIR/state"
  mkdir -p "$DIR/pids" "$DIR/logs" "$DIR/world"
  start_etcd standin "$DIR/etcd" "$DIR/logs/etcd.log"
  echo "$STARTED" > "$DIR/pids/etcd.pid"
  local json="[" sep="" i token up
  for ((i = 0; i < SERVERS; i++)); do
    token="standin-$i-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    rm -rf "$DIR/server-$i"
    # Each server keeps its objects under its own etcd prefix: separate
    # clusters, so two of them may hold the same namespace.
    up=0
    start_kube "$DIR/server-$i" "$ETCD_URL" "/standin-$i" "https://oidc.eks.us-east-1.amazonaws.com/id/STANDIN$i" "$token" || up=$?
    echo "${KUBE_PIDS[0]}" > "$DIR/pids/apiserver-$i.pid"
    if [ "$up" != 0 ]; then
      log "API server $i did not come up; logs in $DIR/server-$i"
      return 1
    fi
    echo "${KUBE_PIDS[1]}" > "$DIR/pids/controller-manager-$i.pid"
    json="$json$sep{\"endpoint\":\"$KUBE_URL\",\"token\":\"$token\",\"certificateAuthority\":\"\"}"
    sep=","
  done
  echo "$json]" > "$DIR/apiservers.json"
  log "$SERVERS API servers up; logs in $DIR/logs and $DIR/server-*"
}

# start_controllers (re)starts the load-balancer controllers of the
# stand-in clusters, this checkout's build, on the pool's servers.
start_controllers() {
  if running "$DIR/pids/cloud-controllers.pid"; then kill "$(cat "$DIR/pids/cloud-controllers.pid")" 2>/dev/null || true; fi
  EKS_MA_STANDIN_APISERVERS="$DIR/apiservers.json" "$DIR/plugins/cloud-controllers" \
    < /dev/null >> "$DIR/logs/cloud-controllers.log" 2>&1 &
  echo "$!" > "$DIR/pids/cloud-controllers.pid"
}

# install_plugins builds the stand-ins from this checkout and installs them,
# with the kubernetes provider, into the world's PULUMI_HOME.
install_plugins() {
  local id; id="$(build_id)"
  mkdir -p "$DIR/plugins"
  local ldflags="-X github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world.BuildID=$id"
  go build -ldflags "$ldflags" -o "$DIR/plugins/pulumi-resource-aws" ./internal/testinfra/standin/cmd/pulumi-resource-aws
  go build -ldflags "$ldflags" -o "$DIR/plugins/pulumi-resource-eks" ./internal/testinfra/standin/cmd/pulumi-resource-eks
  go build -ldflags "$ldflags" -o "$DIR/plugins/cloud-controllers" ./internal/testinfra/standin/cmd/cloud-controllers
  export PULUMI_HOME="$DIR/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true
  "$PULUMI" plugin install resource aws "$AWS_VERSION" --file "$DIR/plugins/pulumi-resource-aws" --reinstall >/dev/null
  "$PULUMI" plugin install resource eks "$EKS_VERSION" --file "$DIR/plugins/pulumi-resource-eks" --reinstall >/dev/null
  "$PULUMI" plugin install resource kubernetes "$K8S_SDK_VERSION" --file "$K8S_PROVIDER" --reinstall >/dev/null
  # The product's own plugin package, as its README installs it (the YAML
  # language host its YAML example runs on is beside the CLI).
  local version; version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' cmd/pulumi-resource-eks-multi-account/schema.json)"
  go build -o "$DIR/plugins/pulumi-resource-eks-multi-account" ./cmd/pulumi-resource-eks-multi-account
  "$PULUMI" plugin install resource eks-multi-account "$version" --file "$DIR/plugins/pulumi-resource-eks-multi-account" --reinstall >/dev/null
  echo "$id" > "$DIR/build-id"
}

# build_charts writes the tier's charts, which no machine without the
# internet could fetch: flux2 with only Flux's GitRepository and
# Kustomization CRDs (from the fluxcd Go module zips; no controllers, as the
# API servers have no nodes to run them), and a stand-in for the NVIDIA
# device plugin chart (its DaemonSet only).
build_charts() {
  local flux="$DIR/charts/flux2" nvidia="$DIR/charts/nvidia-device-plugin" version=v1.9.6
  [ -f "$flux/Chart.yaml" ] && [ -f "$nvidia/Chart.yaml" ] && return
  mkdir -p "$flux/templates" "$nvidia/templates"
  local src kus
  src="$(GOFLAGS=-mod=mod go mod download -json "github.com/fluxcd/source-controller@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  kus="$(GOFLAGS=-mod=mod go mod download -json "github.com/fluxcd/kustomize-controller@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  cp "$src/config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml" "$kus/config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml" "$flux/templates/"
  chmod u+w "$flux/templates/"*
  printf 'apiVersion: v2\nname: flux2\nversion: 2.16.0\ndescription: "The tier'"'"'s Flux, the GitRepository and Kustomization CRDs of source-controller and kustomize-controller %s and no controllers"\n' "$version" > "$flux/Chart.yaml"
  printf 'apiVersion: v2\nname: nvidia-device-plugin\nversion: 0.17.1\ndescription: "The tier'"'"'s stand-in for the NVIDIA device plugin chart, which cannot be fetched offline, its DaemonSet only"\n' > "$nvidia/Chart.yaml"
  cat > "$nvidia/templates/daemonset.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: nvidia-device-plugin}
  template:
    metadata:
      labels: {app.kubernetes.io/name: nvidia-device-plugin}
    spec:
      nodeSelector: {{ toJson .Values.nodeSelector }}
      tolerations: {{ toJson .Values.tolerations }}
      containers:
        - name: nvidia-device-plugin-ctr
          image: nvcr.io/nvidia/k8s-device-plugin:v{{ .Chart.Version }}
YAML
}

case "${1:-}" in
  env)
    CACHE="$(bash scripts/e2e-tools.sh | tail -n 1)"
    K8S="$CACHE/kubernetes-v1.37.2"
    ETCD="$CACHE/etcd-v3.7.3/etcd"
    PULUMI_ROOT="$CACHE/pulumi-v3.274.1"
    PULUMI="$PULUMI_ROOT/bin/pulumi"
    K8S_PROVIDER="$CACHE/pulumi-kubernetes-v4.0.0-20260115033456-f47bc2d6f199/pulumi-resource-kubernetes"
    mkdir -p "$DIR/world"
    install_plugins
    build_charts
    start_servers
    start_controllers
    cat <<EXPORTS
export PATH="$PULUMI_ROOT/bin:\$PATH"
export PULUMI_HOME="$DIR/pulumi-home"
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_CONFIG_PASSPHRASE=standin
export EKS_MA_E2E_PULUMI_ROOT="$PULUMI_ROOT"
export EKS_MA_STANDIN_DIR="$DIR"
export EKS_MA_STANDIN_WORLD="$DIR/world"
export EKS_MA_STANDIN_APISERVERS="$DIR/apiservers.json"
export EKS_MA_STANDIN_BUILD_ID="$(cat "$DIR/build-id")"
export EKS_MA_STANDIN_CHARTS="$DIR/charts"
export EKS_MA_STANDIN_CLOCK_SCALE=60
EXPORTS
    ;;
  stop)
    stop
    ;;
  build-id)
    build_id
    ;;
  *)
    echo "usage: bash scripts/standin.sh env|stop|build-id" >&2
    exit 2
    ;;
esac
