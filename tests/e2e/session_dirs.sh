#!/usr/bin/env bash
# The session directory that a one-process run makes in TMPDIR (cohortsim-mpi-PID-HOST-*)
# is removed by the next run when its process was killed; those of live processes and of
# other hosts are left alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

export TMPDIR="$tmp/scratch"
mkdir "$TMPDIR"
host=$(hostname)

# A run killed with -9 while it simulates leaves its session directory behind.
"$bin" run "$cohort" -o "$tmp/killed.nc" -n 2000000 --quiet 2>/dev/null &
runner=$!
for _ in $(seq 300); do
  [ -f "$tmp/killed.nc.partial" ] && break
  sleep 0.1
done
[ -f "$tmp/killed.nc.partial" ] || fail "the run to kill made no partial file within 30 s"
kill -KILL "$runner"
wait "$runner" 2>/dev/null || true
killed=$(find "$TMPDIR" -maxdepth 1 -name "cohortsim-mpi-$runner-*")
[ -n "$killed" ] || fail "the killed run left no session directory named after its pid $runner: $(ls "$TMPDIR")"
ok "a killed run leaves its session directory: $(basename "$killed")"

# Directories that must stay: a live process's (this shell) and another host's.
mkdir -p "$TMPDIR/cohortsim-mpi-$$-$host-Live01/inside" "$TMPDIR/cohortsim-mpi-$runner-other.host-Other1"

cohortsim run "$cohort" -o "$tmp/next.nc" -n 3 --quiet
expect_rc 0 "the next run"
[ ! -e "$killed" ] || fail "the next run did not remove the killed run's session directory"
[ -d "$TMPDIR/cohortsim-mpi-$$-$host-Live01/inside" ] || fail "removed a live process's session directory"
[ -d "$TMPDIR/cohortsim-mpi-$runner-other.host-Other1" ] || fail "removed another host's session directory"
left=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 | wc -l)
[ "$left" -eq 2 ] || fail "want only the two kept directories in TMPDIR, found: $(ls "$TMPDIR")"
ok "the next run removed the killed run's session directory and kept the others"
