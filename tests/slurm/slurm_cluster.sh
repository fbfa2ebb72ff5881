#!/usr/bin/env bash
# The SLURM job scripts on a real single-node SLURM cluster (docs/hpc.md).
#
# Starts a private cluster in a temporary directory: its own munged (own key and socket),
# slurmctld and slurmd, configured by a slurm.conf that SLURM_CONF names (nothing under
# /etc is read or written, and free ports are picked, so a site's or another test's SLURM is
# left alone). Then:
#   1. sbatch jobscripts/cohort.sbatch (2 ranks under srun) and
#      jobscripts/submit-shards.sh 3 (a 3-task job array, then the dependent merge);
#      every job must end COMPLETED with ExitCode 0:0, and both files must equal a direct
#      `mpirun -n 2 cohortsim run` in every data value (provenance attributes aside);
#   2. requeue: a longer cohort.sbatch run gets SLURM's time-limit warning by hand
#      (scancel --signal=USR1 --batch); the job must requeue itself, resume, end COMPLETED
#      after one restart, and its file must equal a direct run.
# The daemons are stopped by the PIDs in their pid files (never by name) and the
# temporary directory is removed, on success or failure. Needs the Debian packages
# slurm-wlm and munge (tools/packages.txt; tools/setup.sh installs them).
set -euo pipefail
bin=${COHORTSIM_BINARY:?COHORTSIM_BINARY must name the cohortsim executable}
src=${COHORTSIM_SOURCE_DIR:?COHORTSIM_SOURCE_DIR must name the source tree}
cohort="$src/tests/data/two_arms.yaml"
options=(-n 40 -s 5 --quiet)
requeue_seconds=15 # the requeue check's run: long enough to be stopped mid-run
budget_seconds=280              # the whole test, daemons included
export PATH="$PATH:/usr/sbin:/sbin"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
ok() { echo "ok: $*"; }

missing=()
for command in munged mungekey slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
  command -v "$command" >/dev/null || missing+=("$command")
done
if [ ${#missing[@]} -gt 0 ]; then
  fail "SLURM or munge is not installed (missing: ${missing[*]}); install the Debian" \
    "packages slurm-wlm and munge (tools/setup.sh installs tools/packages.txt)"
fi
command -v ncdump >/dev/null || fail "ncdump not found (Debian package netcdf-bin)"
command -v mpirun >/dev/null || fail "mpirun not found (Debian package openmpi-bin)"
[ "$(id -u)" -eq 0 ] || fail "this test starts slurmd, which must run as root"
help=$("$bin" --help) || fail "$bin --help failed"
for feature in --resume --shard merge; do
  grep -q -e "$feature" <<<"$help" ||
    fail "$bin has no '$feature' (cohortsim --help): the job scripts need run --resume," \
      "run --shard K/N and merge"
done

# A SLURM around this test (a CI job on a cluster) must not leak into the private one.
while read -r variable; do
  unset "$variable"
done < <(compgen -e | grep -E '^(SLURM|SBATCH|SRUN|SALLOC)_' || true)

# stop PIDFILE NAME: ends the daemon whose PID the file holds (if it is still that daemon).
stop() {
  local pidfile=$1 name=$2 pid
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    # gone, but not yet reaped by its parent (the daemons fork away from this shell)
    [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 0
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  set +e
  if [ ${#submitted[@]} -gt 0 ] && [ -s "$tmp/run/slurmctld.pid" ]; then
    scancel "${submitted[@]}" 2>/dev/null
    for _ in $(seq 1 40); do
      [ -z "$(squeue -h -j "$(IFS=,; echo "${submitted[*]}")" 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  if [ "$rc" -ne 0 ]; then
    for log in "$work"/*.out "$tmp/log/slurmctld.log" "$tmp/log/slurmd.log" "$tmp/munge/munged.log"; do
      [ -f "$log" ] || continue
      echo "--- last lines of ${log#"$tmp"/}:" >&2
      tail -n 25 "$log" >&2
    done
  fi
  stop "$tmp/run/slurmd.pid" slurmd
  stop "$tmp/run/slurmctld.pid" slurmctld
  stop "$tmp/munge/munged.pid" munged
  rm -rf "$tmp"
  exit "$rc"
}

tmp=$(mktemp -d)
work="$tmp/work"
submitted=()
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 0755 "$tmp" # munged wants its socket's directories searchable by everyone
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log" "$tmp/run" "$work"
chmod 0755 "$tmp/munge"

past_budget() { [ "$SECONDS" -ge "$budget_seconds" ]; }

# --- the cluster ----------------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 20000))
  if port_free "$candidate" && port_free $((candidate + 1)); then
    port=$candidate
    break
  fi
done
[ -n "$port" ] || fail "no two free TCP ports for slurmctld and slurmd"
host=$(hostname -s)
cpus=$(nproc)
export SLURM_CONF="$tmp/slurm.conf"
# hpc-setup's configuration, everything under $tmp. cred_expire also sets how long a
# requeued job is held (default 120 s); short scheduler intervals start jobs at once.
cat >"$SLURM_CONF" <<EOF
ClusterName=cohortsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket,cred_expire=10
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
EnforcePartLimits=ALL
MailProg=/bin/true
ReturnToService=2
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

mungekey --create --keyfile="$tmp/munge/munge.key" ||
  fail "mungekey could not create a key"
munged --socket="$tmp/munge/munge.socket" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" \
  --seed-file="$tmp/munge/munged.seed" || fail "munged did not start"
munge -n -S "$tmp/munge/munge.socket" | unmunge -S "$tmp/munge/munge.socket" >/dev/null ||
  fail "munge credentials do not round-trip through the private munged"
slurmctld -c -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" -N "$host" || fail "slurmd did not start"
state=""
for _ in $(seq 1 100); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.3
done
[ "$state" = idle ] || fail "node $host is '$state', not idle, 30 s after starting slurmd"
ok "single-node SLURM cluster up (node $host, $cpus CPUs, ports $port/$((port + 1)))"

# --- helpers --------------------------------------------------------------------------
# wait_jobs SECONDS JOBID...: until squeue lists none of them (array tasks included).
wait_jobs() {
  local seconds=$1 limit=$(($1 + SECONDS)) ids
  shift
  ids=$(IFS=,; echo "$*")
  while [ -n "$(squeue -h -j "$ids" 2>/dev/null)" ]; do
    if [ "$SECONDS" -ge "$limit" ] || past_budget; then
      fail "jobs $ids still queued or running after ${seconds}s (or past the test's" \
        "${budget_seconds}s): $(squeue -h -j "$ids" -o '%i %T %r' | tr '\n' ';')"
    fi
    sleep 0.5
  done
}
# field JOBLINE NAME: the value of NAME= in a line of `scontrol show job -o`.
field() { grep -o -E "(^| )$2=[^ ]*" <<<"$1" | head -n 1 | sed -E "s/^ ?$2=//" || true; }
# expect_completed JOBID TASKS WHAT: every one of its TASKS lines is COMPLETED, 0:0.
expect_completed() {
  local id=$1 tasks=$2 what=$3 lines line n
  lines=$(scontrol show job -o "$id") || fail "$what: scontrol show job $id failed"
  n=$(grep -c . <<<"$lines" || true)
  [ "$n" -eq "$tasks" ] || fail "$what: job $id has $n tasks, want $tasks"
  while read -r line; do
    if [ "$(field "$line" JobState)" != COMPLETED ] || [ "$(field "$line" ExitCode)" != 0:0 ]; then
      fail "$what: job $(field "$line" JobId) ended $(field "$line" JobState)," \
        "ExitCode $(field "$line" ExitCode) (log: $(field "$line" StdOut))"
    fi
  done <<<"$lines"
}
source "$src/tests/support/output_data.bash"
# expect_same_data REFERENCE FILE WHAT
expect_same_data() {
  [ -s "$2" ] || fail "$3: $2 was not written"
  if ! diff -q <(data_of "$1") <(data_of "$2") >/dev/null; then
    echo "--- data of ${1##*/} vs ${2##*/} (first differences):" >&2
    diff <(data_of "$1") <(data_of "$2") | head -n 20 | cut -c1-200 >&2 || true
    fail "$3: the data differ from a direct mpirun run"
  fi
}
attribute() {
  ncdump -h "$1" | grep -E "^[[:space:]]*:$2 = " | sed -E "s/^[^=]*= //; s/ ;$//" || true
}

# --- 1. cohort.sbatch and submit-shards.sh --------------------------------------------
cd "$work"
export COHORTSIM_BIN="$bin"
single=$(sbatch --parsable --ntasks=2 --overcommit --time=00:05:00 \
  --output="$work/single-%j.out" "$src/jobscripts/cohort.sbatch" \
  "$cohort" "$work/single.nc" "${options[@]}") || fail "sbatch cohort.sbatch failed"
submitted+=("$single")
ids=$(COHORTSIM_SBATCH_ARGS="--time=00:05:00" \
  COHORTSIM_SHARD_SBATCH_ARGS="--ntasks=2 --overcommit" \
  "$src/jobscripts/submit-shards.sh" 3 "$cohort" "$work/sharded.nc" "${options[@]}") ||
  fail "submit-shards.sh failed"
read -r array merge <<<"$ids"
[[ ${array:-} =~ ^[0-9]+$ && ${merge:-} =~ ^[0-9]+$ ]] ||
  fail "submit-shards.sh printed '$ids', want 'ARRAYJOB MERGEJOB'"
submitted+=("$array" "$merge")
ok "submitted cohort.sbatch as job $single, the shards as array job $array, the merge as job $merge"

mpirun -n 2 --oversubscribe "$bin" run "$cohort" -o "$work/direct.nc" "${options[@]}" ||
  fail "the direct mpirun run failed"
wait_jobs 150 "$single" "$array" "$merge"
expect_completed "$single" 1 "cohort.sbatch"
expect_completed "$array" 3 "shard array"
expect_completed "$merge" 1 "merge"
ok "all jobs COMPLETED with ExitCode 0:0"

[ "$(attribute "$work/single.nc" mpi_ranks)" = 2 ] ||
  fail "single.nc: mpi_ranks = $(attribute "$work/single.nc" mpi_ranks), want 2 (srun --ntasks=2)"
[ "$(attribute "$work/single.nc" slurm_job_id)" = "\"$single\"" ] ||
  fail "single.nc: slurm_job_id = $(attribute "$work/single.nc" slurm_job_id), want \"$single\""
for k in 0 1 2; do
  [ "$(attribute "$work/sharded.shard$k.nc" slurm_array_task_id)" = "\"$k\"" ] ||
    fail "sharded.shard$k.nc: slurm_array_task_id =" \
      "$(attribute "$work/sharded.shard$k.nc" slurm_array_task_id), want \"$k\""
done
ok "provenance: 2 ranks under srun, the SLURM job id and the array task ids recorded"

expect_same_data "$work/direct.nc" "$work/single.nc" "cohort.sbatch"
ok "cohort.sbatch output equals a direct mpirun run in every data value"
expect_same_data "$work/direct.nc" "$work/sharded.nc" "3 shards merged"
ok "3 shards merged by the dependent job equal a direct mpirun run in every data value"

# --- 2. requeue after SLURM's time-limit warning ----------------------------------------
# A run of about $requeue_seconds s, whatever this build's speed (a sanitizer build is ~10x
# slower): the patient rate from timed runs of 2000 and 10 patients (start-up).
milliseconds() { echo $(($(date +%s%N) / 1000000)); }
timed_run() { # PATIENTS: milliseconds
  local start
  start=$(milliseconds)
  mpirun -n 2 --oversubscribe "$bin" run "$cohort" -o "$work/rate.nc" -n "$1" -s 5 --quiet --restart ||
    fail "the direct mpirun run failed"
  echo $(($(milliseconds) - start))
}
simulate_ms=$(($(timed_run 2000) - $(timed_run 10)))
[ "$simulate_ms" -ge 50 ] || simulate_ms=50
patients=$((2000 * 1000 * requeue_seconds / simulate_ms))
[ "$patients" -ge 4000 ] || patients=4000
[ "$patients" -le 400000 ] || patients=400000
requeue_options=(-n "$patients" -s 5)
long=$(sbatch --parsable --ntasks=2 --overcommit --time=00:05:00 \
  --output="$work/long-%j.out" "$src/jobscripts/cohort.sbatch" \
  "$cohort" "$work/long.nc" "${requeue_options[@]}") || fail "sbatch cohort.sbatch failed"
submitted+=("$long")
limit=$((SECONDS + 60))
until [ -e "$work/long.nc.partial" ]; do
  [ "$SECONDS" -lt "$limit" ] || fail "job $long wrote no long.nc.partial within 60 s"
  [ -n "$(squeue -h -j "$long" 2>/dev/null)" ] || fail "job $long ended before it started writing"
  sleep 0.2
done
sleep 1 # some patients done, most to do
[ "$(squeue -h -j "$long" -o %T)" = RUNNING ] ||
  fail "job $long is no longer running 1 s into the run: make requeue_seconds longer"
scancel --signal=USR1 --batch "$long" || fail "scancel --signal=USR1 --batch $long failed"
wait_jobs 150 "$long"
line=$(scontrol show job -o "$long") || fail "scontrol show job $long failed"
[ "$(field "$line" Restarts)" = 1 ] ||
  fail "job $long: Restarts=$(field "$line" Restarts) after USR1, want 1 (requeued once)"
grep -q "requeued job $long" "$work/long-$long.out" ||
  fail "job $long: its log does not say it requeued itself"
expect_completed "$long" 1 "requeued cohort.sbatch"
ok "USR1 (time-limit warning): job $long ($patients patients) stopped, requeued itself," \
  "resumed, COMPLETED 0:0"
mpirun -n 2 --oversubscribe "$bin" run "$cohort" -o "$work/long-direct.nc" \
  "${requeue_options[@]}" --quiet || fail "the direct mpirun run failed"
expect_same_data "$work/long-direct.nc" "$work/long.nc" "interrupted, requeued and resumed"
ok "the interrupted, requeued and resumed run equals an uninterrupted one in every data value"
echo "ok: done in ${SECONDS}s"
