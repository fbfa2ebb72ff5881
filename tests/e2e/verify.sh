#!/usr/bin/env bash
# `cohortsim verify OUT.nc [--sample K]` re-simulates patients from the file alone (cohort
# text, overrides, seed) and compares every value bit for bit: a run made with --set
# overrides (one of them an expression) verifies, whole and sampled, and so does a shard;
# a copy with one os_time changed by one ulp fails with exit 5 naming the patient, the
# arm and the variable; a file of another cohortsim version is refused (exit 2); a missing
# file exits 4. The copies are edited with Debian's /usr/bin/python3 and python3-netcdf4
# (tools/packages.txt): without them this test fails, it does not skip.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

python=/usr/bin/python3
[ -x "$python" ] || fail "$python is missing: install Debian's python3 (tools/packages.txt)"
"$python" -c "import netCDF4, numpy" 2>/dev/null ||
  fail "$python cannot import netCDF4: install the Debian package python3-netcdf4 (tools/packages.txt)"

patients=12
seed=3
sets=(--set parameters.kd=1.5 --set "arms.treated.doses.C.amount=amount*1.5"
  --set "reactions.death.rate=0.9*d")
out="$tmp/over.nc"

# --- A run with overrides, on 2 ranks.
cohortsim_mpi 2 run "$cohort" -o "$out" -n "$patients" -s "$seed" --quiet "${sets[@]}"
expect_rc 0 "run ${sets[*]}"
ncdump -h "$out" >"$tmp/over.cdl"
grep -F ':overrides = ' "$tmp/over.cdl" | grep -q -F 'amount*1.5' ||
  fail "the output does not record the override amount*1.5 in its overrides attribute"
# The overrides matter, so a verify that ignored them would fail.
cohortsim_mpi 2 run "$cohort" -o "$tmp/plain.nc" -n "$patients" -s "$seed" --quiet
expect_rc 0 "run without overrides"
[ "$(values "$out" os_time)" != "$(values "$tmp/plain.nc" os_time)" ] ||
  fail "the overrides did not change os_time: the verify checks below would prove nothing"
ok "run with ${sets[*]}: recorded, and it changes the data"

cohortsim verify "$out"
expect_rc 0 "verify"
expect_stdout "$patients of $patients patients re-simulated, every value identical" "verify"
ok "verify: exit 0, $(head -n 1 "$tmp/stdout")"

cohortsim verify "$out" --sample 5
expect_rc 0 "verify --sample 5"
expect_stdout "5 of $patients patients re-simulated, every value identical" "verify --sample 5"
ok "verify --sample 5: exit 0, $(head -n 1 "$tmp/stdout")"

cohortsim verify "$out" --sample 0
expect_rc 2 "verify --sample 0"
expect_one_error "verify --sample 0"
expect_stderr "--sample" "verify --sample 0"
ok "verify --sample 0: exit 2, names --sample"

# --- A shard: its patients are found at their global indices.
cohortsim_mpi 2 run "$cohort" -o "$tmp/shard1.nc" -n "$patients" -s "$seed" --quiet --shard 1/2 \
  "${sets[@]}"
expect_rc 0 "run --shard 1/2"
cohortsim verify "$tmp/shard1.nc"
expect_rc 0 "verify of shard 1/2"
expect_stdout "$((patients / 2)) of $((patients / 2)) patients re-simulated, every value identical" \
  "verify of shard 1/2"
ok "verify of shard 1/2: exit 0, $(head -n 1 "$tmp/stdout")"

# --- One value changed by one ulp: os_time of patient 7 in arm index 1.
arm_name=$(values "$out" arm_name | sed -n 2p | tr -d '"')
[ -n "$arm_name" ] || fail "cannot read the name of arm index 1"
tampered="$tmp/tampered.nc"
cp "$out" "$tampered"
"$python" - "$tampered" <<'EOF'
import sys
import netCDF4
import numpy as np
with netCDF4.Dataset(sys.argv[1], "r+") as ds:
    v = ds["os_time"]
    v.set_auto_mask(False)
    old = v[1, 7]
    v[1, 7] = np.nextafter(old, np.inf)
EOF
# Exactly one value of the copy differs: arm 1, patient 7 (ncdump's order: arm-major).
changed=$(diff <(values "$out" os_time) <(values "$tampered" os_time) | grep -c '^>' || true)
[ "$changed" -eq 1 ] || fail "the tampered copy differs in $changed os_time values, want 1"
[ "$(values "$out" os_time | sed -n "$((patients + 8))p")" != "$(values "$tampered" os_time | sed -n "$((patients + 8))p")" ] ||
  fail "the tampered copy did not change os_time of patient 7 in arm 1"
cohortsim verify "$tampered"
expect_rc 5 "verify of a copy with os_time[1, 7] changed by one ulp"
expect_one_error "verify of the tampered copy"
expect_stderr "patient 7" "verify of the tampered copy"
expect_stderr "arm $arm_name" "verify of the tampered copy"
expect_stderr "os_time" "verify of the tampered copy"
if grep -q -F "every value identical" "$tmp/stdout"; then
  fail "verify of the tampered copy also reported every value identical"
fi
ok "verify of a copy with os_time of patient 7 in arm '$arm_name' changed by one ulp: exit 5, $(error_lines)"

# --- Another cohortsim version: refused, its numbers may legitimately differ.
other="$tmp/other_version.nc"
cp "$out" "$other"
"$python" - "$other" <<'EOF'
import sys
import netCDF4
with netCDF4.Dataset(sys.argv[1], "r+") as ds:
    ds.software_version = "0.0.0-elsewhere"
EOF
ncdump -h "$other" >"$tmp/other.cdl"
grep -q -F ':software_version = "0.0.0-elsewhere"' "$tmp/other.cdl" ||
  fail "could not change software_version in the copy"
cohortsim verify "$other"
expect_rc 2 "verify of a file of another version"
expect_one_error "verify of a file of another version"
expect_stderr "0.0.0-elsewhere" "verify of a file of another version"
ok "verify of a file written by 'cohortsim 0.0.0-elsewhere': exit 2, $(error_lines | cut -c1-120)..."

# --- A missing file.
cohortsim verify "$tmp/missing.nc"
expect_rc 4 "verify of a missing file"
expect_one_error "verify of a missing file"
expect_stderr "missing.nc" "verify of a missing file"
ok "verify of a missing file: exit 4, $(error_lines)"
