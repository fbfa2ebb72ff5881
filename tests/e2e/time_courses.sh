#!/usr/bin/env bash
# Time courses (docs/user-guide.md, "Time courses"): the immigration-death model of
# cohorts/validation/immigration_death.yaml without `outcomes`, with two observables, so
# every species and observable is recorded by default. A run on 1 and on 2 ranks, and
# two shards merged, give the same data bit for bit (provenance aside); verify passes;
# nobody is cleared or dies; species_mean and observable_mean equal the mean over
# patients of record_value; species_sd the sample SD; species_mean matches the exact
# mean (s/delta)(1 - e^{-delta t}) + E0 e^{-delta t} within 4 standard errors
# (species_sd/sqrt(n)) at every grid time. With outcomes and `record: []`, no
# record_value but the statistics still; a patient who dies keeps its last state on the
# rest of the grid. Python: Debian's /usr/bin/python3 with python3-netcdf4.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
source "$src/tests/support/output_data.bash"

python=/usr/bin/python3
"$python" -c "import netCDF4, numpy" 2>/dev/null ||
  fail "$python cannot import netCDF4: install the Debian package python3-netcdf4 (tools/packages.txt)"

model="$tmp/immigration_death.yaml"
sed '/^outcomes:/,$d' "$src/cohorts/validation/immigration_death.yaml" >"$model"
cat >>"$model" <<'YAML'
observables:
  twice: "2 * E"
  share: "E / (E + s)"
YAML
patients=400
seed=17

cohortsim check "$model"
expect_rc 0 "check"
expect_stdout "outcomes: none" "check"
expect_stdout "recorded per patient on the reporting grid: E twice share" "check"
ok "check: no outcomes, the observables and the default record"

cohortsim run "$model" -o "$tmp/one.nc" -n "$patients" -s "$seed" --quiet
expect_rc 0 "run on 1 rank"
cohortsim_mpi 2 run "$model" -o "$tmp/two.nc" -n "$patients" -s "$seed" --quiet
expect_rc 0 "run on 2 ranks"
data_of "$tmp/one.nc" >"$tmp/one.cdl"
diff -q "$tmp/one.cdl" <(data_of "$tmp/two.nc") >/dev/null ||
  fail "1 and 2 ranks: the files differ"
ok "1 and 2 ranks: every data value identical"

# shards_merged MODEL NAME: MODEL run as two shards, merged (second first) into NAME.nc.
shards_merged() {
  local k
  for k in 0 1; do
    cohortsim run "$1" -o "$tmp/$2_shard$k.nc" -n "$patients" -s "$seed" --quiet --shard "$k/2"
    expect_rc 0 "$2: run --shard $k/2"
  done
  cohortsim merge "$tmp/$2_shard1.nc" "$tmp/$2_shard0.nc" -o "$tmp/$2.nc"
  expect_rc 0 "$2: merge"
}
shards_merged "$model" merged
diff -q "$tmp/one.cdl" <(data_of "$tmp/merged.nc") >/dev/null ||
  fail "the merged shards differ from the single run"
ok "2 shards merged: every data value identical to the single run"

cohortsim verify "$tmp/two.nc" --sample 40
expect_rc 0 "verify"
ok "verify: re-simulated patients and recomputed statistics identical"

"$python" - "$tmp/one.nc" <<'PY' || fail "the time courses of the run without outcomes"
import sys
import netCDF4
import numpy as np

ds = netCDF4.Dataset(sys.argv[1])
ds.set_auto_mask(False)
n = len(ds.dimensions["patient"])
assert list(ds["recorded_name"][:]) == ["E", "twice", "share"], ds["recorded_name"][:]
assert list(ds["observable_name"][:]) == ["twice", "share"]
assert "unrecorded_value" not in ds.variables
rv = ds["record_value"][:]  # (arm, patient, time, recorded)
t = ds["time"][:]
assert rv.shape == (1, n, len(t), 3), rv.shape
# No outcomes: nobody cleared (E never "cleared at time 0"), nobody dies, burden 0.
assert not ds["cleared"][:].any() and not ds["os_event"][:].any()
assert (ds["os_time"][:] == 10).all() and (ds["burden"][:] == 0).all()
assert (rv[0, :, 0, 0] == 40).all(), "time 0 holds the initial count"
assert (rv[..., 1] == 2 * rv[..., 0]).all()
assert np.allclose(rv[..., 2], rv[..., 0] / (rv[..., 0] + 100), rtol=1e-15, atol=0)

def check(stat, values):
    mean, sd, q = ds[stat + "_mean"][0], ds[stat + "_sd"][0], ds[stat + "_quantiles"][0]
    assert np.allclose(mean, values.mean(axis=0), rtol=1e-12, atol=0), stat
    assert np.allclose(sd, values.std(axis=0, ddof=1), rtol=1e-9, atol=1e-12), stat
    levels = ds["quantile"][:]
    for j, p in enumerate(levels):
        assert np.allclose(q[..., j], np.quantile(values, p, axis=0), rtol=1e-12, atol=0), stat

check("species", rv[0, :, :, :1])
check("observable", rv[0, :, :, 1:])

# The exact law (cohorts/validation/immigration_death.yaml): s = 100, delta = 0.5, E0 = 40.
s, delta, e0 = 100.0, 0.5, 40.0
exact = (s / delta) * (1 - np.exp(-delta * t)) + e0 * np.exp(-delta * t)
mean, sd = ds["species_mean"][0, :, 0], ds["species_sd"][0, :, 0]
z = (mean[1:] - exact[1:]) / (sd[1:] / np.sqrt(n))
assert mean[0] == 40 and sd[0] == 0
assert np.all(np.abs(z) < 4), z
print(f"ok: species_mean within {np.abs(z).max():.2f} standard errors of the exact mean")
PY
ok "species_mean, species_sd, quantiles and observable_* from record_value; exact mean within 4 SE"

# --- With outcomes: record: [] stores no record_value; the dead keep their last state.
held="$tmp/held.yaml"
cat "$src/cohorts/validation/immigration_death.yaml" >"$held"
printf '  lethal_cells: 150\nrecord: [E]\n' >>"$held"
cohortsim run "$held" -o "$tmp/held.nc" -n 60 -s 3 --quiet
expect_rc 0 "run with outcomes and record: [E]"
"$python" - "$tmp/held.nc" <<'PY' || fail "the state after an early stop"
import sys
import netCDF4
import numpy as np

ds = netCDF4.Dataset(sys.argv[1])
ds.set_auto_mask(False)
t = ds["time"][:]
rv = ds["record_value"][0, :, :, 0]
dead = ds["os_event"][0] == 1
assert dead.sum() > 10, dead.sum()
for p in np.flatnonzero(dead):
    after = t >= ds["os_time"][0, p]
    assert (rv[p, after] == ds["final_burden"][0, p]).all(), p
    assert (rv[p] == ds["burden"][0, p]).all(), p
PY
ok "a patient who dies keeps its last count on the rest of the grid"

sed -i 's/^record: \[E\]$/record: []/' "$held"
cohortsim run "$held" -o "$tmp/none.nc" -n 20 -s 3 --quiet
expect_rc 0 "run with record: []"
ncdump -h "$tmp/none.nc" >"$tmp/none.cdl"
! grep -q "record_value" "$tmp/none.cdl" || fail "record: [] still stores record_value"
grep -q "species_mean(arm, time, species)" "$tmp/none.cdl" || fail "record: [] lost species_mean"
grep -q "unrecorded_value(arm, patient, time, unrecorded)" "$tmp/none.cdl" ||
  fail "record: [] has no unrecorded_value for the statistics"
ok "record: []: no record_value, species statistics from unrecorded_value"

# --- time_course_statistics: false keeps only what `record` lists: no unrecorded_value,
# no species_* or observable_* statistics, the same record_value as with them, the same
# on 1 and 2 ranks and merged from shards, and verify passes.
lean="$tmp/lean.yaml"
{ cat "$model"; printf 'record: [twice]\ntime_course_statistics: false\n'; } >"$lean"
cohortsim check "$lean"
expect_rc 0 "check with time_course_statistics: false"
expect_stdout "time-course statistics: none" "check"
for ranks in 1 2; do
  cohortsim_mpi "$ranks" run "$lean" -o "$tmp/lean$ranks.nc" -n "$patients" -s "$seed" --quiet
  expect_rc 0 "run with time_course_statistics: false on $ranks rank(s)"
done
shards_merged "$lean" lean_merged
data_of "$tmp/lean1.nc" >"$tmp/lean1.cdl"
for other in lean2 lean_merged; do
  diff -q "$tmp/lean1.cdl" <(data_of "$tmp/$other.nc") >/dev/null ||
    fail "without time-course statistics: $other differs from the run on 1 rank"
done
cohortsim verify "$tmp/lean2.nc" --sample 40
expect_rc 0 "verify without time-course statistics"
ncdump -h "$tmp/lean1.nc" >"$tmp/lean.cdl"
for absent in unrecorded_value species_mean species_sd species_quantiles observable_mean; do
  ! grep -q " $absent(" "$tmp/lean.cdl" || fail "time_course_statistics: false still has $absent"
done
"$python" - "$tmp/one.nc" "$tmp/lean1.nc" <<'PY' || fail "record_value without the statistics"
import sys
import netCDF4

full, lean = (netCDF4.Dataset(path) for path in sys.argv[1:])
assert list(lean["recorded_name"][:]) == ["twice"]
assert (lean["record_value"][..., 0] == full["record_value"][..., 1]).all()
PY
ok "time_course_statistics: false: only record_value kept, identical on 1/2 ranks, shards, verify"
cohortsim report "$tmp/lean1.nc" -o "$tmp/lean.html"
expect_rc 0 "report of a file without time-course statistics"
grep -q "time_course_statistics: false), so there is nothing to draw here" "$tmp/lean.html" ||
  fail "the report does not say why it has no species time courses"
ok "report: the species section says why it is empty"
