#!/usr/bin/env bash
# `--set` changes the simulation as documented, arms share random numbers (common random
# numbers), and the seed decides the records.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

patients=40
run() { # output [options]
  local out=$1
  shift
  cohortsim_mpi 2 run "$cohort" -o "$out" -n "$patients" --quiet "$@"
  expect_rc 0 "run $*"
}
# arm FILE VARIABLE INDEX: the values of an (arm, patient) variable for arm INDEX.
arm() { values "$1" "$2" | sed -n "$(($3 * patients + 1)),$((($3 + 1) * patients))p"; }

run "$tmp/base.nc" -s 1
run "$tmp/short.nc" -s 1 --set followup_days=5
run "$tmp/kd0.nc" -s 1 --set parameters.kd=0
run "$tmp/base_again.nc" -s 1
run "$tmp/seed2.nc" -s 2

# --- followup_days=5: report_every_days is 2, so the grid is 0, 2, 4.
[ "$(values "$tmp/base.nc" time | paste -s -d' ')" = "0 2 4 6 8 10 12 14 16 18 20" ] ||
  fail "the time grid without override is $(values "$tmp/base.nc" time | paste -s -d' ')"
ok "without override: time = 0, 2, ..., 20 (11 points)"
ncdump -h "$tmp/short.nc" >"$tmp/short.cdl"
grep -q -E '^[[:space:]]+time = 3 ;$' "$tmp/short.cdl" ||
  fail "--set followup_days=5: the time dimension is not 3"
[ "$(values "$tmp/short.nc" time | paste -s -d' ')" = "0 2 4" ] ||
  fail "--set followup_days=5: time = $(values "$tmp/short.nc" time | paste -s -d' '), want 0 2 4"
ok "--set followup_days=5: time dimension 3, time = 0, 2, 4"
# No survival time beyond the follow-up.
late=$(values "$tmp/short.nc" os_time | awk '$1 > 5' | wc -l)
[ "$late" -eq 0 ] || fail "--set followup_days=5: $late os_time values beyond day 5"
values "$tmp/short.nc" os_event | grep -x 0 >/dev/null || fail "--set followup_days=5: no censored patient"
ok "--set followup_days=5: every os_time <= 5"

# --- The comparisons below must be able to fail: with the drug, the arms differ.
if [ "$(arm "$tmp/base.nc" os_time 0)" = "$(arm "$tmp/base.nc" os_time 1)" ]; then
  fail "with kd = 1.2 the treated arm has the same os_time as the untreated arm"
fi
ok "with kd = 1.2, treated and untreated os_time differ"

# --- parameters.kd=0: the drug_death reaction never fires, the patients and their
# dynamics streams are the same in both arms, so treated equals untreated patient by
# patient.
[ "$(values "$tmp/kd0.nc" param_kd | sort -u)" = "0" ] || fail "--set parameters.kd=0: param_kd is not 0"
# Counts and flags must be equal exactly; times up to rounding (an engine may reach the
# same event time through a different sum, e.g. across a dose stop, and differ in the
# last bits; a real difference in dynamics is many orders of magnitude larger).
for var in os_time rfs_time os_event final_burden events cleared; do
  a=$(arm "$tmp/kd0.nc" "$var" 0)
  b=$(arm "$tmp/kd0.nc" "$var" 1)
  [ "$(echo "$a" | wc -l)" -eq "$patients" ] || fail "--set parameters.kd=0: $var has no $patients values per arm"
  tolerance=0
  case "$var" in *_time) tolerance=1e-12 ;; esac
  differing=$(paste -d' ' <(seq 0 $((patients - 1))) <(echo "$a") <(echo "$b") |
    awk -v tol="$tolerance" '
      function abs(x) { return x < 0 ? -x : x }
      { scale = abs($2) > 1 ? abs($2) : 1 }
      ($2 != $3) && !(abs($2 - $3) <= tol * scale) { print }')
  if [ -n "$differing" ]; then
    fail "--set parameters.kd=0: $var of treated differs from untreated for $(echo "$differing" | wc -l) of $patients patients (patient, untreated, treated: $(echo "$differing" | head -1))"
  fi
done
ok "--set parameters.kd=0: treated equals untreated patient by patient (os_time, rfs_time, os_event, final_burden, events, cleared)"
# ... and equal to the untreated arm of the run without override (the untreated arm
# does not depend on kd).
[ "$(arm "$tmp/kd0.nc" os_time 0)" = "$(arm "$tmp/base.nc" os_time 0)" ] ||
  fail "--set parameters.kd=0 changed the untreated arm"
ok "--set parameters.kd=0: the untreated arm is the same as without override"

# --- Seeds: the same seed reproduces the records, another one changes them.
for var in os_time final_burden events; do
  [ "$(values "$tmp/base.nc" "$var")" = "$(values "$tmp/base_again.nc" "$var")" ] ||
    fail "-s 1 twice: $var differs"
done
ok "-s 1 twice: identical os_time, final_burden, events"
# Compare the untreated arm, where every patient dies (the treated arm is mostly censored
# at the end of follow-up, whatever the seed).
same=$(paste <(arm "$tmp/base.nc" os_time 0) <(arm "$tmp/seed2.nc" os_time 0) | awk '$1 == $2' | wc -l)
[ "$same" -lt $((patients / 4)) ] || fail "-s 1 and -s 2: $same of $patients untreated os_time values are equal"
[ "$(values "$tmp/base.nc" events)" != "$(values "$tmp/seed2.nc" events)" ] ||
  fail "-s 1 and -s 2: identical events"
ok "-s 1 and -s 2: different records ($same of $patients untreated os_time values equal, events differ)"
