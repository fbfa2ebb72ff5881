#!/usr/bin/env bash
# Progress reporting: without --quiet, rank 0 prints full progress lines to stderr when it
# is not a terminal (here: a file); with --quiet a successful run prints nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

for ranks in 1 3; do
  out="$tmp/progress$ranks.nc"
  cohortsim_mpi "$ranks" run "$cohort" -o "$out" -n 30
  expect_rc 0 "run without --quiet ($ranks ranks)"
  [ -f "$out" ] || fail "run without --quiet ($ranks ranks): no output file"
  n=$(grep -c 'patients' "$tmp/stderr" || true)
  [ "$n" -ge 1 ] || fail "run without --quiet ($ranks ranks): no progress line with 'patients' on stderr"
  progress=$(grep -E '[0-9]+/[0-9]+ patients' "$tmp/stderr" || true)
  [ -n "$progress" ] || fail "run without --quiet ($ranks ranks): no 'done/total patients' progress line"
  for field in 'patients/s' 'ETA'; do
    [[ "$progress" == *"$field"* ]] || fail "run without --quiet ($ranks ranks): progress line lacks '$field': $progress"
  done
  # Not a terminal: whole lines, no carriage returns redrawing a line.
  if grep -q $'\r' "$tmp/stderr"; then
    fail "run without --quiet ($ranks ranks): carriage returns on a non-terminal stderr"
  fi
  # Only rank 0 reports: one progress line for this short run, not one per rank.
  lines=$(echo "$progress" | wc -l)
  [ "$lines" -eq 1 ] || fail "run without --quiet ($ranks ranks): $lines progress lines, want 1 (rank 0 only)"
  ok "run without --quiet, $ranks rank(s): one progress line on stderr: $progress"
  expect_stderr "wrote $out" "run without --quiet ($ranks ranks)"
  ok "run without --quiet, $ranks rank(s): stderr names the file written"
  [ ! -s "$tmp/stdout" ] || fail "run without --quiet ($ranks ranks): wrote to stdout"
  ok "run without --quiet, $ranks rank(s): stdout empty"

  cohortsim_mpi "$ranks" run "$cohort" -o "$out" -n 30 --quiet --restart
  expect_rc 0 "run --quiet ($ranks ranks)"
  [ ! -s "$tmp/stderr" ] || fail "run --quiet ($ranks ranks): stderr is not empty"
  [ ! -s "$tmp/stdout" ] || fail "run --quiet ($ranks ranks): stdout is not empty"
  ok "run --quiet, $ranks rank(s): exit 0, stderr and stdout empty"
done

# --quiet does not silence errors.
cohortsim run "$tmp/missing.yaml" -o "$tmp/x.nc" -n 30 --quiet
expect_rc 4 "run --quiet of a missing cohort"
expect_one_error "run --quiet of a missing cohort"
ok "run --quiet still reports an error"
