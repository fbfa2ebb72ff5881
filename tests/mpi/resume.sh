#!/usr/bin/env bash
# Checkpoint and resume: a run stopped by SIGTERM or SIGUSR1 exits 75 (EX_TEMPFAIL) and
# leaves OUT.nc.partial with some chunks done; a run killed with SIGKILL leaves it too; in
# every case `--resume` on another number of ranks finishes the file, and its data equal,
# bit for bit, those of an uninterrupted run. --resume on a finished file does nothing;
# --resume with another seed is refused (exit 2) and leaves the partial file untouched.
#
# Signals and ranks: SLURM's scancel and srun signal every task, which the SIGTERM check
# does by signalling the ranks. Open MPI's mpirun forwards SIGUSR1 to the ranks (checked
# as such), but does not forward SIGTERM (its ess_base_forward_signals refuses it): it
# terminates the job itself and exits with its own status (1 with Open MPI 4.1), not the
# ranks' 75; that path is checked to leave a resumable file as well.
set -euo pipefail
source "${COHORTSIM_SOURCE_DIR:?COHORTSIM_SOURCE_DIR must name the source tree}/tests/support/script_common.bash"

cohort="$src/cohorts/necroptosis_triple.yaml"
patients=400 # one patient per chunk (ceil(n / CS_NCOUT_CHUNKS)); a few seconds a run
seed=9
timeout_seconds=120

# run_to RANKS OUT [extra options]: a bounded, foreground run; exit status in $rc, stderr
# in $tmp/stderr (which fail shows).
run_to() {
  local ranks=$1 out=$2
  shift 2
  capture mpirun -n "$ranks" --oversubscribe "$bin" run "$cohort" -o "$out" -n "$patients" \
    -s "$seed" --quiet "$@"
  if [ "$rc" -eq 124 ]; then fail "mpirun -n $ranks ... -o $out $*: timed out after ${timeout_seconds}s"; fi
}

source "$src/tests/support/output_data.bash"
# expect_same_data FILE WHAT: FILE holds the reference's data, every value.
expect_same_data() {
  if ! diff -q "$tmp/ref.cdl" <(data_of "$1") >/dev/null; then
    echo "FAIL: $2: data differ from the uninterrupted run:" >&2
    diff "$tmp/ref.cdl" <(data_of "$1") | head -20 >&2
    exit 1
  fi
}

# chunk_values FILE: the values of chunk_done, one per line (empty if unreadable).
chunk_values() {
  ncdump -v chunk_done "$1" 2>/dev/null | sed -n '/^data:/,$p' | sed '1d;$d' | tr -d '\n' |
    sed -E 's/^[[:space:]]*chunk_done = //; s/[[:space:]]*;[[:space:]]*$//' | tr ',' '\n' |
    tr -d ' \t' || true
}
done_count() { chunk_values "$1" | grep -c -x 1 || true; }

# expect_partial NAME WHAT: NAME.nc was not created; NAME.nc.partial holds some, not all,
# chunks done, the others at the fill value 255 (and nothing else).
expect_partial() {
  local out="$tmp/$1.nc" what=$2 values n_done n_fill n_all
  [ ! -e "$out" ] || fail "$what: $out exists; an interrupted run must not create it"
  [ -f "$out.partial" ] || fail "$what: $out.partial is missing; the checkpoint must stay"
  values=$(chunk_values "$out.partial")
  n_all=$(printf '%s\n' "$values" | grep -c . || true)
  n_done=$(printf '%s\n' "$values" | grep -c -x 1 || true)
  n_fill=$(printf '%s\n' "$values" | grep -c -x 255 || true)
  [ "$n_all" -eq "$patients" ] || fail "$what: chunk_done has $n_all values, want $patients"
  [ "$n_done" -gt 0 ] || fail "$what: no chunk is done in $out.partial"
  [ "$n_done" -lt "$patients" ] || fail "$what: every chunk is done in $out.partial, but the run was interrupted"
  [ $((n_done + n_fill)) -eq "$n_all" ] ||
    fail "$what: chunk_done holds values other than 1 (done) and 255 (fill value): $(printf '%s\n' "$values" | sort | uniq -c | tr '\n' ' ')"
  echo "$n_done"
}

# start NAME: `mpirun -n 2 ... run -o $tmp/NAME.nc` in the background; its pid in $pid.
start() {
  rm -f "$tmp/$1.nc" "$tmp/$1.nc.partial"
  mpirun -n 2 --oversubscribe "$bin" run "$cohort" -o "$tmp/$1.nc" -n "$patients" -s "$seed" \
    --quiet 2>"$tmp/$1.stderr" &
  pid=$!
}
# wait_for_chunks NAME MIN: waits (bounded) until NAME.nc.partial has at least MIN chunks
# done. Returns 1 if the run ended before that.
wait_for_chunks() {
  local partial="$tmp/$1.nc.partial" deadline=$((SECONDS + timeout_seconds))
  while [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    if [ -f "$partial" ] && [ "$(done_count "$partial")" -ge "$2" ]; then return 0; fi
    sleep 0.02
  done
  fail "$1: no $2 chunks done within ${timeout_seconds}s"
}
# finish NAME: waits (bounded) for the background mpirun; its exit status in $rc.
finish() {
  local deadline=$((SECONDS + timeout_seconds))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      pkill -KILL -f "$tmp/$1.nc" || true
      fail "$1: the run did not end within ${timeout_seconds}s of the stop request"
    fi
    sleep 0.1
  done
  set +e
  wait "$pid"
  rc=$?
  set -e
  # No rank may outlive mpirun.
  while pgrep -f "$tmp/$1.nc" >/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$1: ranks still running after mpirun ended"
    sleep 0.1
  done
}

# interrupt NAME HOW: starts the run, waits for a few chunks, stops it HOW (term-ranks,
# term-mpirun, usr1-mpirun, kill9). Retries (at most 3 times) only if the run ended
# before the stop landed; exit status in $rc.
interrupt() {
  local name=$1 how=$2 attempt
  for attempt in 1 2 3; do
    start "$name"
    if wait_for_chunks "$name" 3; then
      case $how in
        term-ranks) pkill -TERM -P "$pid" -f "$tmp/$name.nc" || fail "$name: no rank to signal" ;;
        term-mpirun) kill -TERM "$pid" ;;
        usr1-mpirun) kill -USR1 "$pid" ;;
        kill9) pkill -KILL -f "$tmp/$name.nc" || fail "$name: no process to kill" ;;
        *) fail "interrupt: unknown way $how" ;;
      esac
    fi
    finish "$name"
    # Stopped in time: a partial file with chunks still to do.
    if [ ! -e "$tmp/$name.nc" ] && [ -f "$tmp/$name.nc.partial" ] &&
      [ "$(done_count "$tmp/$name.nc.partial")" -lt "$patients" ]; then
      return 0
    fi
    # The run completed before the stop landed (mpirun may still exit non-zero when the
    # signal arrives as the ranks exit): not an interruption, so try again.
    if [ -e "$tmp/$name.nc" ]; then
      echo "note: $name: the run finished (exit $rc) before the stop landed (attempt $attempt); retrying" >&2
      rm -f "$tmp/$name.nc" "$tmp/$name.nc.partial"
      continue
    fi
    if [ "$rc" -ne 0 ]; then return 0; fi # a failure: the caller's checks report it
  done
  fail "$name: three runs finished before the stop landed"
}

# --- (a) The reference: one uninterrupted run.
run_to 2 "$tmp/ref.nc"
[ "$rc" -eq 0 ] || fail "reference run: exit $rc"
[ -f "$tmp/ref.nc" ] && [ ! -e "$tmp/ref.nc.partial" ] || fail "reference run: no ref.nc, or a partial left behind"
[ "$(done_count "$tmp/ref.nc")" -eq "$patients" ] || fail "reference run: not every chunk is marked done"
data_of "$tmp/ref.nc" >"$tmp/ref.cdl"
ok "reference: $patients patients of $(basename "$cohort") on 2 ranks"

# resume_and_compare NAME RANKS WHAT: --resume on RANKS ranks completes NAME.nc with the
# reference's data.
resume_and_compare() {
  local name=$1 ranks=$2 what=$3
  run_to "$ranks" "$tmp/$name.nc" --resume
  [ "$rc" -eq 0 ] || fail "$what: --resume on $ranks ranks: exit $rc, want 0"
  [ -f "$tmp/$name.nc" ] || fail "$what: --resume did not create $name.nc"
  [ ! -e "$tmp/$name.nc.partial" ] || fail "$what: --resume left $name.nc.partial behind"
  expect_same_data "$tmp/$name.nc" "$what, resumed on $ranks ranks"
}

# expect_refused_resume NAME RANKS WHAT: --resume with another seed on NAME.nc.partial
# exits 2 naming the seed, and leaves the partial file byte for byte as it was.
expect_refused_resume() {
  local name=$1 ranks=$2 what=$3 n
  cp "$tmp/$name.nc.partial" "$tmp/$name.before"
  run_to "$ranks" "$tmp/$name.nc" --resume -s $((seed + 1))
  [ "$rc" -eq 2 ] || fail "$what: --resume with another seed on the partial file: exit $rc, want 2"
  grep -q -F "different run" "$tmp/stderr" && grep -q -F "seed" "$tmp/stderr" ||
    fail "$what: --resume with another seed: the message does not say the seed differs"
  n=$(grep -c '^cohortsim: error: ' "$tmp/stderr" || true)
  [ "$n" -eq 1 ] || fail "$what: --resume with another seed: $n 'cohortsim: error:' lines, want 1"
  [ -f "$tmp/$name.nc.partial" ] || fail "$what: --resume with another seed removed the partial file"
  cmp -s "$tmp/$name.nc.partial" "$tmp/$name.before" ||
    fail "$what: --resume with another seed modified the partial file (cmp: $(cmp "$tmp/$name.nc.partial" "$tmp/$name.before" 2>&1 | head -n 1))"
  [ ! -e "$tmp/$name.nc" ] || fail "$what: --resume with another seed created $name.nc"
  ok "$what: --resume with another seed on the partial file: exit 2, '$(grep '^cohortsim: error: ' "$tmp/stderr" | sed 's/.*is from/... is from/')', partial untouched (cmp)"
}

# --- (b) SIGTERM to every rank (what SLURM does at the time limit or on scancel).
interrupt term term-ranks
[ "$rc" -eq 75 ] || { head -c 3000 "$tmp/term.stderr" >&2; fail "SIGTERM: exit $rc, want 75"; }
grep -q -F "stopped by a signal" "$tmp/term.stderr" || fail "SIGTERM: stderr does not say 'stopped by a signal'"
grep -q -F -- "--resume" "$tmp/term.stderr" || fail "SIGTERM: stderr does not suggest --resume"
n=$(grep -c '^cohortsim: error: ' "$tmp/term.stderr" || true)
[ "$n" -eq 1 ] || fail "SIGTERM: $n 'cohortsim: error:' lines, want 1 (printed once, by rank 0)"
n_done=$(expect_partial term "SIGTERM")
ok "SIGTERM to the ranks: exit 75, term.nc.partial with $n_done of $patients chunks done, the others at the fill value, no term.nc"
resume_and_compare term 3 "SIGTERM"
ok "SIGTERM: --resume on 3 ranks (stopped on 2) gives the reference's data, bit for bit"

# SIGTERM to mpirun: Open MPI kills the job itself; the file is resumable all the same.
interrupt mpirun_term term-mpirun
[ "$rc" -ne 0 ] || fail "SIGTERM to mpirun: exit 0, want a failure"
stop_rc=$rc
n_done=$(expect_partial mpirun_term "SIGTERM to mpirun")
resume_and_compare mpirun_term 3 "SIGTERM to mpirun"
ok "SIGTERM to mpirun: exit $stop_rc, mpirun_term.nc.partial with $n_done of $patients chunks done, --resume on 3 ranks gives the reference's data"

# --- (c) SIGKILL of mpirun and every rank: no chance to clean up.
interrupt kill9 kill9
[ "$rc" -ne 0 ] || fail "SIGKILL: mpirun exited 0"
n_done=$(expect_partial kill9 "SIGKILL")
ok "SIGKILL of mpirun and the ranks: kill9.nc.partial with $n_done of $patients chunks done, no kill9.nc"
# (e) A killed run's partial file was never closed: opening it for writing would rewrite
# its metadata, so a refused resume must not open it for writing.
expect_refused_resume kill9 3 "SIGKILL"
resume_and_compare kill9 3 "SIGKILL"
ok "SIGKILL: --resume on 3 ranks gives the reference's data, bit for bit"

# --- (d) --resume on a finished file: nothing to do, the file is not touched.
cp "$tmp/term.nc" "$tmp/term.before"
run_to 2 "$tmp/term.nc" --resume
[ "$rc" -eq 0 ] || fail "--resume on a finished file: exit $rc, want 0"
cmp -s "$tmp/term.nc" "$tmp/term.before" || fail "--resume on a finished file changed it"
[ ! -e "$tmp/term.nc.partial" ] || fail "--resume on a finished file created term.nc.partial"
ok "--resume on a finished file: exit 0, file unchanged (cmp), no partial file"
# ... but only if it is the same run.
run_to 2 "$tmp/term.nc" --resume -s $((seed + 1))
[ "$rc" -eq 2 ] || fail "--resume with another seed on a finished file: exit $rc, want 2"
grep -q -F "seed" "$tmp/stderr" || fail "--resume with another seed on a finished file: the message does not name the seed"
cmp -s "$tmp/term.nc" "$tmp/term.before" || fail "--resume with another seed changed the finished file"
ok "--resume with another seed on a finished file: exit 2, names the seed, file unchanged"

# --- (f) SIGUSR1 (mpirun forwards it to the ranks) works like SIGTERM.
interrupt usr1 usr1-mpirun
[ "$rc" -eq 75 ] || { head -c 3000 "$tmp/usr1.stderr" >&2; fail "SIGUSR1: exit $rc, want 75"; }
grep -q -F "stopped by a signal" "$tmp/usr1.stderr" || fail "SIGUSR1: stderr does not say 'stopped by a signal'"
n_done=$(expect_partial usr1 "SIGUSR1")
ok "SIGUSR1 to mpirun: exit 75, usr1.nc.partial with $n_done of $patients chunks done, no usr1.nc"

# --- (e) --resume of another run (another seed) on that partial: refused, untouched.
expect_refused_resume usr1 3 "SIGUSR1"
resume_and_compare usr1 3 "SIGUSR1"
ok "SIGUSR1: --resume on 3 ranks (after the refused one) gives the reference's data, bit for bit"

# The comparison can fail: a run with another seed does not match the reference.
run_to 2 "$tmp/other.nc" -s $((seed + 1))
[ "$rc" -eq 0 ] || fail "run with seed $((seed + 1)): exit $rc"
if diff -q "$tmp/ref.cdl" <(data_of "$tmp/other.nc") >/dev/null; then
  fail "seeds $seed and $((seed + 1)) gave identical data: the comparison cannot tell runs apart"
fi
ok "the comparison can fail: another seed gives other data"
