#!/usr/bin/env bash
# Invalid cohort files and overrides: exit 3 and one line on stderr naming
# file:line:column and the key path (or the --set argument), for `check` and for `run`
# under `mpirun -n 3`, where the error is printed once and all ranks exit together.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# broken NAME SED_SCRIPT: a copy of two_arms.yaml in $tmp with one edit; the edit must
# change the file, or the case would test nothing.
broken() {
  sed "$2" "$cohort" >"$tmp/$1.yaml"
  ! cmp -s "$cohort" "$tmp/$1.yaml" || fail "$1: the edit '$2' changed nothing (test bug)"
}
# position FILE TOKEN [SKIP]: "line:column" (1-based) of the first occurrence of the fixed
# string TOKEN, plus SKIP characters.
position() {
  awk -v token="$2" -v skip="${3:-0}" '
    !found && (i = index($0, token)) { print NR ":" (i + skip); found = 1 }
  ' "$1"
}

broken typo 's/^followup_days:/folowup_days:/'
broken negative_rate 's/rate: d,/rate: -0.5,/'
broken unknown_species 's/change: {N: -1}, rate: d,/change: {M: -1}, rate: d,/'
broken unknown_parameter 's/rate: kd,/rate: kd * zz,/'
broken syntax 's/^  n0: 60$/  n0: [60/'

# Each case: file, "line:column" the message must name, key path it must name.
cases=(
  "typo|$(position "$tmp/typo.yaml" folowup_days:)|folowup_days"
  "negative_rate|$(position "$tmp/negative_rate.yaml" 'rate: -0.5' 6)|reactions.death.rate"
  "unknown_species|$(position "$tmp/unknown_species.yaml" '{M: -1}' 1)|reactions.death.change.M"
  "unknown_parameter|$(position "$tmp/unknown_parameter.yaml" 'rate: kd * zz' 6)|reactions.drug_death.rate"
  # A YAML syntax error is reported where the parser notices it; there is no key path.
  "syntax||YAML syntax error"
)

# expect_cohort_error WHAT LOCATION KEY: exit 3 and exactly one error line naming both.
expect_cohort_error() {
  local what=$1 location=$2 key=$3 line
  expect_rc 3 "$what"
  expect_one_error "$what"
  line=$(error_lines)
  case "$line" in
  *"$location"*) ;;
  *) fail "$what: the error does not name '$location': $line" ;;
  esac
  case "$line" in
  *"$key"*) ;;
  *) fail "$what: the error does not name '$key': $line" ;;
  esac
  # Without an exact position (syntax errors), at least some line:column of the file.
  if [[ "$location" == *.yaml: ]]; then
    [[ "$line" =~ ^cohortsim:\ error:\ .*\.yaml:[0-9]+:[0-9]+:\  ]] ||
      fail "$what: the error names no line:column: $line"
  fi
}

for entry in "${cases[@]}"; do
  IFS='|' read -r name where key <<<"$entry"
  file="$tmp/$name.yaml"
  location="$file:$where"
  [ -n "$where" ] || location="$file:"

  cohortsim check "$file"
  expect_cohort_error "check $name" "$location" "$key"
  [ "$(wc -l <"$tmp/stderr")" -eq 1 ] || fail "check $name: stderr has more than one line"
  [ ! -s "$tmp/stdout" ] || fail "check $name: printed a model for an invalid file"
  ok "check $name: exit 3, one line naming ${location#"$tmp/"} and $key"

  out="$tmp/$name.nc"
  start=$SECONDS
  cohortsim_mpi 3 run "$file" -o "$out" -n 30 --quiet
  expect_cohort_error "run $name (3 ranks)" "$location" "$key"
  [ ! -e "$out" ] && [ ! -e "$out.partial" ] || fail "run $name (3 ranks): left an output file"
  ok "run $name under mpirun -n 3: exit 3 in $((SECONDS - start))s, error printed once"
done

# A bad override names the --set argument and the key path.
for cmd in check run; do
  if [ "$cmd" = check ]; then
    cohortsim check "$cohort" --set parameters.b=abc
  else
    cohortsim_mpi 3 run "$cohort" -o "$tmp/set.nc" -n 30 --quiet --set parameters.b=abc
  fi
  expect_cohort_error "$cmd --set parameters.b=abc" "--set parameters.b=abc" "parameters.b"
  error_lines | grep -F "'abc'" >/dev/null || fail "$cmd --set parameters.b=abc: the bad value is not named"
  ok "$cmd --set parameters.b=abc: exit 3, one error line naming the --set argument"
done
[ ! -e "$tmp/set.nc" ] && [ ! -e "$tmp/set.nc.partial" ] || fail "run --set parameters.b=abc: left an output file"
ok "run --set parameters.b=abc: no output file"

# An override that parses but is invalid is checked like the file.
cohortsim check "$cohort" --set followup_days=-5
expect_cohort_error "check --set followup_days=-5" "--set followup_days=-5" "followup_days"
ok "check --set followup_days=-5: exit 3, names the --set argument"
cohortsim check "$cohort" --set parameters.d=-0.7
expect_cohort_error "check --set parameters.d=-0.7" "$cohort:" "reactions.death.rate"
ok "check --set parameters.d=-0.7: exit 3, names where the negative rate is used"
