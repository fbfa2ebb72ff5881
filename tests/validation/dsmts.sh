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
# The run and the judge are case.bash's, shared with sbml.sh.
set -euo pipefail
# shellcheck source=tests/validation/case.bash
source "$(dirname "${BASH_SOURCE[0]}")/case.bash" dsmts.sh DSMTS "$@"

cohort="$src/cohorts/validation/dsmts_$case_id.yaml"
[ -f "$cohort" ] || fail "case $case_id: no cohort file $cohort (docs/validation.md says why)"

run_and_judge "$cohort" "$suite/$case_id-results.csv" ""
