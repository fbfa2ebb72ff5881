#!/usr/bin/env bash
# Shards: `run --shard K/N` runs (each on its own number of ranks) joined by `cohortsim
# merge`, given in any order, equal a single run in every data value, for a patient count
# that N does not divide. merge refuses (one clear message, no OUT.nc nor OUT.nc.partial
# left behind, an existing OUT.nc untouched) with exit 2 a missing shard, a shard given
# twice, a shard of another seed and a shard of another shard count, and with exit 4 an
# incomplete shard (the partial file of an interrupted shard run), saying how many chunks
# are done. --shard 3/3 and --shard x are usage
# errors.
set -euo pipefail
source "${COHORTSIM_SOURCE_DIR:?COHORTSIM_SOURCE_DIR must name the source tree}/tests/support/script_common.bash"

cohort="$src/tests/data/variability.yaml"
patients=61 # not divisible by 3
seed=7
timeout_seconds=120

# run_mpi RANKS OUT [options]: `run` of the test cohort on RANKS ranks.
run_mpi() {
  local ranks=$1 out=$2
  shift 2
  capture mpirun -n "$ranks" --oversubscribe "$bin" run "$cohort" -o "$out" -n "$patients" \
    -s "$seed" --quiet "$@"
}
merge() { capture "$bin" merge "$@"; }
error_line() { grep -m1 -E '^cohortsim: error: ' "$tmp/stderr" | cut -c1-150; }

source "$src/tests/support/output_data.bash"
# attribute FILE NAME: a numeric global attribute's value.
attribute() {
  ncdump -h "$1" | sed -n -E "s/^[[:space:]]*:$2 = ([0-9]+)(ULL)? ;$/\\1/p"
}
dimension() {
  ncdump -h "$1" | sed -n -E "s/^[[:space:]]*$2 = ([0-9]+) ;$/\\1/p"
}

# --- The reference: a single run on 2 ranks.
run_mpi 2 "$tmp/single.nc"
expect_rc 0 "single run"
data_of "$tmp/single.nc" >"$tmp/single.cdl"
ok "reference: $patients patients of $(basename "$cohort") in one run on 2 ranks"

# --- Three shards, on 1, 2 and 3 ranks.
for k in 0 1 2; do
  run_mpi $((k + 1)) "$tmp/shard$k.nc" --shard "$k/3"
  expect_rc 0 "shard $k/3 on $((k + 1)) ranks"
  [ -f "$tmp/shard$k.nc" ] && [ ! -e "$tmp/shard$k.nc.partial" ] ||
    fail "shard $k/3: no shard$k.nc, or a partial file left behind"
done
# They split the patients: 0..19, 20..39, 40..60.
total=0
for k in 0 1 2; do
  first=$(attribute "$tmp/shard$k.nc" shard_first_patient)
  count=$(dimension "$tmp/shard$k.nc" patient)
  [ "$(attribute "$tmp/shard$k.nc" shard_index)" = "$k" ] || fail "shard$k.nc: shard_index is not $k"
  [ "$(attribute "$tmp/shard$k.nc" shard_count)" = 3 ] || fail "shard$k.nc: shard_count is not 3"
  [ "$first" = "$total" ] || fail "shard$k.nc: first patient $first, want $total (shards must be contiguous)"
  total=$((total + count))
done
[ "$total" -eq "$patients" ] || fail "the shards hold $total patients, want $patients"
ok "shards 0/3, 1/3, 2/3 on 1, 2 and 3 ranks: contiguous, $patients patients in all"

# --- merge, in a scrambled order, equals the single run.
merge "$tmp/shard2.nc" "$tmp/shard0.nc" "$tmp/shard1.nc" -o "$tmp/merged.nc"
expect_rc 0 "merge shard2 shard0 shard1"
[ -f "$tmp/merged.nc" ] || fail "merge did not create merged.nc"
[ ! -e "$tmp/merged.nc.partial" ] || fail "merge left merged.nc.partial behind"
if ! diff -q "$tmp/single.cdl" <(data_of "$tmp/merged.nc") >/dev/null; then
  echo "FAIL: the merged shards differ from the single run:" >&2
  diff "$tmp/single.cdl" <(data_of "$tmp/merged.nc") | head -20 >&2
  exit 1
fi
ok "merge of shards 2, 0, 1 equals the single run in every data value"

# The comparison can fail: a single run with another seed differs.
run_mpi 2 "$tmp/seed8.nc" -s $((seed + 1))
expect_rc 0 "single run with seed $((seed + 1))"
if diff -q "$tmp/single.cdl" <(data_of "$tmp/seed8.nc") >/dev/null; then
  fail "seeds $seed and $((seed + 1)) gave identical data: the comparison cannot tell runs apart"
fi
ok "the comparison can fail: another seed gives other data"

# --- Refusals. expect_refused WHAT TEXT [CODE]: exit CODE (2: shards that are not one
# run; 4: a malformed or incomplete file), one error line containing TEXT, and no OUT.nc
# or OUT.nc.partial.
out="$tmp/out.nc"
expect_refused() {
  local code=${3:-2}
  expect_rc "$code" "$1"
  expect_one_error "$1"
  expect_stderr "$2" "$1"
  [ ! -e "$out" ] || fail "$1: merge left $out behind"
  [ ! -e "$out.partial" ] || fail "$1: merge left $out.partial behind"
  ok "$1: exit $code, $(error_line)"
}

merge "$tmp/shard0.nc" "$tmp/shard2.nc" -o "$out"
expect_refused "a missing shard (0 and 2 of 3)" "merge needs all shards"
merge "$tmp/shard2.nc" "$tmp/shard1.nc" -o "$out"
expect_refused "a missing shard (2 and 1 of 3)" "merge needs all shards"

merge "$tmp/shard0.nc" "$tmp/shard1.nc" "$tmp/shard1.nc" -o "$out"
expect_refused "a shard given twice" "given twice"

run_mpi 2 "$tmp/other_seed1.nc" --shard 1/3 -s $((seed + 1))
expect_rc 0 "shard 1/3 with seed $((seed + 1))"
merge "$tmp/shard0.nc" "$tmp/other_seed1.nc" "$tmp/shard2.nc" -o "$out"
expect_refused "a shard of another seed" "seed"

run_mpi 1 "$tmp/half1.nc" --shard 1/2
expect_rc 0 "shard 1/2"
merge "$tmp/shard0.nc" "$tmp/half1.nc" "$tmp/shard2.nc" -o "$out"
expect_refused "a shard of another shard count (1/2 among x/3)" "number of shards"
# The first file's count matches the number of files, a later one's index does not fit
# (merge once wrote past its table of seen shards here).
run_mpi 2 "$tmp/half0.nc" --shard 0/2
expect_rc 0 "shard 0/2"
merge "$tmp/half0.nc" "$tmp/shard2.nc" -o "$out"
expect_refused "a shard 2/3 after a shard 0/2" "number of shards"

# expect_refused_keeping WHAT TEXT: merge exited 4 naming TEXT, and left the existing
# $out as it was and no $out.partial.
expect_refused_keeping() {
  expect_rc 4 "$1"
  expect_stderr "$2" "$1"
  cmp -s "$out" "$tmp/out.before" || fail "$1 changed the existing $out"
  [ ! -e "$out.partial" ] || fail "$1 left $out.partial behind"
}
# An existing OUT.nc is never replaced: merge refuses it before reading any shard, even
# with the right shards (a merged file is a result, like a run's).
echo "an earlier result" >"$out"
cp "$out" "$tmp/out.before"
merge "$tmp/shard0.nc" "$tmp/shard1.nc" "$tmp/shard2.nc" -o "$out"
expect_refused_keeping "merge onto an existing file" "exists: remove it or choose another -o"
merge "$tmp/shard0.nc" "$tmp/shard1.nc" "$tmp/shard1.nc" -o "$out"
expect_refused_keeping "a failed merge onto an existing file" "exists"
rm -f "$out" "$tmp/out.before"
ok "merge leaves an existing OUT.nc as it was"

# --- An incomplete shard: the partial file of a shard run stopped by SIGUSR1. The slower
# default cohort (one patient per chunk) leaves time to stop it after a few chunks.
slow_cohort="$src/cohorts/necroptosis_triple.yaml"
slow_patients=200
slow_run() { # ranks out shard [options]
  local ranks=$1 out=$2 shard=$3
  shift 3
  capture mpirun -n "$ranks" --oversubscribe "$bin" run "$slow_cohort" -o "$out" \
    -n "$slow_patients" -s "$seed" --shard "$shard" --quiet "$@"
}
# done_count FILE: chunks marked done (1); unwritten ones hold the fill value 255.
done_count() {
  ncdump -v chunk_done "$1" 2>/dev/null | sed -n '/^data:/,$p' | tr -d ' \n;}' |
    sed 's/.*chunk_done=//' | tr ',' '\n' | grep -c -x 1 || true
}
slow_run 2 "$tmp/slow0.nc" 0/2
expect_rc 0 "shard 0/2 of $(basename "$slow_cohort")"
interrupted=false
for attempt in 1 2 3; do
  partial="$tmp/slow1.nc.partial"
  rm -f "$tmp/slow1.nc" "$partial"
  mpirun -n 1 --oversubscribe "$bin" run "$slow_cohort" -o "$tmp/slow1.nc" -n "$slow_patients" \
    -s "$seed" --shard 1/2 --quiet 2>"$tmp/slow1.stderr" &
  pid=$!
  deadline=$((SECONDS + timeout_seconds))
  while kill -0 "$pid" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "shard 1/2: no chunk done within ${timeout_seconds}s"
    if [ -f "$partial" ] && [ "$(done_count "$partial")" -ge 2 ]; then
      kill -USR1 "$pid"
      break
    fi
    sleep 0.02
  done
  while kill -0 "$pid" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "shard 1/2: did not stop within ${timeout_seconds}s"
    sleep 0.1
  done
  set +e
  wait "$pid"
  stop_rc=$?
  set -e
  if [ "$stop_rc" -eq 0 ] && [ -f "$tmp/slow1.nc" ]; then
    echo "note: shard 1/2 finished before the stop landed (attempt $attempt); retrying" >&2
    continue
  fi
  [ "$stop_rc" -eq 75 ] || { head -c 3000 "$tmp/slow1.stderr" >&2; fail "shard 1/2 stopped by SIGUSR1: exit $stop_rc, want 75"; }
  interrupted=true
  break
done
$interrupted || fail "shard 1/2: three runs finished before the stop landed"
[ -f "$partial" ] || fail "the stopped shard run left no $partial"
n_done=$(done_count "$partial")
[ "$n_done" -gt 0 ] && [ "$n_done" -lt $((slow_patients / 2)) ] ||
  fail "the stopped shard has $n_done of $((slow_patients / 2)) chunks done, want some but not all"

merge "$tmp/slow0.nc" "$partial" -o "$out"
expect_refused "an incomplete shard (.partial, $n_done of $((slow_patients / 2)) chunks)" \
  "incomplete: $n_done of $((slow_patients / 2)) chunks done" 4
# Renamed, it is still incomplete: merge reads the done mask, not the name.
cp "$partial" "$tmp/renamed1.nc"
merge "$tmp/renamed1.nc" "$tmp/slow0.nc" -o "$out"
expect_refused "an incomplete shard renamed to .nc" "incomplete" 4
expect_stderr "renamed1.nc" "an incomplete shard renamed to .nc (the message names the file)"

# Once resumed, the same shard merges.
slow_run 3 "$tmp/slow1.nc" 1/2 --resume
expect_rc 0 "--resume of the stopped shard 1/2 on 3 ranks"
merge "$tmp/slow1.nc" "$tmp/slow0.nc" -o "$tmp/slow.nc"
expect_rc 0 "merge of the resumed shard"
capture mpirun -n 2 --oversubscribe "$bin" run "$slow_cohort" -o "$tmp/slow_single.nc" \
  -n "$slow_patients" -s "$seed" --quiet
expect_rc 0 "single run of $(basename "$slow_cohort")"
if ! diff -q <(data_of "$tmp/slow_single.nc") <(data_of "$tmp/slow.nc") >/dev/null; then
  echo "FAIL: the merge of a resumed shard differs from the single run:" >&2
  diff <(data_of "$tmp/slow_single.nc") <(data_of "$tmp/slow.nc") | head -20 >&2
  exit 1
fi
ok "the stopped shard, resumed on 3 ranks, merges into the single run's data"

# --- --shard usage errors: exit 2, one message, no output.
for bad in 3/3 x 1/0 -1/3 1/3x; do
  run_mpi 2 "$tmp/bad.nc" --shard "$bad"
  expect_rc 2 "--shard $bad"
  expect_one_error "--shard $bad"
  expect_stderr "--shard" "--shard $bad"
  [ ! -e "$tmp/bad.nc" ] && [ ! -e "$tmp/bad.nc.partial" ] || fail "--shard $bad: created an output file"
done
ok "--shard 3/3, x, 1/0, -1/3 and 1/3x: exit 2, one message naming --shard, no output"
