#!/bin/bash
# sbml.sh NNNNN [judge.py options]: runs the SBML stochastic test suite's case NNNNN
# from the suite's own SBML file (tests/validation/suite/NNNNN/NNNNN-sbml-l3v2.xml) as a
# cohort on that model (`model: {sbml: ...}`), 10,000 patients on 2 MPI ranks, then
# judges it like dsmts.sh (tests/validation/judge.py).
#
# The suite's models declare their time unit (the second), which cohortsim converts to
# days: the run's follow-up is the case's duration in days, and the expected results'
# time column is converted the same way before the judge compares the grids. Under
# ctest (validation_sbml_NNNNN) the environment names the binary and the source tree;
# SBML_PATIENTS and SBML_SEED change the run.
set -euo pipefail

case_id=${1:?usage: sbml.sh NNNNN [judge.py options]}
shift
[[ $case_id =~ ^[0-9]{5}$ ]] || { echo "sbml.sh: case '$case_id': expected 5 digits, e.g. 00001" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export COHORTSIM_SOURCE_DIR=${COHORTSIM_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
export COHORTSIM_BINARY=${COHORTSIM_BINARY:-$COHORTSIM_SOURCE_DIR/build/cohortsim}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
source "$COHORTSIM_SOURCE_DIR/tests/support/script_common.bash"
timeout_seconds=600

patients=${SBML_PATIENTS:-10000}
seed=${SBML_SEED:-1}
suite="$src/tests/validation/suite/$case_id"
model="$suite/$case_id-sbml-l3v2.xml"
python=/usr/bin/python3
[ -f "$model" ] || fail "case $case_id: no SBML file $model"

# The case's grid (duration, steps) in days, and its results on that time axis.
"$python" - "$suite/$case_id-settings.txt" "$suite/$case_id-results.csv" "$tmp" "$model" \
  "$case_id" <<'PY'
import csv, sys
settings, results, tmp, model, case_id = sys.argv[1:]
values = dict(line.split(":", 1) for line in open(settings) if ":" in line)
duration, steps = float(values["duration"]), int(values["steps"])
day = 86400.0  # the suite's models are in seconds
with open(f"{tmp}/cohort.yaml", "w") as out:
    out.write(f"name: sbml_{case_id}\nmethod: exact\n"
              f"followup_days: {duration / day!r}\nreport_every_days: {duration / steps / day!r}\n"
              f"model: {{sbml: {model}}}\narms:\n  simulation: {{}}\n")
rows = list(csv.reader(open(results)))
with open(f"{tmp}/results.csv", "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(rows[0])
    for row in rows[1:]:
        if row:
            w.writerow([repr(float(row[0]) / day)] + row[1:])
PY

capture mpirun -n 2 --oversubscribe "$bin" run "$tmp/cohort.yaml" -o "$tmp/out.nc" -n "$patients" -s "$seed" --quiet
expect_rc 0 "case $case_id: cohortsim run on the SBML file ($patients patients, seed $seed)"
ok "case $case_id: $patients patients simulated from the SBML file, seed $seed"

set +e
"$python" "$src/tests/validation/judge.py" "$tmp/out.nc" "$tmp/results.csv" \
  "$suite/$case_id-settings.txt" "$@"
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "case $case_id: the judge found failures (exit $rc); rerun with --table for the points"
ok "case $case_id: every mean and sd test passes"
