#!/usr/bin/env bash
# The analysis layer checked against R (issue 11): tests/r/compare_r.R compares
# (1) the C functions on survival's lung data (through the driver tests/r/analysis_csv.c)
#     with coxph(ties = "efron"), glm(binomial), print(survfit, rmean) and
#     residuals(survfit, type = "sojourn"), and
# (2) `cohortsim analyze -o ANALYSIS.nc` of a small run of tests/data/variability.yaml
#     (every distribution kind, a trait, a start delay) with the same R functions refitted
#     on the output file, plus PRCC by its definition, survdiff and binom.test,
# all to 1e-6 relative. R, its survival package and ncdf4 are Debian packages
# (r-base-core, r-cran-survival, r-cran-ncdf4 in tools/packages.txt): without them this
# test fails, it does not skip.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../support/script_common.bash"
timeout_seconds=120

driver=${COHORTSIM_ANALYSIS_CSV:?COHORTSIM_ANALYSIS_CSV must name the analysis_csv test driver}
command -v Rscript >/dev/null ||
  fail "Rscript is missing: install r-base-core, r-cran-survival and r-cran-ncdf4 (tools/packages.txt)"
Rscript -e 'library(survival); library(ncdf4)' >/dev/null 2>&1 ||
  fail "R cannot load survival and ncdf4: install r-cran-survival and r-cran-ncdf4 (tools/packages.txt)"
script="$src/tests/r/compare_r.R"

capture Rscript "$script" classic "$tmp" "$driver"
cat "$tmp/stdout"
[ "$rc" -eq 0 ] || fail "the C functions disagree with R on the lung data"

# The resistant trait's own kd (not 0) keeps clearance possible with the trait, so the
# treated arm's logistic fit exists; the untreated arm, where almost nobody clears,
# separates and must be refused with a note.
out="$tmp/out.nc"
capture "$bin" run "$src/tests/data/variability.yaml" -o "$out" -n 300 -s 7 --quiet \
  --set traits.resistant.set.kd=1.0 --set traits.resistant.probability=0.4
[ "$rc" -eq 0 ] || fail "cohortsim run: exit $rc"
capture "$bin" analyze "$out" --by kd -o "$tmp/analysis.nc"
[ "$rc" -eq 0 ] || fail "cohortsim analyze: exit $rc"
capture Rscript "$script" output "$out" "$tmp/analysis.nc"
cat "$tmp/stdout"
[ "$rc" -eq 0 ] || fail "cohortsim analyze disagrees with R on its own output"
