#!/usr/bin/env bash
# `cohortsim analyze OUT.nc [--arm NAME]... [--by COVARIATE] [-o ANALYSIS.nc]`: the tables,
# a constant covariate left out with a note, a lognormal parameter set to 0 by a trait
# analysed untransformed, the analysis file's contract (the variable names scripts depend
# on, arms in the order asked), and bad input refused with one clear
# line: an unknown arm or covariate, a --by covariate without variation, a file of an
# unfinished run (OUT.nc.partial, or no 'ended' attribute), a shard, a missing file, an
# unwritable -o; a partial file exits 4 as in summary and verify. The numbers themselves are checked against R in tests/r/compare_r.sh.
# The unfinished copy is made with Debian's python3-netcdf4 (tools/packages.txt).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

python=/usr/bin/python3
"$python" -c "import netCDF4" 2>/dev/null ||
  fail "$python cannot import netCDF4: install the Debian package python3-netcdf4 (tools/packages.txt)"
variability="$src/tests/data/variability.yaml"
out="$tmp/out.nc"
# Without the trait nobody has it: a constant covariate.
no_trait=(--set traits.resistant.probability=0)

cohortsim run "$variability" -o "$out" -n 60 -s 3 --quiet "${no_trait[@]}"
expect_rc 0 "run"

cohortsim analyze "$out"
expect_rc 0 "analyze"
for heading in "Cox regression of overall survival (Efron ties), concordance" \
  "Cox regression of relapse-free survival" "Logistic regression of clearance" \
  "Partial rank correlations" "RMST to 20 days" "paired comparisons" \
  "trait_resistant left out (constant)"; do
  expect_stdout "$heading" "analyze"
done
ok "analyze: exit 0, every table, the constant trait left out with a note"

cohortsim analyze "$out" --arm treated --arm untreated --by kd -o "$tmp/analysis.nc"
expect_rc 0 "analyze --arm treated --arm untreated --by kd -o"
ncdump -h "$tmp/analysis.nc" >"$tmp/analysis.cdl"
for variable in "string covariate_name(covariate)" "string covariate_transform(covariate)" \
  "double cox_os_coef(arm, covariate)" "double cox_os_se(arm, covariate)" \
  "double logit_cleared_coef(arm, covariate)" "double logit_cleared_se(arm, covariate)" \
  "double rmst_os(arm)" "double rmst_os_se(arm)" "double os_logrank_p_by_tertile(arm)"; do
  grep -q -F "$variable ;" "$tmp/analysis.cdl" || fail "the analysis file has no $variable"
done
[ "$(values "$tmp/analysis.nc" arm_name | tr -d '" ' | paste -sd,)" = "treated,untreated" ] ||
  fail "arm_name is not treated,untreated (the order of --arm)"
transforms=$(paste -d= <(values "$tmp/analysis.nc" covariate_name) \
  <(values "$tmp/analysis.nc" covariate_transform) | tr -d '" ' | paste -sd,)
[ "$transforms" = "b=log,d=none,kd=none,amount=none,n0=log,trait_resistant=none,start_delay=none" ] ||
  fail "covariate_name=covariate_transform is $transforms"
[ ! -e "$tmp/analysis.nc.partial" ] || fail "the temporary analysis file was left behind"
ok "analyze -o: the contract's variables, arms in --arm order, transforms $transforms"

# A trait that sets a lognormal parameter to 0: no logarithm there, so b enters as it is.
cohortsim run "$variability" -o "$tmp/zero.nc" -n 30 -s 3 --quiet --set traits.resistant.set.b=0
expect_rc 0 "run with the trait setting b to 0"
cohortsim analyze "$tmp/zero.nc" -o "$tmp/zero_analysis.nc"
expect_rc 0 "analyze of a run whose trait sets the lognormal b to 0"
[ "$(values "$tmp/zero_analysis.nc" covariate_transform | head -n 1 | tr -d '" ')" = none ] ||
  fail "b, 0 for some patients, is not analysed untransformed"
ok "a lognormal parameter a trait sets to 0 enters untransformed (covariate_transform none)"

# expect_refusal RC TEXT WHAT: the last command exited RC with one error line naming TEXT.
expect_refusal() {
  expect_rc "$1" "$3"
  expect_one_error "$3"
  expect_stderr "$2" "$3"
  ok "$3: exit $1, $(error_lines | cut -c1-140)"
}

cohortsim analyze "$out" --arm nosuch
expect_refusal 2 "no arm 'nosuch'" "analyze --arm nosuch"
cohortsim analyze "$out" --by nosuch
expect_refusal 2 "no covariate 'nosuch'" "analyze --by nosuch"
cohortsim analyze "$out" --by trait_resistant
expect_refusal 2 "'trait_resistant' (--by) has the same value for every patient" \
  "analyze --by a covariate without variation"

cp "$out" "$tmp/unfinished.nc.partial"
# A run stopped half way (chunks not done, never finalized): the reader every command
# shares refuses it with exit 4, as summary and verify do.
cp "$out" "$tmp/stopped.nc.partial"
"$python" - "$tmp/stopped.nc.partial" <<'PY'
import sys
import netCDF4
with netCDF4.Dataset(sys.argv[1], "r+") as ds:
    ds["chunk_done"][1:] = 0
    ds.delncattr("ended")
PY
cohortsim analyze "$tmp/stopped.nc.partial"
expect_refusal 4 "incomplete: 1 of" "analyze of an interrupted run's OUT.nc.partial"
cp "$out" "$tmp/unended.nc"
"$python" - "$tmp/unended.nc" <<'PY'
import sys
import netCDF4
with netCDF4.Dataset(sys.argv[1], "r+") as ds:
    ds.delncattr("ended")
PY
cohortsim analyze "$tmp/unended.nc"
expect_refusal 4 "statistics were never written" "analyze of a file without the 'ended' attribute"

cohortsim run "$variability" -o "$tmp/shard.nc" -n 60 -s 3 --quiet --shard 0/2
expect_rc 0 "run --shard 0/2"
cohortsim analyze "$tmp/shard.nc"
expect_refusal 2 "merge the shards" "analyze of a shard"

cohortsim analyze "$tmp/missing.nc"
expect_refusal 4 "missing.nc" "analyze of a missing file"
cohortsim analyze "$out" -o "$tmp/no/such/dir/analysis.nc"
expect_refusal 4 "cannot create" "analyze -o into a missing directory"
