# shellcheck shell=bash
# Sourced by scripts/standin.sh and scripts/e2e.sh.

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
