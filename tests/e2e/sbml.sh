#!/bin/bash
# SBML models end to end (docs/sbml.md): `cohortsim import` writes a cohort that loads;
# the imported cohort and a cohort on the SBML file (`model: {sbml: ...}`) give the same
# numbers for the same seed; an SBML-backed output verifies from the file alone (the
# SBML file gone) and embeds its text; --set works on an SBML parameter; a changed SBML
# file is refused on --resume and by merge like a changed cohort file; bad input gets
# one error line and writes nothing.
set -euo pipefail
source "${COHORTSIM_SOURCE_DIR:?}/tests/e2e/lib.bash"

model="$tmp/dimerisation.xml"
cp "$src/tests/data/sbml/dimerisation.xml" "$model"

# The import: a complete cohort, on stdout or into -o.
cohortsim import "$model" -o "$tmp/imported.yaml" --set followup_days=0.0005 --set report_every_days=0.00005
expect_rc 0 "import"
grep -q -F 'followup_days: 0.0005' "$tmp/imported.yaml" || fail "import: --set followup_days not written"
grep -q -F 'Dimerisation: {reactants: {P: 2}, products: {P2: 1}, rate:' "$tmp/imported.yaml" ||
  fail "import: the dimerisation reaction is not written as a rate law"
cohortsim check "$tmp/imported.yaml"
expect_rc 0 "check of the imported cohort"
ok "import writes a cohort that check accepts"

cohortsim import "$model" --set seed=3
expect_rc 2 "import with an unsupported --set"
expect_stderr "import takes --set followup_days=DAYS and --set report_every_days=DAYS only" "import --set"
cohortsim import "$model" --set followup_days=-1
expect_rc 2 "import with a negative follow-up"
expect_stderr "--set followup_days=-1: expected a number of days > 0" "import --set followup_days=-1"
cohortsim import "$tmp/missing.xml" -o "$tmp/none.yaml"
expect_rc 4 "import of a missing file"
[ ! -e "$tmp/none.yaml" ] || fail "a failed import wrote its output"
sed 's/stoichiometry="2"/stoichiometry="1.5"/' "$model" > "$tmp/bad.xml"
cohortsim import "$tmp/bad.xml" -o "$tmp/none.yaml"
expect_rc 3 "import of a model with a non-integer stoichiometry"
expect_one_error "import of a bad model"
expect_stderr "bad.xml:" "import of a bad model names the file"
expect_stderr "reaction 'Dimerisation': the stoichiometry of 'P' is 1.5" "import of a bad model"
[ ! -e "$tmp/none.yaml" ] || fail "a refused import wrote its output"
ok "import refuses bad input with one line and writes nothing"

# The same settings on the SBML file itself.
cat > "$tmp/on_sbml.yaml" <<YAML
name: Dimerisation01
method: exact
followup_days: 0.0005
report_every_days: 0.00005
model: {sbml: dimerisation.xml}
arms:
  baseline: {}
YAML
# expect_same_numbers A.nc B.nc BETWEEN: the two outputs hold the same statistics and
# records; BETWEEN names the two in the failure message.
expect_same_numbers() {
  local var
  for var in species_mean species_sd record_value; do
    [ "$(values "$1" $var)" = "$(values "$2" $var)" ] || fail "$var differs between $3"
  done
}
cohortsim_mpi 2 run "$tmp/imported.yaml" -o "$tmp/imported.nc" -n 40 -s 7 --quiet
expect_rc 0 "run of the imported cohort"
cohortsim_mpi 2 run "$tmp/on_sbml.yaml" -o "$tmp/on_sbml.nc" -n 40 -s 7 --quiet
expect_rc 0 "run of the cohort on the SBML file"
expect_same_numbers "$tmp/imported.nc" "$tmp/on_sbml.nc" \
  "the imported cohort and the cohort on the SBML file"
ok "the imported cohort and the cohort on the SBML file give identical numbers"
cohortsim_mpi 3 run "$tmp/on_sbml.yaml" -o "$tmp/on_sbml3.nc" -n 40 -s 7 --quiet
expect_rc 0 "run of the cohort on the SBML file on 3 ranks"
expect_same_numbers "$tmp/on_sbml3.nc" "$tmp/on_sbml.nc" "2 and 3 ranks"
ok "a cohort on an SBML file gives the same numbers on 2 and 3 ranks"

ncdump -h "$tmp/on_sbml.nc" > "$tmp/header.txt"
grep -q -F "sbml_path = \"$model\"" "$tmp/header.txt" || fail "sbml_path not in the output"
grep -q -F ':sbml_text = "<?xml' "$tmp/header.txt" || fail "sbml_text not in the output"
ncdump -h "$tmp/imported.nc" > "$tmp/header.txt"
if grep -q ':sbml_text' "$tmp/header.txt"; then fail "an imported cohort's output has sbml_text"; fi
mv "$model" "$tmp/moved.xml"
cohortsim verify "$tmp/on_sbml.nc" --sample 5
expect_rc 0 "verify with the SBML file gone"
ok "the output embeds the SBML text and verifies from the file alone"
mv "$tmp/moved.xml" "$model"

# --set on an SBML parameter, and on one the model does not have.
cohortsim check "$tmp/on_sbml.yaml" --set parameters.k1=0.5
expect_rc 0 "check with --set parameters.k1"
expect_stdout "k1           = 0.5" "--set on an SBML parameter"
cohortsim check "$tmp/on_sbml.yaml" --set parameters.k3=0.5
expect_rc 2 "check with --set of a parameter the model lacks"
expect_stderr "unknown parameter k3 in --set parameters.k3=0.5 (parameters are: k1, k2)" "--set k3"
ok "--set works on SBML parameters"

# A changed SBML file: --resume and merge refuse it like a changed cohort file.
cp "$tmp/on_sbml.nc" "$tmp/resumed.nc.partial"
sed -i 's/value="0.001"/value="0.002"/' "$model"
cohortsim_mpi 2 run "$tmp/on_sbml.yaml" -o "$tmp/resumed.nc" -n 40 -s 7 --quiet --resume
expect_rc 2 "--resume with a changed SBML file"
expect_stderr "the SBML model's text differs" "--resume with a changed SBML file"
cohortsim_mpi 1 run "$tmp/on_sbml.yaml" -o "$tmp/shard1.nc" -n 40 -s 7 --quiet --shard 1/2
expect_rc 0 "shard 1 on the changed model"
cp "$src/tests/data/sbml/dimerisation.xml" "$model"
cohortsim_mpi 1 run "$tmp/on_sbml.yaml" -o "$tmp/shard0.nc" -n 40 -s 7 --quiet --shard 0/2
expect_rc 0 "shard 0 on the original model"
cohortsim merge "$tmp/shard0.nc" "$tmp/shard1.nc" -o "$tmp/merged.nc"
expect_rc 2 "merge of shards on different SBML texts"
expect_stderr "the SBML model differs" "merge of shards on different SBML texts"
ok "a changed SBML file is refused on --resume and by merge"

# Bad cohort input around the model.
sed 's/dimerisation.xml/nothere.xml/' "$tmp/on_sbml.yaml" > "$tmp/missing.yaml"
cohortsim check "$tmp/missing.yaml"
expect_rc 4 "a cohort naming a missing SBML file"
expect_stderr "missing.yaml:5:15: model.sbml: $tmp/nothere.xml: cannot open" "missing SBML file"
sed 's/dimerisation.xml}/dimerisation.xml, time_unit: fortnights}/' "$tmp/on_sbml.yaml" > "$tmp/unit.yaml"
cohortsim check "$tmp/unit.yaml"
expect_rc 3 "an unknown time_unit"
expect_stderr "unit.yaml:5:44: model.time_unit: expected seconds, minutes, hours or days, got 'fortnights'" "time_unit"
sed 's/dimerisation.xml}/dimerisation.xml, time_unit: hours}/' "$tmp/on_sbml.yaml" > "$tmp/unit.yaml"
cohortsim check "$tmp/unit.yaml"
expect_rc 3 "time_unit for a model that declares its unit"
expect_stderr "model 'Dimerisation01': the model declares its time unit ('second'): time_unit is only for a model that declares none" "time_unit"
printf 'species:\n  Q: {initial: 1}\n' >> "$tmp/on_sbml.yaml"
cohortsim check "$tmp/on_sbml.yaml"
expect_rc 3 "a cohort naming a species the model lacks"
expect_stderr "species.Q: 'Q' is not a species of the SBML model" "unknown species"
ok "bad cohort input around an SBML model gets one clear line"

# The shipped published model: its cohort checks and runs.
cohortsim check "$src/cohorts/kuznetsov1994.yaml"
expect_rc 0 "check of cohorts/kuznetsov1994.yaml"
expect_stdout "T_killing: T -> 0" "the Kuznetsov model's reactions"
cohortsim_mpi 2 run "$src/cohorts/kuznetsov1994.yaml" -o "$tmp/kuznetsov.nc" -n 6 -s 1 --quiet
expect_rc 0 "run of cohorts/kuznetsov1994.yaml"
ok "the Kuznetsov 1994 cohort on its SBML file checks and runs"

# A species' initial assignment (X = k * 1000) follows each patient's k: an arm's set
# and --set reach it, as they would a cohort's own `initial: "k * 1000"`.
cp "$src/tests/data/sbml/initial_assignment.xml" "$tmp/initial_assignment.xml"
printf 'name: ia\nfollowup_days: 1\nmodel: {sbml: initial_assignment.xml}\narms:\n  file: {}\n  doubled: {set: {k: 0.2}}\n' >"$tmp/ia.yaml"
cohortsim run "$tmp/ia.yaml" -o "$tmp/ia.nc" -n 2 --quiet
expect_rc 0 "run on a model with an initial assignment"
cohortsim run "$tmp/ia.yaml" -o "$tmp/ia_set.nc" -n 2 --quiet --set parameters.k=0.3
expect_rc 0 "run with --set of the parameter the initial assignment reads"
[ "$(values "$tmp/ia.nc" record_value | xargs)" = "100 100 100 100 200 200 200 200" ] ||
  fail "initial assignment: X in the two arms is $(values "$tmp/ia.nc" record_value | xargs)"
# --set replaces the file's k = 0.1; the arm's own set still wins in its arm.
[ "$(values "$tmp/ia_set.nc" record_value | xargs)" = "300 300 300 300 200 200 200 200" ] ||
  fail "initial assignment with --set: X is $(values "$tmp/ia_set.nc" record_value | xargs)"
ok "a species' initial assignment follows the arm's set and --set of what it reads"
