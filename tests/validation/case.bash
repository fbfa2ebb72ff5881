# The part of dsmts.sh and sbml.sh that is the same: the case's arguments, the
# environment, the run of a cohort (10,000 patients on 2 MPI ranks, seed 1) and the judge
# (tests/validation/judge.py) on its output. The two scripts differ only in where the
# cohort and its expected results come from, so each keeps its own name (ctest,
# docs/validation.md and the cohort files' comments give them) and sources this file:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/case.bash" SCRIPT PREFIX NNNNN [judge.py options]
#
# PREFIX names the variables that change the run: DSMTS_PATIENTS and DSMTS_SEED for
# dsmts.sh, SBML_PATIENTS and SBML_SEED for sbml.sh. Sourcing leaves case_id, suite
# ($src/tests/validation/suite/NNNNN), python, patients, seed, tmp and the helpers of
# tests/support/script_common.bash (fail, ok, ...) set; the script then calls
#
#   run_and_judge COHORT RESULTS FROM
#
# where FROM ("" or e.g. " from the SBML file") only words the lines it prints.

script=${1:?usage: source case.bash SCRIPT PREFIX NNNNN [judge.py options]}
prefix=${2:?usage: source case.bash SCRIPT PREFIX NNNNN [judge.py options]}
shift 2
case_id=${1:?usage: $script NNNNN [judge.py options]}
shift
[[ $case_id =~ ^[0-9]{5}$ ]] || { echo "$script: case '$case_id': expected 5 digits, e.g. 00001" >&2; exit 2; }
# The rest go to judge.py (e.g. --table, --map, --skip). Sourced with arguments, this
# file has positional parameters of its own, gone when it returns: hence the copy.
judge_args=("$@")

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export COHORTSIM_SOURCE_DIR=${COHORTSIM_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
export COHORTSIM_BINARY=${COHORTSIM_BINARY:-$COHORTSIM_SOURCE_DIR/build/cohortsim}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# shellcheck source=tests/support/script_common.bash
source "$COHORTSIM_SOURCE_DIR/tests/support/script_common.bash"
# The slowest case takes about a minute on 2 cores (docs/validation.md).
timeout_seconds=600

patients_variable=${prefix}_PATIENTS
seed_variable=${prefix}_SEED
patients=${!patients_variable:-10000}
seed=${!seed_variable:-1}
suite="$src/tests/validation/suite/$case_id"
python=/usr/bin/python3
[ -d "$suite" ] || fail "case $case_id: no suite files in $suite"
"$python" -c 'import netCDF4' 2>/dev/null ||
  fail "$python cannot import netCDF4: install the Debian package python3-netcdf4 (tools/packages.txt)"

# run_and_judge COHORT RESULTS FROM: runs COHORT with $patients patients on 2 MPI ranks
# and seed $seed, then judges its output against RESULTS and the case's settings.
run_and_judge() {
  local cohort=$1 results=$2 from=$3
  capture mpirun -n 2 --oversubscribe "$bin" run "$cohort" -o "$tmp/out.nc" -n "$patients" -s "$seed" --quiet
  expect_rc 0 "case $case_id: cohortsim run$from ($patients patients, seed $seed)"
  ok "case $case_id: $patients patients simulated$from, seed $seed"

  set +e
  "$python" "$src/tests/validation/judge.py" "$tmp/out.nc" "$results" \
    "$suite/$case_id-settings.txt" "${judge_args[@]}"
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || fail "case $case_id: the judge found failures (exit $rc); rerun with --table for the points"
  ok "case $case_id: every mean and sd test passes"
}
