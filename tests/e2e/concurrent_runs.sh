#!/usr/bin/env bash
# Several one-process runs at once on one machine (a user's shell, a packed job array):
# each succeeds, prints nothing on stderr, and leaves nothing behind in TMPDIR. (Open
# MPI's isolated singletons would otherwise share one session directory, and the first
# to finish would delete it under the others: with a shared session directory, forced
# through OMPI_MCA_orte_tmpdir_base, this test failed in two of three tries.)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

export TMPDIR="$tmp/scratch"
mkdir "$TMPDIR"
# Short runs, many at once, so that some finish while others are starting.
runs=12
pids=()
for k in $(seq "$runs"); do
  "$bin" run "$cohort" -o "$tmp/run$k.nc" -n 2 -s "$k" --quiet >"$tmp/out$k" 2>"$tmp/err$k" &
  pids+=($!)
done
for k in $(seq "$runs"); do
  if ! wait "${pids[$((k - 1))]}"; then
    cat "$tmp/err$k" >&2
    fail "run $k of $runs concurrent runs failed"
  fi
  [ ! -s "$tmp/err$k" ] || fail "run $k printed on stderr: $(head -c 500 "$tmp/err$k")"
  [ -f "$tmp/run$k.nc" ] || fail "run $k wrote no file"
done
ok "$runs concurrent one-process runs: all exit 0, nothing on stderr"
left=$(find "$TMPDIR" -mindepth 1 | head -5)
[ -z "$left" ] || fail "left behind in TMPDIR: $left"
ok "nothing left behind in TMPDIR"
