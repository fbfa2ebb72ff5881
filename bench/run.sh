#!/usr/bin/env bash
# Benchmark harness (not a test): prints, for the machine it runs on,
#   1. exact engine events/s on the birth-death validation cohort next to the plain
#      direct-method reference (../shared/bench/direct_ref.c), same work, one run each,
#      side by side (n0 = 10000, b = 1, d = 1.1, 10 days, 1000 patients);
#   2. hybrid patients/s per core at mouse scale (the default cohort) and human scale;
#   3. strong scaling of `cohortsim run` from 1 to 2 ranks on a fixed cohort;
#   4. exact engine events/s on general rate laws: Michaelis-Menten (bench/michaelis_menten.yaml)
#      as the full mechanism by stoichiometric mass action, as the reduced rate law
#      kcat*E0*S/(Km + S), and both at once.
# Usage: bench/run.sh [--quick]      (--quick: smaller cohorts, for a smoke test)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${COHORTSIM_SHARED:-$here/../shared}
build="$here/build-bench"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

quick=false
[ "${1:-}" = "--quick" ] && quick=true
exact_patients=1000 mouse_patients=200 human_patients=50 scaling_patients=1000 mm_patients=200
if $quick; then
  exact_patients=50 mouse_patients=10 human_patients=4 scaling_patients=20 mm_patients=10
fi

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target cohortsim cohortsim-bench-engine >/dev/null
cc -O2 -o "$out/direct_ref" "$shared/bench/direct_ref.c" -lgsl -lgslcblas -lm
bin="$build/cohortsim"

# shellcheck source=bench/lib.bash
source "$here/bench/lib.bash"
seconds() { wall_and_cpu "$@" | cut -d' ' -f1; } # command... -> its wall seconds
total_events() { # file -> sum of the events variable
  ncdump -v events "$1" | sed -n '/^ events =/,/;/p' | tr -d ' ;\n' | cut -d= -f2 | tr ',' '\n' |
    awk '{s += $1} END {printf "%.0f", s}'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "cohortsim $("$bin" --version | cut -d' ' -f2-)"
echo

echo "1. exact engine, birth-death n0=10000 b=1 d=1.1, 10 days, $exact_patients patients (1 rank)"
echo "   three runs of each, interleaved, medians (the machine's noise is about 10%)"
ref_walls=() cs_walls=() ref_loops=() cs_loops=()
for repeat in 1 2 3; do
  start=$(date +%s.%N)
  ref_line=$("$out/direct_ref" 10 "$exact_patients")
  end=$(date +%s.%N)
  ref_walls+=("$(calc "$end - $start")")
  ref_loops+=("$(echo "$ref_line" | sed 's/.*seconds=\([0-9.]*\).*/\1/')")
  cs_walls+=("$(seconds "$bin" run "$here/cohorts/validation/birth_death.yaml" -o "$out/bd.nc" --restart \
    -n "$exact_patients" --quiet)")
  engine_line=$("$build/cohortsim-bench-engine" "$here/cohorts/validation/birth_death.yaml" \
    "$exact_patients")
  cs_loops+=("$(echo "$engine_line" | sed 's/.*cpu_seconds=\([0-9.]*\).*/\1/')")
done
ref_events=$(echo "$ref_line" | sed 's/.*events=\([0-9]*\).*/\1/')
ref_wall=$(printf '%s\n' "${ref_walls[@]}" | median)
cs_wall=$(printf '%s\n' "${cs_walls[@]}" | median)
cs_events=$(total_events "$out/bd.nc")
printf '   direct_ref : %12d events  %7.2f s whole process  %6.1f M events/s   (runs: %s)\n' \
  "$ref_events" "$ref_wall" "$(calc "$ref_events / $ref_wall / 1e6")" "${ref_walls[*]}"
printf '   cohortsim  : %12d events  %7.2f s whole process  %6.1f M events/s   (runs: %s)\n' \
  "$cs_events" "$cs_wall" "$(calc "$cs_events / $cs_wall / 1e6")" "${cs_walls[*]}"
printf '   speed-up (whole process, same work): %.2fx\n' "$(calc "$ref_wall / $cs_wall")"
ref_loop=$(printf '%s\n' "${ref_loops[@]}" | median)
cs_loop=$(printf '%s\n' "${cs_loops[@]}" | median)
printf '   simulation loops alone (direct_ref its own timer, cohortsim bench/engine.c):\n'
printf '   direct_ref %.2f s (%.1f ns/event), cohortsim %.2f s (%.1f ns/event): %.2fx\n\n' \
  "$ref_loop" "$(calc "1e9 * $ref_loop / $ref_events")" "$cs_loop" \
  "$(calc "1e9 * $cs_loop / $cs_events")" "$(calc "$ref_loop / $cs_loop")"

echo "2. hybrid engine, patients per second per core (1 rank; every arm of each patient)"
echo "   whole process, three runs of each, medians of the wall and of the CPU time"
for scale in mouse human; do
  if [ "$scale" = mouse ]; then cohort="$here/cohorts/necroptosis_triple.yaml" n=$mouse_patients
  else cohort="$here/cohorts/necroptosis_human.yaml" n=$human_patients; fi
  walls=() cpus=()
  for repeat in 1 2 3; do
    read -r wall cpu < <(wall_and_cpu "$bin" run "$cohort" -o "$out/$scale.nc" -n "$n" --quiet \
      --restart)
    walls+=("$wall") cpus+=("$cpu")
  done
  wall=$(printf '%s\n' "${walls[@]}" | median) cpu=$(printf '%s\n' "${cpus[@]}" | median)
  arms=$(ncdump -h "$out/$scale.nc" | sed -n 's/^\tarm = \([0-9]*\) ;/\1/p')
  printf '   %-5s: %4d patients x %d arms in %7.2f s: %7.1f patient-arms/s, %6.2f ms each' \
    "$scale" "$n" "$arms" "$wall" "$(calc "$n * $arms / $wall")" \
    "$(calc "1000 * $wall / ($n * $arms)")"
  printf ' (CPU %.2f s, %.2f ms each; walls: %s)\n' "$cpu" "$(calc "1000 * $cpu / ($n * $arms)")" \
    "${walls[*]}"
done
echo

echo "3. strong scaling, default cohort, $scaling_patients patients"
t1=$(seconds mpirun -n 1 "$bin" run -o "$out/s1.nc" -n "$scaling_patients" --quiet --restart)
t2=$(seconds mpirun -n 2 "$bin" run -o "$out/s2.nc" -n "$scaling_patients" --quiet --restart)
printf '   1 rank %.2f s, 2 ranks %.2f s: speed-up %.2f, efficiency %.0f%%\n' "$t1" "$t2" \
  "$(calc "$t1 / $t2")" "$(calc "100 * $t1 / (2 * $t2)")"
busy() { ncdump -h "$1" | sed -n 's/.*:rank_busy_seconds = \(.*\) ;/\1/p' | tr -d ' '; }
printf '   time each rank spent simulating: 1 rank %s s; 2 ranks %s s\n' "$(busy "$out/s1.nc")" \
  "$(busy "$out/s2.nc")"
# What the machine itself allows: the same engine work as two independent processes at
# once (no MPI, no file), against one of them alone. Cores that slow each other down
# (shared caches, memory bandwidth, a hypervisor) cap the efficiency of any parallel run.
engine() { "$build/cohortsim-bench-engine" "$here/cohorts/necroptosis_triple.yaml" "$@" |
  sed 's/.*cpu_seconds=\([0-9.]*\).*/\1/'; }
half=$((scaling_patients / 2))
alone=$(engine "$half")
engine "$half" >"$out/pair_a" &
pair_b=$(engine "$half")
wait
pair_a=$(cat "$out/pair_a")
printf '   the machine: half the cohort alone %.2f s CPU; two halves at once %.2f s and %.2f s\n' \
  "$alone" "$pair_a" "$pair_b"
printf '   (two busy cores each run at %.0f%% of one busy core: the ceiling of any 2-rank efficiency)\n' \
  "$(calc "200 * $alone / ($pair_a + $pair_b)")"
echo

echo "4. exact engine on general rate laws, Michaelis-Menten, $mm_patients patients, 10 days"
echo "   (bench/engine.c, CPU time; three runs of each, medians)"
mm() { # label, --set overrides...
  local label=$1 runs=() line=""
  shift
  for repeat in 1 2 3; do
    line=$("$build/cohortsim-bench-engine" "$here/bench/michaelis_menten.yaml" "$mm_patients" 1 "$@")
    runs+=("$(echo "$line" | sed 's/.*ns_per_event=\([0-9.]*\).*/\1/')")
  done
  local ns events
  ns=$(printf '%s\n' "${runs[@]}" | median)
  events=$(echo "$line" | sed 's/.*events=\([0-9]*\).*/\1/')
  printf '   %-34s %10d events  %6.1f ns/event  %5.1f M events/s   (runs: %s)\n' "$label" \
    "$events" "$ns" "$(calc "1000 / $ns")" "${runs[*]}"
}
mm "full mechanism (mass action)" reactions.reduced.rate=0
mm "reduced (rate law)" parameters.k1=0
mm "both"
