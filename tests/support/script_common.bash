# Shared set-up and helpers of the test scripts (tests/e2e/*.sh through lib.bash, and
# tests/mpi/*.sh): the binary and source tree from the environment ctest sets, a
# temporary directory, bounded commands and their checks. Each script: `set -euo
# pipefail`, one "ok: ..." line per passed check, and "FAIL: ..." plus a non-zero exit at
# the first failed check.

bin=${COHORTSIM_BINARY:?COHORTSIM_BINARY must name the cohortsim executable}
src=${COHORTSIM_SOURCE_DIR:?COHORTSIM_SOURCE_DIR must name the source tree}
tmp=$(mktemp -d)
# Every process a test starts has "$tmp/" on its command line: on exit, none survives.
cleanup() {
  pkill -KILL -f "$tmp/" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
# A hung command (e.g. ranks that do not agree on a failure) fails the test instead of
# blocking it until ctest's timeout. Scripts may raise it.
timeout_seconds=60

fail() {
  echo "FAIL: $*" >&2
  if [ -s "$tmp/stderr" ]; then
    echo "--- stderr of the last command run ($last_command):" >&2
    head -c 3000 "$tmp/stderr" >&2
  fi
  exit 1
}
ok() { echo "ok: $*"; }

# capture CMD...: runs CMD under `timeout`, stdout to $tmp/stdout, stderr to $tmp/stderr,
# exit status in $rc (124: timed out).
last_command=""
capture() {
  last_command="$*"
  set +e
  timeout "$timeout_seconds" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  set -e
}

# expect_rc CODE WHAT: the last captured command exited with CODE.
expect_rc() {
  local want=$1 what=$2
  if [ "$rc" -eq 124 ]; then
    fail "$what: timed out after ${timeout_seconds}s (want exit $want)"
  fi
  [ "$rc" -eq "$want" ] || fail "$what: exit code $rc, want $want"
}
# expect_stderr PATTERN WHAT: stderr of the last command matches the fixed string.
expect_stderr() {
  grep -q -F -- "$1" "$tmp/stderr" || fail "$2: stderr does not contain '$1'"
}
# error_lines: the lines cohortsim printed as errors (mpirun adds its own banners).
error_lines() { grep -E '^cohortsim: error: ' "$tmp/stderr" || true; }
# expect_one_error WHAT: exactly one "cohortsim: error:" line (once, not once per rank).
expect_one_error() {
  local n
  n=$(error_lines | wc -l)
  [ "$n" -eq 1 ] || fail "$1: $n 'cohortsim: error:' lines on stderr, want exactly 1"
}
