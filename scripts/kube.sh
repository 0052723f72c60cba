# shellcheck shell=bash
# The local Kubernetes pieces both tiers start, sourced by scripts/e2e.sh
# (one API server for the tenancy tests) and scripts/standin.sh (a pool of
# them for the stand-in EKS clusters). Callers set K8S and ETCD to the
# tools' paths (scripts/e2e-tools.sh).

# pick_port sets PORT to a loopback port nothing listens on, below the
# kernel's ephemeral range (whose ports outgoing connections, etcd's
# clients among them, may take before a server binds its port) and not
# picked before.
PICKED=" "
pick_port() {
  local low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while :; do
    PORT=$((10000 + RANDOM % (low - 10000)))
    case "$PICKED" in *" $PORT "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
      PICKED="$PICKED$PORT "
      return
    fi
  done
}

# start_etcd NAME DATA_DIR LOG starts a one-member etcd on loopback ports;
# it sets ETCD_URL to its client URL and STARTED to its PID.
start_etcd() {
  local client peer
  pick_port; client=$PORT; pick_port; peer=$PORT
  "$ETCD" --data-dir "$2" --name "$1" \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "$1=http://127.0.0.1:$peer" > "$3" 2>&1 &
  STARTED=$!
  ETCD_URL="http://127.0.0.1:$client"
}

# wait_ready URL TOKEN polls an API server's /readyz with its token for 60
# seconds.
wait_ready() {
  for _ in $(seq 1 120); do
    if curl -fsk -H "Authorization: Bearer $2" "$1/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "$1 did not come up" >&2
  return 1
}

# start_kube DIR ETCD_URL ETCD_PREFIX ISSUER TOKEN starts a kube-apiserver
# (ServiceAccount token issuer ISSUER, RBAC, TOKEN a cluster administrator's
# bearer token) keeping its objects under ETCD_PREFIX, waits until it is
# ready, writes DIR/kubeconfig, and starts a kube-controller-manager with
# the garbage collector and namespace controllers (deletes hang without
# them), the quota controller (the provider waits for a quota's status)
# and the cluster-role aggregation controller (the built-in admin role
# grants nothing without it). Keys, tokens and logs go in DIR. It sets
# KUBE_URL, and KUBE_PIDS to the two PIDs, the API server's first.
start_kube() {
  local dir="$1" port
  mkdir -p "$dir"
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  echo "$5,admin,admin,system:masters" > "$dir/tokens.csv"
  pick_port; port=$PORT
  # --allow-privileged: EKS's API server admits privileged containers (its
  # aws-node DaemonSet is one; "By default, Amazon EKS clusters ship with a
  # fully permissive security policy",
  # https://docs.aws.amazon.com/eks/latest/userguide/pod-security-policy.html),
  # so a privileged pod must be refused by Pod Security admission, as there,
  # not by this server's own default (false, refused by validation).
  "$K8S/kube-apiserver" --allow-privileged=true --etcd-servers "$2" --etcd-prefix "$3" \
    --bind-address 127.0.0.1 --secure-port "$port" --cert-dir "$dir" \
    --service-account-issuer "$4" --service-account-key-file "$dir/sa.pub" \
    --service-account-signing-key-file "$dir/sa.key" --api-audiences "sts.amazonaws.com,https://kubernetes.default.svc" \
    --service-cluster-ip-range 10.96.0.0/16 --authorization-mode RBAC --token-auth-file "$dir/tokens.csv" \
    > "$dir/kube-apiserver.log" 2>&1 &
  KUBE_PIDS=("$!")
  KUBE_URL="https://127.0.0.1:$port"
  if ! wait_ready "$KUBE_URL" "$5"; then
    tail -n 30 "$dir/kube-apiserver.log" >&2
    return 1
  fi
  cat > "$dir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "$KUBE_URL", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: $5}}]
contexts: [{name: local, context: {cluster: local, user: admin}}]
current-context: local
KUBECONFIG
  "$K8S/kube-controller-manager" --kubeconfig "$dir/kubeconfig" \
    --controllers garbagecollector,namespace,resourcequota,clusterrole-aggregation,serviceaccount,serviceaccount-token \
    --service-account-private-key-file "$dir/sa.key" --secure-port 0 --leader-elect=false \
    > "$dir/kube-controller-manager.log" 2>&1 &
  KUBE_PIDS+=("$!")
}
