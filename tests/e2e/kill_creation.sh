#!/usr/bin/env bash
# A kill -9 while the output file is being created leaves either no partial file or a
# resumable one (it is made as OUT.nc.partial.creating and renamed once complete), and
# --resume on a partial file that cannot be read says that --restart discards it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

patients=40
"$bin" run "$cohort" -o "$tmp/reference.nc" -n "$patients" -s 4 --quiet ||
  fail "the reference run failed"
source "$src/tests/support/output_data.bash"

# kill_when NAME SUFFIX: starts a run on NAME.nc and kills it (-9) the moment something
# appears at NAME.nc SUFFIX (polled every few milliseconds).
kill_when() {
  local out="$tmp/$1.nc" runner
  "$bin" run "$cohort" -o "$out" -n "$patients" -s 4 --quiet 2>/dev/null &
  runner=$!
  for _ in $(seq 20000); do
    [ -e "$out$2" ] && break
    kill -0 "$runner" 2>/dev/null || break
  done
  kill -KILL "$runner" 2>/dev/null || true
  wait "$runner" 2>/dev/null || true
}

# expect_resumable NAME WHAT: NAME.nc.partial is absent or readable, and --resume then
# completes NAME.nc with the reference's data.
expect_resumable() {
  local out="$tmp/$1.nc" state="no partial file"
  if [ -e "$out.partial" ]; then
    ncdump -h "$out.partial" >/dev/null 2>&1 || fail "$2: left an unreadable $out.partial"
    state="a readable partial file"
  fi
  cohortsim run "$cohort" -o "$out" -n "$patients" -s 4 --quiet --resume
  expect_rc 0 "$2: --resume"
  diff -q <(data_of "$tmp/reference.nc") <(data_of "$out") >/dev/null ||
    fail "$2: the resumed file's data differ from the reference"
  ok "$2: $state; --resume gives the reference's data"
}

for k in 1 2 3; do
  kill_when "appeared$k" .partial
  expect_resumable "appeared$k" "kill -9 as OUT.nc.partial appears ($k)"
  kill_when "creating$k" .partial.creating
  expect_resumable "creating$k" "kill -9 during creation ($k)"
done

printf 'not a NetCDF file\n' >"$tmp/junk.nc.partial"
cohortsim run "$cohort" -o "$tmp/junk.nc" -n "$patients" -s 4 --quiet --resume
expect_rc 4 "--resume of an unreadable partial file"
expect_one_error "--resume of an unreadable partial file"
expect_stderr "'$tmp/junk.nc.partial' is not a readable checkpoint" "--resume of an unreadable partial file"
expect_stderr "pass --restart instead of --resume to discard it" "--resume of an unreadable partial file"
[ "$(cat "$tmp/junk.nc.partial")" = "not a NetCDF file" ] || fail "--resume of an unreadable partial file: changed it"
ok "--resume of an unreadable partial file: exit 4: $(error_lines)"
cohortsim run "$cohort" -o "$tmp/junk.nc" -n "$patients" -s 4 --quiet --restart
expect_rc 0 "--restart over an unreadable partial file"
ok "--restart over an unreadable partial file: exit 0"
