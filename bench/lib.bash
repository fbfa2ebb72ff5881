# Helpers of the benchmark harnesses (bench/run.sh, bench/compare.sh); sourced.

calc() { awk "BEGIN { print $* }"; }

# The median of the numbers on standard input, one per line.
median() {
  sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# command... -> "wall cpu": its wall seconds and its CPU seconds (user + system, children
# included). On a shared virtual machine the wall time of one run can double while its
# CPU time moves by a few per cent.
wall_and_cpu() {
  local TIMEFORMAT='%R %U %S' times
  times=$({ time "$@" >/dev/null; } 2>&1)
  awk -v t="$times" 'BEGIN { split(t, f, " "); printf "%.3f %.3f\n", f[1], f[2] + f[3] }'
}
