#!/usr/bin/env bash
# Usage errors: exit code 2, a message on stderr that names what is wrong, nothing on
# stdout, no output file written.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

out="$tmp/out.nc"
# usage_error WHAT EXPECTED_TEXT ARGS...: cohortsim ARGS exits 2, stderr holds a
# "cohortsim: error:" line containing EXPECTED_TEXT, and no output file appears.
usage_error() {
  local what=$1 text=$2
  shift 2
  cohortsim "$@"
  expect_rc 2 "$what"
  expect_one_error "$what"
  error_lines | grep -F -- "$text" >/dev/null || fail "$what: error line does not mention '$text'"
  [ ! -s "$tmp/stdout" ] || fail "$what: wrote to stdout"
  [ ! -e "$out" ] && [ ! -e "$out.partial" ] || fail "$what: created an output file"
  ok "$what: exit 2, message names [$text]"
}

# No command at all: the usage text.
cohortsim
expect_rc 2 "no command"
expect_stderr "usage: cohortsim COMMAND" "no command"
ok "no command: exit 2 with the usage text"

usage_error "unknown command" "'frobnicate'" frobnicate
usage_error "unknown option" "'--bogus'" run "$cohort" -o "$out" -n 20 --bogus
usage_error "unknown short option" "'-x'" run "$cohort" -o "$out" -n 20 -x
usage_error "-n abc" "'abc'" run "$cohort" -o "$out" -n abc
usage_error "-n 0" "-n expects" run "$cohort" -o "$out" -n 0
usage_error "-n -5" "'-5'" run "$cohort" -o "$out" -n -5
usage_error "-n 12x" "'12x'" run "$cohort" -o "$out" -n 12x
usage_error "-s abc" "'abc'" run "$cohort" -o "$out" -n 20 -s abc
# Numbers are decimal digits only: strtoull alone would take blanks and a sign.
usage_error "-n ' 5'" "' 5'" run "$cohort" -o "$out" -n ' 5'
usage_error "-n +5" "'+5'" run "$cohort" -o "$out" -n +5
usage_error "-s ' 5'" "' 5'" run "$cohort" -o "$out" -n 20 -s ' 5'
usage_error "--shard '1/ 2'" "'1/ 2'" run "$cohort" -o "$out" -n 20 --shard '1/ 2'
usage_error "--shard ' 1/2'" "' 1/2'" run "$cohort" -o "$out" -n 20 --shard ' 1/2'
usage_error "--shard 1/+2" "'1/+2'" run "$cohort" -o "$out" -n 20 --shard 1/+2
usage_error "-n above the limit" "at most 1000000000 patients" run "$cohort" -o "$out" -n 1000000001
usage_error "--resume with --restart" "--restart" run "$cohort" -o "$out" -n 20 --resume --restart
usage_error "-n without a value" "'-n'" run "$cohort" -o "$out" -n
usage_error "extra positional argument (run)" "'extra.yaml'" run "$cohort" extra.yaml -o "$out" -n 20
usage_error "extra positional argument (check)" "'extra.yaml'" check "$cohort" extra.yaml
usage_error "check without a file" "check needs a cohort file" check
usage_error "check with a run option" "'-n'" check "$cohort" -n 20
usage_error "malformed --set (run)" "--set followup_days" run "$cohort" -o "$out" -n 20 --set followup_days
usage_error "malformed --set (check)" "--set parameters.b" check "$cohort" --set parameters.b
usage_error "--set without a value" "'--set'" run "$cohort" -o "$out" -n 20 --set
usage_error "summary without a file" "summary" summary
usage_error "summary with two files" "summary" summary a.nc b.nc

# Under MPI, every rank rejects the command line, but only rank 0 says so, and the job
# ends instead of hanging.
cohortsim_mpi 3 run "$cohort" -o "$out" -n abc
expect_rc 2 "-n abc under mpirun -n 3"
expect_one_error "-n abc under mpirun -n 3"
expect_stderr "'abc'" "-n abc under mpirun -n 3"
[ ! -e "$out" ] || fail "-n abc under mpirun -n 3: created an output file"
ok "-n abc under mpirun -n 3: exit 2, one error line"

# --help is not an error: usage on stdout, exit 0.
cohortsim --help
expect_rc 0 "--help"
expect_stdout "usage: cohortsim COMMAND" "--help"
ok "--help: usage on stdout, exit 0"
