#!/usr/bin/env bash
# Readers never trust a file: from a small valid output (two_arms.yaml, 20 patients, one
# --set), tests/support/nc_mutate.py makes about 60 mutants (truncations, dimensions of
# other lengths, variables deleted, renamed, retyped or permuted, attributes deleted,
# retyped or contradicting the run, an invalid or changed embedded cohort, tampered
# records, statistics and coordinates, partial files, changed provenance), and `summary`,
# `verify`, `merge`, `analyze` and `run --resume` read each. None may crash (signal, sanitizer
# report, timeout) and each answers as the mutant's kind says (see nc_mutate.py):
# malformed files are refused with exit 4 (--resume: 2 or 4) and a message naming what
# is wrong; partial files are refused by summary, verify and merge with exit 4 saying how
# many chunks are done, and finished by --resume into a file that verifies; tampered
# values make verify exit 5 naming the variable; provenance changes are accepted.
# run --resume (a second each: it starts MPI) is tried on a subset that reaches its
# checks in different ways, to keep the test near a minute (two in the sanitizer build).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

python=/usr/bin/python3
"$python" -c "import netCDF4, numpy" 2>/dev/null ||
  fail "$python cannot import netCDF4: install the Debian package python3-netcdf4 (tools/packages.txt)"

run_args=("$cohort" -n 20 -s 4 --set parameters.kd=1.5 --quiet)
good="$tmp/good.nc"
cohortsim run "${run_args[@]}" -o "$good"
expect_rc 0 "run of the file to mutate"
cohortsim verify "$good"
expect_rc 0 "verify of the unmutated file"

mkdir "$tmp/mutants"
"$python" "$src/tests/support/nc_mutate.py" "$good" "$tmp/mutants" >"$tmp/manifest" ||
  fail "nc_mutate.py failed"

# expect_sound WHAT: no crash, no sanitizer report, at most one error line.
expect_sound() {
  [ "$rc" -ne 124 ] || fail "$1: timed out"
  [ "$rc" -lt 128 ] || fail "$1: killed by signal $((rc - 128))"
  if grep -q -E 'Sanitizer|runtime error:' "$tmp/stderr"; then
    fail "$1: sanitizer report"
  fi
  [ "$(error_lines | wc -l)" -le 1 ] || fail "$1: more than one error line"
}
# expect_refusal WHAT CODES TEXT: exit with one of CODES, one error line naming TEXT.
expect_refusal() {
  expect_sound "$1"
  [[ " $2 " == *" $rc "* ]] || fail "$1: exit $rc, want one of $2"
  expect_one_error "$1"
  expect_stderr "$3" "$1"
}
expect_accepted() {
  expect_sound "$1"
  [ "$rc" -eq 0 ] || fail "$1: exit $rc, want 0"
}

resume() {
  rm -f "$tmp/resumed.nc" "$tmp/resumed.nc.partial"
  cp "$1" "$tmp/resumed.nc.partial"
  cohortsim run "${run_args[@]}" -o "$tmp/resumed.nc" --resume
}

# check_mutant NAME KIND RESUME NAMES: every reader on one mutant (in a subshell, so a
# failed check ends only this mutant's checks and the others still run).
check_mutant() {
  local name=$1 kind=$2 try_resume=$3 names=$4 file="$tmp/mutants/$1.nc" summary_rc verify_line
  cohortsim summary "$file"
  summary_rc=$rc
  case $kind in
  malformed | incomplete) expect_refusal "summary of $name" 4 "$names" ;;
  *) expect_accepted "summary of $name" ;;
  esac
  cohortsim verify "$file"
  case $kind in
  malformed | incomplete) expect_refusal "verify of $name" 4 "$names" ;;
  data | identity) expect_refusal "verify of $name" 5 "$names" ;;
  *) expect_accepted "verify of $name" ;;
  esac
  verify_line=$(error_lines)
  rm -f "$tmp/merged.nc"
  cohortsim merge "$file" -o "$tmp/merged.nc"
  case $kind in
  malformed | incomplete) expect_refusal "merge of $name" 4 "$names" ;;
  *) expect_accepted "merge of $name" ;;
  esac
  # analyze reads through the same checked reader; it recomputes nothing it could compare,
  # so only malformed and incomplete files are refused.
  cohortsim analyze "$file"
  case $kind in
  malformed | incomplete) expect_refusal "analyze of $name" 4 "$names" ;;
  *) expect_accepted "analyze of $name" ;;
  esac
  [ "$try_resume" = resume ] || { ok "$name ($kind): summary $summary_rc, verify: ${verify_line:-exit 0}"; return 0; }
  resume "$file"
  case $kind in
  malformed) expect_refusal "run --resume of $name" "2 4" "" ;;
  identity) expect_refusal "run --resume of $name" 2 "different run" ;;
  incomplete)
    expect_accepted "run --resume of $name"
    cohortsim verify "$tmp/resumed.nc"
    expect_accepted "verify of $name once resumed"
    ;;
  *) expect_accepted "run --resume of $name" ;;
  esac
  ok "$name ($kind): summary $summary_rc, verify: ${verify_line:-exit 0}"
}

failed=0
while read -r name kind try_resume names; do
  (check_mutant "$name" "$kind" "$try_resume" "$names") || failed=$((failed + 1))
done <"$tmp/manifest"
[ "$failed" -eq 0 ] || fail "$failed of $(wc -l <"$tmp/manifest") mutants were not handled as expected"
for kind in malformed incomplete data identity provenance; do
  grep -q " $kind " "$tmp/manifest" || fail "no mutant of kind $kind"
done
ok "$(wc -l <"$tmp/manifest") mutants, each handled as expected: $(cut -d' ' -f2 "$tmp/manifest" | sort | uniq -c | awk '{printf "%s%s %s", NR > 1 ? ", " : "", $1, $2}')"
