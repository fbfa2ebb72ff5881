#!/usr/bin/env bash
# One writer per output: a second run on an output that a run is writing is refused at
# once, naming the first (host, pid); the lock file of a killed run does not block the
# next run; a checkpoint (OUT.nc.partial) or a finished OUT.nc is not replaced without
# --resume or --restart.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

out="$tmp/shared.nc"
# The first run: far more patients than it can simulate before it is killed.
"$bin" run "$cohort" -o "$out" -n 2000000 -s 1 --quiet 2>"$tmp/first.stderr" &
first=$!
for _ in $(seq 300); do
  if [ -f "$out.partial" ] && grep -q "pid $first" "$out.lock" 2>/dev/null; then break; fi
  kill -0 "$first" 2>/dev/null || fail "the first run ended early: $(cat "$tmp/first.stderr")"
  sleep 0.1
done
[ -f "$out.partial" ] || fail "the first run created no $out.partial within 30 s"
grep -q "pid $first" "$out.lock" || fail "$out.lock does not name the first run (pid $first): $(cat "$out.lock")"
ok "a running run holds $out.lock: $(cat "$out.lock")"

for ranks in 1 3; do
  start=$SECONDS
  cohortsim_mpi "$ranks" run "$cohort" -o "$out" -n 20 -s 2 --quiet --restart
  expect_rc 4 "a second run on the same output ($ranks ranks)"
  expect_one_error "a second run on the same output ($ranks ranks)"
  expect_stderr "is being written by another run (host $(hostname), pid $first)" \
    "a second run on the same output ($ranks ranks)"
  [ $((SECONDS - start)) -le 10 ] || fail "a second run ($ranks ranks): refused only after $((SECONDS - start)) s"
  kill -0 "$first" 2>/dev/null || fail "the first run did not survive the second"
  ok "a second run on the same output, $ranks rank(s): exit 4 at once: $(error_lines)"
done

kill -KILL "$first"
wait "$first" 2>/dev/null || true
[ -f "$out.lock" ] && [ -f "$out.partial" ] || fail "kill -9 left no lock file or no partial file"

# A checkpoint is not discarded by a run without --resume.
cp "$out.partial" "$tmp/checkpoint"
cohortsim run "$cohort" -o "$out" -n 20 -s 2 --quiet
expect_rc 4 "a run over a checkpoint without --resume"
expect_stderr "'$out.partial' holds the checkpoint of an earlier run: pass --resume to continue it, or --restart to discard it" \
  "a run over a checkpoint without --resume"
cmp -s "$out.partial" "$tmp/checkpoint" || fail "a run over a checkpoint without --resume: changed it"
ok "a run over a checkpoint without --resume: exit 4, says --resume or --restart, checkpoint unchanged"

# --restart discards it; the stale lock file of the killed run does not block.
cohortsim run "$cohort" -o "$out" -n 20 -s 2 --quiet --restart
expect_rc 0 "--restart over a checkpoint and a stale lock file"
[ -f "$out" ] && [ ! -e "$out.partial" ] && [ ! -e "$out.lock" ] ||
  fail "--restart: want $out, no partial, no lock file left"
ok "--restart over a killed run's checkpoint and lock file: exit 0, nothing left behind"

# A finished file is not replaced without --restart; --resume of the same run is a no-op.
cp "$out" "$tmp/finished"
cohortsim run "$cohort" -o "$out" -n 20 -s 3 --quiet
expect_rc 4 "a run over a finished file"
expect_stderr "'$out' exists: remove it, choose another -o, or pass --restart" "a run over a finished file"
cmp -s "$out" "$tmp/finished" || fail "a run over a finished file: changed it"
ok "a run over a finished file without --restart: exit 4, file unchanged"
cohortsim run "$cohort" -o "$out" -n 20 -s 2 --quiet --resume
expect_rc 0 "--resume of the finished run"
cmp -s "$out" "$tmp/finished" || fail "--resume of the finished run: changed the file"
cohortsim run "$cohort" -o "$out" -n 20 -s 3 --quiet --restart
expect_rc 0 "--restart over a finished file"
[ "$(values "$out" os_time | head -3)" != "$(values "$tmp/finished" os_time | head -3)" ] ||
  fail "--restart over a finished file: the file still holds the old run"
ok "--resume of a finished run leaves it; --restart replaces it with the new run"
