#!/usr/bin/env bash
# The README's two commands.
#   tools/quickstart.sh run   set up, build, run the default cohort (1000 patients) on all
#                             cores, print the per-arm summary, draw the survival curves
#   tools/quickstart.sh test  set up, build (warnings as errors), run every test, then the
#                             whole suite again under AddressSanitizer + UBSan, then
#                             replay the fuzz corpora and fuzz each harness for a minute
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Open MPI refuses to run as root without these; CI runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

case "${1:-}" in
  run)
    "$here/tools/setup.sh"
    mkdir -p "$here/results"
    mpirun -n "$(nproc)" "$here/build/cohortsim" run -o "$here/results/default.nc" --restart
    "$here/build/cohortsim" summary "$here/results/default.nc"
    "$here/tools/cohortsim-plot" survival "$here/results/default.nc" -o "$here/results/survival.png"
    echo "survival curves: $here/results/survival.png"
    ;;
  test)
    "$here/tools/setup.sh" --werror
    (cd "$here/build" && ctest --output-on-failure --timeout 1200)
    "$here/tools/setup.sh" --werror --sanitize --build-dir "$here/build-sanitize"
    (cd "$here/build-sanitize" && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure \
      --timeout 2400 --label-exclude heavy)
    # The libFuzzer harnesses (clang, ASan + UBSan): replay every corpus, then fuzz each
    # for COHORTSIM_FUZZ_SECONDS (default 60) from it (docs/reliability.md).
    CC=clang cmake -S "$here" -B "$here/build-fuzz" -DCOHORTSIM_FUZZ=ON -DBUILD_TESTING=OFF \
      >/dev/null
    cmake --build "$here/build-fuzz" -j "$(nproc)" --target fuzz_cohort fuzz_expr fuzz_netcdf
    (cd "$here/build-fuzz" && ctest --output-on-failure --label-regex fuzz)
    "$here/tests/fuzz/fuzz.sh" "$here/build-fuzz" "${COHORTSIM_FUZZ_SECONDS:-60}"
    ;;
  *)
    echo "usage: tools/quickstart.sh run|test" >&2
    exit 2
    ;;
esac
