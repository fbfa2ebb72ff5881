#!/usr/bin/env bash
# A stop signal is honoured inside one long patient: SIGTERM or SIGINT (Ctrl-C), half a
# second into a run of a single patient that needs about 6 s, ends the run with exit 75
# within 3 s (the engines read the stop flag every few milliseconds; they once
# read it only between patients, and SIGINT not at all). The abandoned patient is
# simulated again by --resume, and the file then holds the data of an uninterrupted run,
# bit for bit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
source "$src/tests/support/output_data.bash"

# One patient of birth and death at 1 per day from a million cells (2e6 exact events a
# day), with a follow-up that makes its simulation last about 6 s in this build (a
# sanitizer build is ten times slower than a release build), calibrated by the time of
# 10 days less that of 1 day (which is mostly start-up).
stop_within=3
long_patient() { # DAYS: sets long_run, the arguments after "run"
  long_run=("$src/cohorts/validation/birth_death.yaml" -n 1 -s 3 --quiet --set method=exact
    --set parameters.n0=1000000 --set parameters.d=1 --set "followup_days=$1")
}
seconds_of_run() { # DAYS: wall seconds of a run of that follow-up
  local start
  long_patient "$1"
  start=$(date +%s.%N)
  cohortsim run "${long_run[@]}" -o "$tmp/calibration-$1.nc"
  expect_rc 0 "calibration run of $1 days"
  awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }'
}
one_day=$(seconds_of_run 1)
ten_days=$(seconds_of_run 10)
followup=$(awk -v one="$one_day" -v ten="$ten_days" \
  'BEGIN { per_day = (ten - one) / 9; f = per_day > 0 ? int(6 / per_day) : 1000;
           print (f < 10 ? 10 : (f > 1000 ? 1000 : f)) }')
long_patient "$followup"

cohortsim run "${long_run[@]}" -o "$tmp/ref.nc"
expect_rc 0 "uninterrupted run"
data_of "$tmp/ref.nc" >"$tmp/ref.cdl"
ok "reference: one long patient ($followup days), uninterrupted"

# stop_inside SIGNAL: starts a new run, sends SIGNAL half a second after the partial
# file appears (the patient is being simulated), and checks the run ends soon with exit
# 75 and the partial file left for --resume.
stop_inside() {
  local signal=$1 pid deadline start elapsed
  rm -f "$tmp/out.nc.partial"
  "$bin" run "${long_run[@]}" -o "$tmp/out.nc" 2>"$tmp/stderr" &
  pid=$!
  deadline=$((SECONDS + timeout_seconds))
  until [ -f "$tmp/out.nc.partial" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$signal: no partial file within ${timeout_seconds}s"
    sleep 0.05
  done
  sleep 0.5
  kill -0 "$pid" 2>/dev/null || fail "$signal: the run ended before the signal"
  start=$(date +%s.%N)
  kill "-$signal" "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
    if awk -v e="$elapsed" -v l="$stop_within" 'BEGIN { exit !(e > l) }'; then
      kill -KILL "$pid"
      fail "$signal: the run did not stop within ${stop_within}s (it went on with its patient)"
    fi
    sleep 0.05
  done
  set +e
  wait "$pid"
  rc=$?
  set -e
  expect_rc 75 "$signal inside the patient"
  expect_stderr "stopped by a signal" "$signal inside the patient"
  expect_one_error "$signal inside the patient"
  [ -f "$tmp/out.nc.partial" ] && [ ! -e "$tmp/out.nc" ] ||
    fail "$signal: want out.nc.partial and no out.nc"
  ok "$signal half a second into the patient: exit 75 within ${stop_within}s, partial file kept"
}

stop_inside TERM
stop_inside INT
cohortsim run "${long_run[@]}" -o "$tmp/out.nc" --resume
expect_rc 0 "--resume after SIGINT"
diff -q "$tmp/ref.cdl" <(data_of "$tmp/out.nc") >/dev/null ||
  fail "--resume after SIGINT: the data differ from the uninterrupted run"
ok "--resume redoes the abandoned patient: the data of the uninterrupted run, bit for bit"
