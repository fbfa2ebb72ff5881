#!/usr/bin/env bash
# Regression harness (not a test): times today's cohorts with this checkout and with an
# earlier revision, interleaved on the same machine, and prints the medians side by side.
#   bench/compare.sh REVISION [RUNS]     (RUNS: repeats of each, default 7)
# Each figure is the CPU time (user + system) of a whole `cohortsim run` process, one
# rank: on a shared virtual machine the wall time of the same run varies by a factor of
# two, its CPU time by a few per cent. Work: the exact engine on the birth-death
# validation cohort (300 patients), the hybrid engine on the default cohort (mouse scale,
# 200 patients) and on cohorts/necroptosis_human.yaml (50 patients); every arm.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
revision=${1:?usage: bench/compare.sh REVISION [RUNS]}
runs=${2:-7}
out=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$out/base" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# shellcheck source=bench/lib.bash
source "$here/bench/lib.bash"

build() { # source directory, build directory
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$2" --parallel "$(nproc)" --target cohortsim >/dev/null
}
git -C "$here" worktree add --detach "$out/base" "$revision" >/dev/null 2>&1
build "$out/base" "$out/base-build"
build "$here" "$here/build-bench"
declare -A binary=([before]="$out/base-build/cohortsim" [after]="$here/build-bench/cohortsim")

work=("validation/birth_death 300" "necroptosis_triple 200" "necroptosis_human 50")
cpu_seconds() { # binary, cohort, patients -> user + system seconds of one run
  wall_and_cpu "$1" run "$here/cohorts/$2.yaml" -o "$out/run.nc" -n "$3" --quiet --restart |
    cut -d' ' -f2
}
for ((repeat = 0; repeat < runs; repeat++)); do
  for item in "${work[@]}"; do
    for version in before after; do
      # shellcheck disable=SC2086 # item is "cohort patients"
      echo "$version ${item%% *} $(cpu_seconds "${binary[$version]}" $item)" >>"$out/times"
    done
  done
done

summary() { # version, cohort -> "median (min-max)"
  local values
  values=$(awk -v v="$1" -v c="$2" '$1 == v && $2 == c { print $3 }' "$out/times" | sort -g)
  printf '%s (%s-%s)' "$(echo "$values" | median)" "$(echo "$values" | head -1)" \
    "$(echo "$values" | tail -1)"
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "CPU seconds of a whole run, $runs runs each interleaved: median (min-max)"
printf '%-38s %-26s %-26s %s\n' "work" "before ($(git -C "$here" rev-parse --short "$revision"))" \
  "after ($(git -C "$here" rev-parse --short HEAD))" "change"
for item in "${work[@]}"; do
  cohort=${item%% *}
  before=$(summary before "$cohort") after=$(summary after "$cohort")
  printf '%-38s %-26s %-26s %+.1f%%\n' "$cohort, ${item##* } patients" "$before" "$after" \
    "$(awk -v b="${before%% *}" -v a="${after%% *}" 'BEGIN { print 100 * (a / b - 1) }')"
done
