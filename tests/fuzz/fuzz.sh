#!/usr/bin/env bash
# Fuzzes each libFuzzer harness for a bounded time, starting from its corpus in the
# repository, with its dictionary (tests/fuzz/HARNESS.dict) if it has one
# (docs/reliability.md).
#
#   tests/fuzz/fuzz.sh BUILD_DIR SECONDS [HARNESS...]     (default: cohort expr netcdf)
#
# BUILD_DIR is a build configured with -DCOHORTSIM_FUZZ=ON (tools/quickstart.sh test
# makes build-fuzz). New inputs go to BUILD_DIR/fuzz/HARNESS/corpus, never into the
# repository: add one to tests/fuzz/corpus/HARNESS by hand when it covers something
# new worth keeping. A crash, a sanitizer report, a leak or a hang (an input running
# over 30 s) leaves its input in BUILD_DIR/fuzz/HARNESS/findings and fails the run.
# Prints libFuzzer's final statistics line (inputs run, execs/s, coverage) per harness.
# SECONDS 0 fuzzes nothing (libFuzzer would take it as no limit).
set -euo pipefail

[ $# -ge 2 ] || {
  echo "usage: tests/fuzz/fuzz.sh BUILD_DIR SECONDS [HARNESS...]" >&2
  exit 2
}
build=$(cd "$1" && pwd)
seconds=$2
shift 2
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(cohort expr netcdf)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $seconds =~ ^[0-9]+$ ]] || {
  echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2
  exit 2
}
if [ "$seconds" -eq 0 ]; then
  echo "fuzz.sh: 0 seconds: no fuzzing"
  exit 0
fi

failed=0
for name in "${harnesses[@]}"; do
  binary="$build/tests/fuzz/fuzz_$name"
  [ -x "$binary" ] || {
    echo "fuzz.sh: no $binary: build it with -DCOHORTSIM_FUZZ=ON" >&2
    exit 2
  }
  work="$build/fuzz/$name"
  mkdir -p "$work/corpus" "$work/findings"
  log="$work/fuzz.log"
  options=()
  [ ! -f "$here/$name.dict" ] || options+=(-dict="$here/$name.dict")
  echo "fuzz.sh: fuzzing $name for ${seconds}s (log: $log)"
  if "$binary" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$work/findings/" "${options[@]}" "$work/corpus" "$here/corpus/$name" \
    >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    coverage=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+).*/\1/')
    echo "fuzz.sh: $name: $runs inputs, $speed exec/s, $coverage, no finding"
  else
    failed=1
    echo "fuzz.sh: $name: FINDING, input(s) in $work/findings:" >&2
    ls "$work/findings" >&2
    grep -E -A12 '^==[0-9]+==ERROR|^SUMMARY|ALARM: working on the last Unit' "$log" | head -40 >&2
  fi
done
exit "$failed"
