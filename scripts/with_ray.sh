#!/usr/bin/env bash
# Run a command against a private two-node Ray cluster (a head and a worker, 1 CPU each).
#
#   scripts/with_ray.sh STATE_DIR -- COMMAND [ARGS...]
#
# Both nodes are separate `ray start --block` processes inside a fresh network namespace
# (`unshare -n`, loopback only): Ray's GCS binds every interface whatever --node-ip-address
# says, and here the only interface is this namespace's own. COMMAND runs in the same
# namespace with RAY_ADDRESS set; RAY_WORKER_PGID names the worker node's process group, so a
# test can kill that node (kill -KILL -- -$RAY_WORKER_PGID). Each node is its own process
# group and is stopped when COMMAND ends (never `ray stop`, which would stop every Ray on the
# machine). The script exits with COMMAND's status. Needs `unshare --net` (root).
set -euo pipefail

if [[ $# -lt 3 || "$2" != "--" ]]; then
    echo "usage: $0 STATE_DIR -- COMMAND [ARGS...]" >&2
    exit 2
fi
state=$(mkdir -p "$1" && cd "$1" && pwd)
shift 2

if [[ -z "${DOLMALIKE_IN_NETNS:-}" ]]; then
    DOLMALIKE_IN_NETNS=1 exec unshare --net -- "$0" "$state" -- "$@"
fi
ip link set lo up

# Ray's unix sockets live under --temp-dir and must stay under ~100 bytes: keep it short.
tmp=$(mktemp -d /tmp/dlray.XXXXXX)
ray_bin=${RAY_BIN:-$(command -v ray)}
export RAY_AUTH_MODE=disabled RAY_USAGE_STATS_ENABLED=0
# Declare a killed node dead after ~3 s instead of ~30 s, so its tasks are re-run sooner.
export RAY_health_check_period_ms=1000 RAY_health_check_timeout_ms=1000 RAY_health_check_failure_threshold=3
port=6379
common=(--block --num-cpus=1 --node-ip-address=127.0.0.1 --disable-usage-stats)

groups=()
stop() {
    set +e
    for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
    for _ in $(seq 50); do
        alive=0
        for g in "${groups[@]}"; do kill -0 -- "-$g" 2>/dev/null && alive=1; done
        [[ $alive == 0 ]] && break
        sleep 0.1
    done
    for g in "${groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
    rm -rf "$tmp"
}
trap stop EXIT

setsid "$ray_bin" start --head --port=$port --include-dashboard=false --temp-dir="$tmp" "${common[@]}" \
    >"$state/head.log" 2>&1 &
groups+=($!)
for _ in $(seq 300); do
    grep -q "Ray runtime started" "$state/head.log" 2>/dev/null && break
    sleep 0.1
done
setsid "$ray_bin" start --address=127.0.0.1:$port "${common[@]}" >"$state/worker.log" 2>&1 &
worker=$!
groups+=($worker)
echo "$worker" >"$state/worker.pgid"
for _ in $(seq 300); do
    grep -q "Ray runtime started" "$state/worker.log" 2>/dev/null && break
    sleep 0.1
done
grep -q "Ray runtime started" "$state/worker.log" || {
    echo "$0: ray nodes did not come up; see $state/head.log, $state/worker.log" >&2
    exit 1
}

export RAY_ADDRESS=127.0.0.1:$port RAY_WORKER_PGID=$worker
set +e
"$@"
rc=$?
set -e
exit $rc
