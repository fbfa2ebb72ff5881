#!/usr/bin/env bash
# `cohortsim trajectory COHORT --patient I --arm NAME [-o t.csv] [-s SEED] [--every DAYS]`
# on the default cohort: the header names every species and drug, rows come at the
# sampling interval (report_every_days / 10 by default, --every otherwise) from time 0,
# and the path is the one `run` simulates for that patient and arm with the same seed: its
# last row is the patient's outcome (the time of death or clearance, or the end of
# follow-up; the final burden A + M) and its rows at the reporting times carry the burden
# of the run's grid. The default seed is 1, as for `run`. An unknown arm (the message names
# the arms), a missing --patient or --arm and a bad --every are usage errors (exit 2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

default_cohort="$src/cohorts/necroptosis_triple.yaml"
patients=20
header="time_days,A,M,D,E,hma_ec50,smac_ec50,casp_ec50"

# --- The runs the trajectories are compared with.
cohortsim run "$default_cohort" -o "$tmp/seed1.nc" -n "$patients" -s 1 --quiet
expect_rc 0 "run -s 1"
cohortsim run "$default_cohort" -o "$tmp/seed2.nc" -n "$patients" -s 2 --quiet
expect_rc 0 "run -s 2"
mapfile -t arms < <(values "$tmp/seed1.nc" arm_name | tr -d '"')
[ "${#arms[@]}" -ge 2 ] || fail "the default cohort's run has ${#arms[@]} arms"
mapfile -t grid < <(values "$tmp/seed1.nc" time)
n_grid=${#grid[@]}
report_every=$(awk -v a="${grid[0]}" -v b="${grid[1]}" 'BEGIN { print b - a }')
every=$(awk -v r="$report_every" 'BEGIN { print r / 10 }')
ok "runs of $patients patients, seeds 1 and 2; arms: ${arms[*]}; reporting every $report_every days, so trajectories every $every days"

# record FILE VARIABLE ARM PATIENT: one value of an (arm, patient) variable.
record() { values "$1" "$2" | sed -n "$(($3 * patients + $4 + 1))p"; }
# grid_burden FILE ARM PATIENT: the burden on the reporting grid, one value per line.
grid_burden() {
  values "$1" burden | sed -n "$((($2 * patients + $3) * n_grid + 1)),$((($2 * patients + $3 + 1) * n_grid))p"
}
arm_index() {
  local i
  for i in "${!arms[@]}"; do
    if [ "${arms[$i]}" = "$1" ]; then echo "$i"; return; fi
  done
  fail "no arm $1"
}
# close A B: A and B agree to the CSV's 10 significant digits.
close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(d <= 1e-8 * (m > 1 ? m : 1)) }'; }

# check_rows CSV EVERY WHAT: the header; 8 fields per row, integral counts; times from 0
# at steps of EVERY, the last step in (0, EVERY].
check_rows() {
  local csv=$1 step=$2 what=$3 problem
  [ "$(head -n 1 "$csv")" = "$header" ] ||
    fail "$what: header '$(head -n 1 "$csv")', want '$header'"
  [ "$(wc -l <"$csv")" -ge 3 ] || fail "$what: fewer than two rows"
  problem=$(awk -F, -v step="$step" '
    NR == 1 { next }
    NF != 8 { print "row " NR " has " NF " fields"; exit }
    $2 !~ /^[0-9]+$/ || $3 !~ /^[0-9]+$/ || $4 !~ /^[0-9]+$/ || $5 !~ /^[0-9]+$/ {
      print "row " NR ": counts are not non-negative integers: " $0; exit }
    NR == 2 && $1 != 0 { print "the first row is at time " $1 ", not 0"; exit }
    NR > 2 { steps[NR] = $1 - last; line[NR] = $0 }
    { last = $1; n = NR }
    END {
      for (i = 3; i < n; i++) {
        d = steps[i] - step; if (d < 0) d = -d
        if (d > 1e-9 * (1 + last)) { print "step " steps[i] " before row " i " (" line[i] "), want " step; exit }
      }
      if (!(steps[n] > 0 && steps[n] <= step + 1e-9 * (1 + last))) print "last step " steps[n] ", want (0, " step "]"
    }' "$csv")
  [ -z "$problem" ] || fail "$what: $problem"
}

# check_outcome CSV SEED_FILE ARM PATIENT WHAT: the last row is the run's outcome, and the
# rows at reporting times carry the run's grid burden.
check_outcome() {
  local csv=$1 nc=$2 arm=$3 patient=$4 what=$5 last t burden os_time os_event cleared want
  last=$(tail -n 1 "$csv")
  t=${last%%,*}
  burden=$(echo "$last" | awk -F, '{ printf "%.0f", $2 + $3 }')
  os_time=$(record "$nc" os_time "$arm" "$patient")
  os_event=$(record "$nc" os_event "$arm" "$patient")
  cleared=$(record "$nc" cleared "$arm" "$patient")
  want=$(record "$nc" final_burden "$arm" "$patient" | awk '{ printf "%.0f", $1 }')
  [ "$burden" = "$want" ] || fail "$what: last row has A + M = $burden, final_burden is $want"
  if [ "$cleared" = 1 ]; then
    want=$(record "$nc" clearance_time "$arm" "$patient")
    [ "$burden" = 0 ] || fail "$what: cleared, but the last row has A + M = $burden"
  else
    want=$os_time
  fi
  close "$t" "$want" || fail "$what: last row at time $t, want $want (os_event $os_event, cleared $cleared)"
  # Rows at the reporting times (up to the last row) against burden(arm, patient, time).
  local mismatch
  mismatch=$(paste -d, <(printf '%s\n' "${grid[@]}") <(grid_burden "$nc" "$arm" "$patient") |
    awk -F, -v end="$t" -v csv="$csv" '
      BEGIN {
        while ((getline line < csv) > 0) {
          if (++r == 1) continue
          split(line, f, ","); row[sprintf("%.6f", f[1])] = f[2] + f[3]
        }
      }
      $1 > end + 1e-9 { exit }
      {
        key = sprintf("%.6f", $1)
        if (!(key in row)) { print "no row at reporting time " $1; exit }
        if (row[key] != $2 + 0) { print "at time " $1 " A + M = " row[key] ", burden(time) = " $2; exit }
        checked++
      }
      END { if (checked < 1) print "no reporting time checked" }')
  [ -z "$mismatch" ] || fail "$what: $mismatch"
}

# --- One patient of each outcome: died, cleared, censored at the end of follow-up.
mapfile -t all_events < <(values "$tmp/seed1.nc" os_event)
mapfile -t all_cleared < <(values "$tmp/seed1.nc" cleared)
find_case() { # kind: the first (arm, patient), arm-major, with that outcome
  local i event cleared
  for ((i = 0; i < ${#arms[@]} * patients; i++)); do
    event=${all_events[$i]} cleared=${all_cleared[$i]}
    case $1 in
      died) [ "$event" = 1 ] ;;
      cleared) [ "$cleared" = 1 ] ;;
      censored) [ "$event" = 0 ] && [ "$cleared" = 0 ] ;;
    esac && { echo "$((i / patients)) $((i % patients))"; return; }
  done
  return 0
}
declare -A cases
for kind in died cleared censored; do
  found=$(find_case "$kind")
  [ -n "$found" ] || fail "no $kind patient among $patients of the default cohort (seed 1): pick another seed or size"
  read -r a p <<<"$found"
  name=${arms[$a]}
  csv="$tmp/$kind.csv"
  # No -s: the default seed, 1.
  cohortsim trajectory "$default_cohort" --patient "$p" --arm "$name" -o "$csv"
  expect_rc 0 "trajectory --patient $p --arm $name"
  [ -s "$csv" ] || fail "trajectory --patient $p --arm $name: $csv not written"
  check_rows "$csv" "$every" "trajectory of $kind patient $p, arm $name"
  check_outcome "$csv" "$tmp/seed1.nc" "$a" "$p" "trajectory of $kind patient $p, arm $name"
  ok "$kind: patient $p, arm $name: $(($(wc -l <"$csv") - 1)) rows every $every days, last row '$(tail -n 1 "$csv" | cut -d, -f1-3)' = the run's outcome and grid burden"
  cases[$kind]="$a $p"
done

# --- The default seed is 1: -s 1 writes the same file.
read -r a p <<<"${cases[died]}"
cohortsim trajectory "$default_cohort" --patient "$p" --arm "${arms[$a]}" -o "$tmp/s1.csv" -s 1
expect_rc 0 "trajectory -s 1"
cmp -s "$tmp/died.csv" "$tmp/s1.csv" || fail "trajectory without -s differs from -s 1"
# Another seed follows run -s 2 (and is another path: the comparison can fail).
cohortsim trajectory "$default_cohort" --patient "$p" --arm "${arms[$a]}" -o "$tmp/s2.csv" -s 2
expect_rc 0 "trajectory -s 2"
cmp -s "$tmp/died.csv" "$tmp/s2.csv" && fail "trajectories with seeds 1 and 2 are identical"
check_rows "$tmp/s2.csv" "$every" "trajectory -s 2"
check_outcome "$tmp/s2.csv" "$tmp/seed2.nc" "$a" "$p" "trajectory -s 2 of patient $p, arm ${arms[$a]}"
ok "the default seed is 1 (same file as -s 1); -s 2 follows run -s 2"

# --- --every 0.5: other rows, the same path.
read -r a p <<<"${cases[censored]}"
cohortsim trajectory "$default_cohort" --patient "$p" --arm "${arms[$a]}" -o "$tmp/every.csv" --every 0.5
expect_rc 0 "trajectory --every 0.5"
check_rows "$tmp/every.csv" 0.5 "trajectory --every 0.5"
check_outcome "$tmp/every.csv" "$tmp/seed1.nc" "$a" "$p" "trajectory --every 0.5"
[ "$(tail -n 1 "$tmp/every.csv")" = "$(tail -n 1 "$tmp/censored.csv")" ] ||
  fail "--every 0.5 changed the last row: '$(tail -n 1 "$tmp/every.csv")' vs '$(tail -n 1 "$tmp/censored.csv")'"
# Every row of the 0.5-day file is a row of the 0.1-day one (same times, same state).
missing=$(grep -v -x -F -f "$tmp/censored.csv" "$tmp/every.csv" | head -n 1 || true)
[ -z "$missing" ] || fail "--every 0.5 has a row that the default sampling does not: $missing"
[ "$(wc -l <"$tmp/every.csv")" -lt "$(wc -l <"$tmp/censored.csv")" ] || fail "--every 0.5 does not have fewer rows"
ok "--every 0.5: $(($(wc -l <"$tmp/every.csv") - 1)) rows every 0.5 days, each one a row of the 0.1-day file, same last row"

# --- Without -o, the CSV goes to stdout.
cohortsim trajectory "$default_cohort" --patient "$p" --arm "${arms[$a]}" --every 0.5
expect_rc 0 "trajectory without -o"
cmp -s "$tmp/stdout" "$tmp/every.csv" || fail "trajectory without -o: stdout differs from the -o file"
ok "without -o: the same CSV on stdout"

# --- Usage errors: exit 2, one message, no file.
cohortsim trajectory "$default_cohort" --patient 0 --arm no_such_arm -o "$tmp/bad.csv"
expect_rc 2 "trajectory --arm no_such_arm"
expect_one_error "trajectory --arm no_such_arm"
expect_stderr "no_such_arm" "trajectory --arm no_such_arm"
for name in "${arms[@]}"; do
  expect_stderr "$name" "trajectory --arm no_such_arm (the message names every arm)"
done
[ ! -e "$tmp/bad.csv" ] || fail "trajectory --arm no_such_arm wrote $tmp/bad.csv"
ok "unknown arm: exit 2, $(error_lines)"

cohortsim trajectory "$default_cohort" --arm "${arms[0]}" -o "$tmp/bad.csv"
expect_rc 2 "trajectory without --patient"
expect_one_error "trajectory without --patient"
expect_stderr "--patient" "trajectory without --patient"
[ ! -e "$tmp/bad.csv" ] || fail "trajectory without --patient wrote $tmp/bad.csv"
cohortsim trajectory "$default_cohort" --patient 0 -o "$tmp/bad.csv"
expect_rc 2 "trajectory without --arm"
expect_stderr "--arm" "trajectory without --arm"
[ ! -e "$tmp/bad.csv" ] || fail "trajectory without --arm wrote $tmp/bad.csv"
ok "missing --patient or --arm: exit 2, $(error_lines)"

for bad in 0 -1 x; do
  cohortsim trajectory "$default_cohort" --patient 0 --arm "${arms[0]}" --every "$bad" -o "$tmp/bad.csv"
  expect_rc 2 "trajectory --every $bad"
  expect_stderr "--every" "trajectory --every $bad"
  [ ! -e "$tmp/bad.csv" ] || fail "trajectory --every $bad wrote $tmp/bad.csv"
done
ok "--every 0, -1 and x: exit 2, naming --every"
