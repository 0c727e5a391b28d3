#!/usr/bin/env bash
# Run a command against a private one-node Slurm (slurmctld + slurmd + munged on 127.0.0.1).
#
#   scripts/with_slurm.sh STATE_DIR -- COMMAND [ARGS...]
#
# Everything runs inside a fresh network namespace (`unshare -n`, loopback plus a private veth pair), so no
# daemon can bind the host's interfaces and the command's sbatch/squeue reach only this
# Slurm. STATE_DIR (created) holds slurm.conf, the munge key, spool dirs and daemon logs.
# The daemons are stopped when COMMAND ends; the script exits with COMMAND's status.
# Needs root (namespaces, munged, slurmd) and Debian's slurm-wlm + munge (`make slurm`).
set -euo pipefail

if [[ $# -lt 3 || "$2" != "--" ]]; then
    echo "usage: $0 STATE_DIR -- COMMAND [ARGS...]" >&2
    exit 2
fi
state=$(mkdir -p "$1" && cd "$1" && pwd)
shift 2

if [[ -z "${DOLMALIKE_IN_NETNS:-}" ]]; then
    for bin in slurmctld slurmd munged sbatch; do
        command -v "$bin" >/dev/null || { echo "$0: $bin not installed (run: make slurm)" >&2; exit 2; }
    done
    # Re-exec inside a private network namespace; only its loopback exists.
    DOLMALIKE_IN_NETNS=1 exec unshare --net --uts -- "$0" "$state" -- "$@"
fi

ip link set lo up
# Slurm resolves even 127.0.0.1 with AI_ADDRCONFIG, which finds nothing while loopback is the
# only interface: a veth pair whose both ends stay in this namespace gives it one address.
ip link add dlveth0 type veth peer name dlveth1
ip addr add 10.254.0.1/30 dev dlveth0
ip link set dlveth0 up
ip link set dlveth1 up
# A private UTS namespace too: the node is called localhost, which /etc/hosts maps to 127.0.0.1.
hostname localhost

mkdir -p "$state"/{munge,key,spool/ctld,spool/d,log,run}
chmod 700 "$state/key"
chmod 755 "$state/munge"
if [[ ! -s "$state/key/munge.key" ]]; then
    dd if=/dev/urandom of="$state/key/munge.key" bs=1024 count=1 status=none
    chmod 400 "$state/key/munge.key"
fi
munge_sock="$state/munge/munge.socket"

cpus=$(nproc)
# Leave headroom under the machine's memory; jobs ask for mem-per-cpu, which must fit here.
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
cat > "$state/slurm.conf" <<CONF
ClusterName=dolmalike
SlurmctldHost=localhost
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$munge_sock
CredType=cred/munge
StateSaveLocation=$state/spool/ctld
SlurmdSpoolDir=$state/spool/d
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# FIFO scheduling starts a job as soon as it is submitted or a CPU frees up (backfill waits for
# its next cycle), which matters for a pipeline of many short arrays.
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=600
SlurmdTimeout=30
MpiDefault=none
MailProg=/bin/true
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$state/slurm.conf"

pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT

munged --force --foreground --socket="$munge_sock" --key-file="$state/key/munge.key" \
    --pid-file="$state/run/munged.pid" --log-file="$state/log/munged.log" --seed-file="$state/key/seed" >"$state/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S "$munge_sock" ]] && break; sleep 0.1; done

slurmctld -D -i -f "$SLURM_CONF" >"$state/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$state/log/slurmd.out" 2>&1 &
pids+=($!)

# Wait until the node accepts jobs.
for _ in $(seq 100); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then break; fi
    sleep 0.2
done
sinfo -h -N -o '%N %T %c' | grep -qE 'idle|mixed|allocated' || {
    echo "$0: slurm did not come up; logs in $state/log" >&2
    exit 1
}

set +e
"$@"
rc=$?
set -e
exit $rc
