#!/bin/bash
# sbml.sh NNNNN [judge.py options]: runs the SBML stochastic test suite's case NNNNN
# from the suite's own SBML file (tests/validation/suite/NNNNN/NNNNN-sbml-l3v2.xml) as a
# cohort on that model (`model: {sbml: ...}`), 10,000 patients on 2 MPI ranks, then
# judges it like dsmts.sh (tests/validation/judge.py; the run and the judge are
# case.bash's, shared with dsmts.sh).
#
# The suite's models declare their time unit (the second), which cohortsim converts to
# days: the run's follow-up is the case's duration in days, and the expected results'
# time column is converted the same way before the judge compares the grids. Under
# ctest (validation_sbml_NNNNN) the environment names the binary and the source tree;
# SBML_PATIENTS and SBML_SEED change the run.
set -euo pipefail
# shellcheck source=tests/validation/case.bash
source "$(dirname "${BASH_SOURCE[0]}")/case.bash" sbml.sh SBML "$@"

model="$suite/$case_id-sbml-l3v2.xml"
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

run_and_judge "$tmp/cohort.yaml" "$tmp/results.csv" " from the SBML file"
