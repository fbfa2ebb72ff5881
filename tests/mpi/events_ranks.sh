#!/usr/bin/env bash
# Events keep the determinism contract: a cohort with timed and state events, a
# parameter and a drug set by an event and doses into a species
# (tests/data/events/treatment_on_burden.yaml) gives identical data for 1 and 3 ranks in
# both engines, and `verify` re-simulates it bit for bit.
set -euo pipefail
source "${COHORTSIM_SOURCE_DIR:?COHORTSIM_SOURCE_DIR must name the source tree}/tests/support/script_common.bash"
source "$src/tests/support/output_data.bash"

cohort="$src/tests/data/events/treatment_on_burden.yaml"
for method in exact hybrid; do
  for ranks in 1 3; do
    mpirun -n "$ranks" --oversubscribe "$bin" run "$cohort" -o "$tmp/$method$ranks.nc" -n 12 \
      -s 5 --quiet --set "method=$method"
  done
  if ! diff -q <(data_of "$tmp/${method}1.nc") <(data_of "$tmp/${method}3.nc") >/dev/null; then
    echo "FAIL: $method: 3 ranks differ from 1 rank:" >&2
    diff <(data_of "$tmp/${method}1.nc") <(data_of "$tmp/${method}3.nc") | head -20 >&2
    exit 1
  fi
  "$bin" verify "$tmp/${method}3.nc" >/dev/null
  echo "ok: $method: 1 and 3 ranks identical, verify passes"
done
"$bin" check "$cohort" | grep -q "start_treatment: when N > 5000, once: kill = 1.2, C += 4"
echo "ok: check prints the arm's event"
