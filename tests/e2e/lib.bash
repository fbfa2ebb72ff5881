# Shared helpers of the end-to-end scripts (tests/e2e/*.sh source this file; its name does
# not end in .sh, so ctest does not run it as a test of its own): those of every test
# script (tests/support/script_common.bash), the e2e test cohort and the commands below.

source "${COHORTSIM_SOURCE_DIR:?COHORTSIM_SOURCE_DIR must name the source tree}/tests/support/script_common.bash"
cohort="$src/tests/data/two_arms.yaml"

# cohortsim ARGS...: one process (MPI singleton).
cohortsim() { capture "$bin" "$@"; }
# cohortsim_mpi RANKS ARGS...: under mpirun.
cohortsim_mpi() {
  local ranks=$1
  shift
  capture mpirun -n "$ranks" --oversubscribe "$bin" "$@"
}

expect_stdout() {
  grep -q -F -- "$1" "$tmp/stdout" || fail "$2: stdout does not contain '$1'"
}
# values FILE VARIABLE: the variable's data, one value per line, in ncdump's order (the
# last dimension varies fastest), doubles with 17 significant digits (exact).
values() {
  ncdump -p 9,17 -v "$2" "$1" | sed -n '/^data:/,$p' | sed '1d;$d' | tr -d '\n' |
    sed -E "s/^[[:space:]]*$2 = //; s/[[:space:]]*;[[:space:]]*$//" | tr ',' '\n' |
    sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//'
}

