#!/usr/bin/env bash
# Determinism contract: every data value of the output is identical, bit for bit, for
# 1, 2, 3 and 4 ranks; only provenance attributes may differ. Also: the same seed gives
# the same file, another seed another one; and a cohort with patient variability and
# treatment timing (tests/data/variability.yaml) is rank-invariant too.
set -euo pipefail
source "${COHORTSIM_SOURCE_DIR:?COHORTSIM_SOURCE_DIR must name the source tree}/tests/support/script_common.bash"

cohort="$src/tests/data/two_arms.yaml"
run() { # ranks output [extra options]
  local ranks=$1 out=$2
  shift 2
  mpirun -n "$ranks" --oversubscribe "$bin" run "$cohort" -o "$out" -n 37 -s 7 --quiet "$@"
}
source "$src/tests/support/output_data.bash"

for ranks in 1 2 3 4; do
  run "$ranks" "$tmp/ranks$ranks.nc"
done
data_of "$tmp/ranks1.nc" >"$tmp/ranks1.cdl"
for ranks in 2 3 4; do
  if ! diff -q "$tmp/ranks1.cdl" <(data_of "$tmp/ranks$ranks.nc") >/dev/null; then
    echo "FAIL: $ranks ranks differ from 1 rank:" >&2
    diff "$tmp/ranks1.cdl" <(data_of "$tmp/ranks$ranks.nc") | head -20 >&2
    exit 1
  fi
done
echo "ok: 1, 2, 3 and 4 ranks give identical data"

# The comparison can fail: another seed must change the records.
run 2 "$tmp/seed8.nc" -s 8
if diff -q "$tmp/ranks1.cdl" <(data_of "$tmp/seed8.nc") >/dev/null; then
  echo "FAIL: seeds 7 and 8 gave identical data" >&2
  exit 1
fi
echo "ok: another seed gives other data"

# The number of patients is part of the data, but a patient's record is not: patient 3
# of a 37-patient run is patient 3 of a 10-patient run.
run 1 "$tmp/small.nc" -n 10
for var in os_time final_burden events; do
  a=$(ncdump -p 9,17 -v "$var" "$tmp/ranks1.nc" | sed -n '/^data:/,$p' | tr -d ' \n' | cut -d'=' -f2 | cut -d',' -f1-3)
  b=$(ncdump -p 9,17 -v "$var" "$tmp/small.nc" | sed -n '/^data:/,$p' | tr -d ' \n' | cut -d'=' -f2 | cut -d',' -f1-3)
  if [ "$a" != "$b" ]; then
    echo "FAIL: $var of the first patients depends on the cohort size: $a vs $b" >&2
    exit 1
  fi
done
echo "ok: a patient's record does not depend on the cohort size"

# More ranks than patients: the ranks without a chunk wait for the others, and the file is
# the one a single rank writes.
run 1 "$tmp/three1.nc" -n 3
run 4 "$tmp/three4.nc" -n 3
if ! diff -q <(data_of "$tmp/three1.nc") <(data_of "$tmp/three4.nc") >/dev/null; then
  echo "FAIL: 3 patients on 4 ranks differ from 1 rank:" >&2
  diff <(data_of "$tmp/three1.nc") <(data_of "$tmp/three4.nc") | head -20 >&2
  exit 1
fi
echo "ok: 3 patients on 4 ranks give the data of 1 rank"

# Patient variability and treatment timing are drawn from per-patient streams as well:
# parameters, traits, start delays and every outcome are the same on 1 and 3 ranks.
cohort="$src/tests/data/variability.yaml"
run 1 "$tmp/variability1.nc"
run 3 "$tmp/variability3.nc"
if ! diff -q <(data_of "$tmp/variability1.nc") <(data_of "$tmp/variability3.nc") >/dev/null; then
  echo "FAIL: with variability and timing, 3 ranks differ from 1 rank:" >&2
  diff <(data_of "$tmp/variability1.nc") <(data_of "$tmp/variability3.nc") | head -20 >&2
  exit 1
fi
for var in param_b trait_resistant start_delay; do
  values=$(ncdump -v "$var" "$tmp/variability1.nc" | sed -n '/^data:/,$p' | sed 1,2d |
    tr -d ' ;}\n' | cut -d'=' -f2 | tr ',' '\n' | sort -u | wc -l)
  if [ "$values" -lt 2 ]; then
    echo "FAIL: $var takes a single value over 37 patients" >&2
    exit 1
  fi
done
echo "ok: with variability and timing, 1 and 3 ranks give identical data; parameters, traits and start delays vary"
