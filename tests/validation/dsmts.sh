#!/bin/bash
# dsmts.sh NNNNN [judge.py options]: runs the SBML stochastic test suite's case NNNNN
# (cohorts/validation/dsmts_NNNNN.yaml) with 10,000 patients on 2 MPI ranks and a fixed
# seed into a temporary directory, then judges the species and observable means and
# standard deviations against the case's exact values (tests/validation/judge.py, with
# tests/validation/suite/NNNNN/). Extra arguments go to judge.py (e.g. --table, --map).
#
# Under ctest (validation_dsmts_NNNNN) the environment names the binary and the source
# tree; run by hand from a build, it defaults to the tree the script is in and its
# build/cohortsim. DSMTS_PATIENTS and DSMTS_SEED change the run (docs/validation.md).
set -euo pipefail

case_id=${1:?usage: dsmts.sh NNNNN [judge.py options]}
shift
[[ $case_id =~ ^[0-9]{5}$ ]] || { echo "dsmts.sh: case '$case_id': expected 5 digits, e.g. 00001" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export COHORTSIM_SOURCE_DIR=${COHORTSIM_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
export COHORTSIM_BINARY=${COHORTSIM_BINARY:-$COHORTSIM_SOURCE_DIR/build/cohortsim}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
source "$COHORTSIM_SOURCE_DIR/tests/support/script_common.bash"
# The slowest case takes about a minute on 2 cores (docs/validation.md).
timeout_seconds=600

patients=${DSMTS_PATIENTS:-10000}
seed=${DSMTS_SEED:-1}
cohort="$src/cohorts/validation/dsmts_$case_id.yaml"
suite="$src/tests/validation/suite/$case_id"
python=/usr/bin/python3
[ -f "$cohort" ] || fail "case $case_id: no cohort file $cohort (docs/validation.md says why)"
[ -d "$suite" ] || fail "case $case_id: no suite files in $suite"
"$python" -c 'import netCDF4' 2>/dev/null ||
  fail "$python cannot import netCDF4: install the Debian package python3-netcdf4 (tools/packages.txt)"

capture mpirun -n 2 --oversubscribe "$bin" run "$cohort" -o "$tmp/out.nc" -n "$patients" -s "$seed" --quiet
expect_rc 0 "case $case_id: cohortsim run ($patients patients, seed $seed)"
ok "case $case_id: $patients patients simulated, seed $seed"

set +e
"$python" "$src/tests/validation/judge.py" "$tmp/out.nc" "$suite/$case_id-results.csv" \
  "$suite/$case_id-settings.txt" "$@"
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "case $case_id: the judge found failures (exit $rc); rerun with --table for the points"
ok "case $case_id: every mean and sd test passes"
