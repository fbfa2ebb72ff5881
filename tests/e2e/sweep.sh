#!/usr/bin/env bash
# Sweeps (docs/cohort-reference.md, "Sweeps"): a 2 x 3 grid of a drug's amount and dosing
# interval (tests/data/sweep.yaml). `check` prints the generated arms and the grid; a run
# on 2 ranks has the arms in grid order (the last axis fastest), the sweep_axes and
# sweep_base attributes and the sweep_axis_name and sweep_value variables; `summary`
# prints the surface of clearance (with its Wilson interval) and median OS over the grid,
# its cells equal to the file's per-arm statistics (and, with a third axis, a long table
# of one row per generated arm); `verify` passes; shards merged, and a
# partial file resumed, equal the single run in every data value; a bad sweep exits 3
# naming its key path. The partial file is made with Debian's /usr/bin/python3 and
# python3-netcdf4 (tools/packages.txt): without them this test fails, it does not skip.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
source "$src/tests/support/output_data.bash"

python=/usr/bin/python3
"$python" -c "import netCDF4, numpy" 2>/dev/null ||
  fail "$python cannot import netCDF4: install the Debian package python3-netcdf4 (tools/packages.txt)"

sweep="$src/tests/data/sweep.yaml"
patients=50
seed=5
grid=(treated_amount0p25_every0p5 treated_amount0p25_every1 treated_amount0p25_every2
  treated_amount4_every0p5 treated_amount4_every1 treated_amount4_every2)

# --- check: the generated arms with their plans, and the grid.
cohortsim check "$sweep"
expect_rc 0 "check sweep.yaml"
for arm in "${grid[@]}"; do
  grep -q -x "  $arm:" "$tmp/stdout" || fail "check: generated arm $arm is not printed"
done
expect_stdout "    C: 4 per dose, 6 doses at days 0, 2, 4, 8, 10, 12" "check (treated_amount4_every2)"
expect_stdout "sweep of treated: 6 arms, treated_amount0p25_every0p5 to treated_amount4_every2" \
  "check"
expect_stdout "  doses.C.every_days: 0.5, 1, 2" "check"
ok "check: the 6 generated arms with their doses, and the grid"

# --- a run: the arms, the attributes and the variables.
out="$tmp/sweep.nc"
cohortsim_mpi 2 run "$sweep" -o "$out" -n "$patients" -s "$seed" --quiet
expect_rc 0 "run sweep.yaml"
[ "$(values "$out" arm_name | tr -d '"' | paste -s -d ' ')" = "untreated treated ${grid[*]}" ] ||
  fail "arm_name is $(values "$out" arm_name | paste -s -d ' '), want the file's arms then the grid"
ncdump -h "$out" >"$tmp/sweep.cdl"
grep -q -F ':sweep_axes = "doses.C.amount doses.C.every_days" ;' "$tmp/sweep.cdl" ||
  fail "the sweep_axes attribute is missing or wrong"
grep -q -F ':sweep_base = "treated" ;' "$tmp/sweep.cdl" || fail "the sweep_base attribute is missing"
[ "$(values "$out" sweep_axis_name | paste -s -d ' ')" = '"doses.C.amount" "doses.C.every_days"' ] ||
  fail "sweep_axis_name is $(values "$out" sweep_axis_name | paste -s -d ' ')"
# The file's own arms hold the fill value (NaN, which ncdump shows as _).
want_values="_ _ _ _ 0.25 0.5 0.25 1 0.25 2 4 0.5 4 1 4 2"
[ "$(values "$out" sweep_value | paste -s -d ' ')" = "$want_values" ] ||
  fail "sweep_value is $(values "$out" sweep_value | paste -s -d ' '), want $want_values"
ok "run: arms in grid order, sweep_axes, sweep_base, sweep_axis_name, sweep_value(arm, sweep_axis)"

# --- summary: the surface, each cell the arm's own statistics.
cohortsim summary "$out"
expect_rc 0 "summary"
expect_stdout "cleared % (95% CI): doses.C.amount down, doses.C.every_days across" "summary"
expect_stdout "median OS, days (95% CI): doses.C.amount down, doses.C.every_days across" "summary"
# The file's per-arm statistics, read once: [arm index].
mapfile -t fraction < <(values "$out" clearance_fraction)
mapfile -t lower < <(values "$out" clearance_lower)
mapfile -t upper < <(values "$out" clearance_upper)
mapfile -t median_os < <(values "$out" median_os)
cleared_cell() { # arm index: "fraction (lower-upper)" in percent, as summary prints it
  awk -v f="${fraction[$1]}" -v l="${lower[$1]}" -v u="${upper[$1]}" \
    'BEGIN { printf "%.1f (%.1f-%.1f)", 100 * f, 100 * l, 100 * u }'
}
row=$(grep -A 3 '^cleared % (95% CI)' "$tmp/stdout" | grep -E '^4 ')
for column in 0 1 2; do
  cell=$(cleared_cell $((5 + column)))
  grep -q -F "$cell" <<<"$row" || fail "summary: row 4 ($row) lacks ${grid[$((3 + column))]}'s $cell"
done
median_row=$(grep -A 3 '^median OS, days' "$tmp/stdout" | grep -E '^0.25 ')
median=$(awk -v m="${median_os[2]}" 'BEGIN { printf "%.1f (", m }')
[[ $median_row == "0.25"*" $median"* ]] ||
  fail "summary: median OS row 0.25 ($median_row) does not start with ${grid[0]}'s $median"
ok "summary: clearance and median OS surfaces, cells equal to the file's statistics"

# More than two axes: one row per generated arm, its values then its outcomes.
sed 's/^    doses.C.every_days: .*/&\n    doses.C.count: [3]/' "$sweep" >"$tmp/three.yaml"
cohortsim run "$tmp/three.yaml" -o "$tmp/three.nc" -n 10 -s "$seed" --quiet
expect_rc 0 "run with three axes"
cohortsim summary "$tmp/three.nc"
expect_rc 0 "summary with three axes"
grep -q -E '^doses.C.amount +doses.C.every_days +doses.C.count +cleared% \(95% CI\) +med.OS \(95% CI\)$' \
  "$tmp/stdout" || fail "summary with three axes: no long table heading"
[ "$(grep -c -E '^(0.25|4) +(0.5|1|2) +3 +[0-9.]+ \(' "$tmp/stdout")" -eq 6 ] ||
  fail "summary with three axes: want one row per generated arm (6)"
ok "summary with three axes: a long table, one row per generated arm"

# --- verify, merge and resume on a sweep cohort.
cohortsim verify "$out"
expect_rc 0 "verify"
expect_stdout "$patients of $patients patients re-simulated, every value identical" "verify"
ok "verify: exit 0"

data_of "$out" >"$tmp/single.cdl"
for k in 0 1; do
  cohortsim run "$sweep" -o "$tmp/shard$k.nc" -n "$patients" -s "$seed" --quiet --shard "$k/2"
  expect_rc 0 "run --shard $k/2"
done
cohortsim merge "$tmp/shard1.nc" "$tmp/shard0.nc" -o "$tmp/merged.nc"
expect_rc 0 "merge"
diff -q "$tmp/single.cdl" <(data_of "$tmp/merged.nc") >/dev/null ||
  fail "the merged shards differ from the single run"
ok "merge of 2 shards equals the single run in every data value"

# A partial file: the finished file with the second half of its chunks not done and
# their records overwritten, so only a re-simulation restores them.
resumed="$tmp/resumed.nc"
cp "$out" "$resumed.partial"
"$python" - "$resumed.partial" "$patients" <<'EOF'
import sys
import netCDF4
with netCDF4.Dataset(sys.argv[1], "a") as f:
    half = int(sys.argv[2]) // 2
    f["chunk_done"][half:] = 255
    f["os_time"][:, half:] = -1.0
EOF
cohortsim_mpi 2 run "$sweep" -o "$resumed" -n "$patients" -s "$seed" --quiet --resume
expect_rc 0 "run --resume"
diff -q "$tmp/single.cdl" <(data_of "$resumed") >/dev/null ||
  fail "the resumed file differs from the single run"
ok "--resume of a partial sweep file equals the single run in every data value"

# --- a bad sweep: exit 3, one line naming the file position and key path.
sed 's/every_days: \[0.5, 1, 2\]/every_days: [0.5, 0, 2]/' "$sweep" >"$tmp/bad.yaml"
line=$(grep -n 'every_days: \[0.5, 0, 2\]' "$tmp/bad.yaml" | cut -d: -f1)
cohortsim check "$tmp/bad.yaml"
expect_rc 3 "an interval of 0 days"
expect_one_error "an interval of 0 days"
expect_stderr "bad.yaml:$line:31: sweep.axes.doses.C.every_days[1]: invalid every_days 0, expected a number > 0" \
  "an interval of 0 days"
cohortsim check "$sweep" --set sweep.base=placebo
expect_rc 3 "an unknown base arm"
expect_stderr "sweep.base: unknown arm 'placebo' (arms are: untreated, treated)" "an unknown base"
ok "bad sweeps: exit 3 with the key path"

# --- the example cohort: a 3 x 2 x 3 grid of the caspase inhibitor's regimen.
cohortsim check "$src/cohorts/sweep_caspase_dose.yaml"
expect_rc 0 "check cohorts/sweep_caspase_dose.yaml"
expect_stdout "sweep of triple: 18 arms, triple_amount1p25_every1_start0 to triple_amount5_every2_start3" \
  "check sweep_caspase_dose.yaml"
ok "check cohorts/sweep_caspase_dose.yaml: 18 generated arms"
