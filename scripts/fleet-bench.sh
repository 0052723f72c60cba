#!/usr/bin/env bash
# The fleet benchmark: vends generated fleets into the stand-in world with
# the vend binary and prints each figure against its floor
# (e2e/fleet_e2e_test.go, TestFleetBenchmark).
#
#   bash scripts/fleet-bench.sh [N ...] [-- go test flags]
#
# N is each fleet's size (default 300; 1000 for the large one); with more
# than one, the last line is the largest's no-op against the smallest's.
# EKS_MA_FLEET_PARALLEL is vend's --parallel (default 4).
#
# Every stand-in EKS cluster is served by a kube-apiserver and controller
# manager of its own (the pool's rule: no two clusters share a server, as
# no two EKS clusters share a control plane), about 365 MiB each on the
# machine this was written on: a fleet the machine's memory cannot hold is
# refused here, with the figures, before anything starts.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do SIZES+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#SIZES[@]} -gt 0 ] || SIZES=(300)
largest=0
for n in "${SIZES[@]}"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "fleet-bench: a fleet size is a positive number, not \"$n\"" >&2; exit 2; }
  [ "$n" -gt "$largest" ] && largest="$n"
done

PER_SERVER_MIB=365
RESERVE_MIB=6144 # the Pulumi CLI and plugins of the stacks deploying at once
need=$(( largest * PER_SERVER_MIB + RESERVE_MIB ))
avail=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
if [ "$need" -gt "$avail" ]; then
  echo "fleet-bench: a fleet of $largest clusters needs $largest stand-in API servers, about $need MiB ($PER_SERVER_MIB MiB each and $RESERVE_MIB MiB for the deploying stacks); this machine has $avail MiB available. Run a smaller fleet, or on a larger machine." >&2
  exit 2
fi

EKS_MA_STANDIN_SERVERS="$largest" EKS_MA_FLEET_N="${SIZES[*]}" \
  bash scripts/e2e.sh -run '^TestFleetBenchmark$' -timeout 600m "$@"
