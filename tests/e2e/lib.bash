# Shared helpers of the end-to-end scripts (tests/e2e/*.sh source this file; its name does
# not end in .sh, so ctest does not run it as a test of its own).
#
# Each script: `set -euo pipefail`, a temporary directory removed on exit, one "ok: ..."
# line per passed check, and "FAIL: ..." plus a non-zero exit at the first failed check.

bin=${COHORTSIM_BINARY:?COHORTSIM_BINARY must name the cohortsim executable}
src=${COHORTSIM_SOURCE_DIR:?COHORTSIM_SOURCE_DIR must name the source tree}
cohort="$src/tests/data/two_arms.yaml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A hung command (e.g. ranks that do not agree on a failure) fails the test instead of
# blocking it until ctest's timeout.
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
# cohortsim ARGS...: one process (MPI singleton).
cohortsim() { capture "$bin" "$@"; }
# cohortsim_mpi RANKS ARGS...: under mpirun.
cohortsim_mpi() {
  local ranks=$1
  shift
  capture mpirun -n "$ranks" --oversubscribe "$bin" "$@"
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
expect_stdout() {
  grep -q -F -- "$1" "$tmp/stdout" || fail "$2: stdout does not contain '$1'"
}
# error_lines: the lines cohortsim printed as errors (mpirun adds its own banners).
error_lines() { grep -E '^cohortsim: error: ' "$tmp/stderr" || true; }
# expect_one_error WHAT: exactly one "cohortsim: error:" line (once, not once per rank).
expect_one_error() {
  local n
  n=$(error_lines | wc -l)
  [ "$n" -eq 1 ] || fail "$1: $n 'cohortsim: error:' lines on stderr, want exactly 1"
}

# values FILE VARIABLE: the variable's data, one value per line, in ncdump's order (the
# last dimension varies fastest), doubles with 17 significant digits (exact).
values() {
  ncdump -p 9,17 -v "$2" "$1" | sed -n '/^data:/,$p' | sed '1d;$d' | tr -d '\n' |
    sed -E "s/^[[:space:]]*$2 = //; s/[[:space:]]*;[[:space:]]*$//" | tr ',' '\n' |
    sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//'
}

