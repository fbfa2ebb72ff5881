#!/usr/bin/env bash
# `cohortsim check FILE` prints the resolved model (every reaction and arm by name) and
# exits 0; `--set` applies before validation; `--version` prints the project version.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# The keys of a top-level block of a cohort file (two-space indented names), e.g. the
# reaction names under `reactions:`.
block_keys() { # file block
  awk -v block="$2:" '
    $0 == block { inside = 1; next }
    inside && /^[^ #]/ { inside = 0 }
    inside && match($0, /^  [A-Za-z_][A-Za-z0-9_]*:/) { print substr($0, 3, RLENGTH - 3) }
  ' "$1"
}

for file in "$cohort" "$src"/cohorts/validation/*.yaml; do
  name=${file#"$src"/}
  reactions=$(block_keys "$file" reactions)
  [ -n "$reactions" ] || fail "$name: found no reactions in the file (test bug)"
  cohortsim check "$file"
  expect_rc 0 "check $name"
  [ ! -s "$tmp/stderr" ] || fail "check $name: printed on stderr"
  for reaction in $reactions; do
    grep -q -E "^[[:space:]]*${reaction}:" "$tmp/stdout" ||
      fail "check $name: reaction '$reaction' is not printed"
  done
  for arm in $(block_keys "$file" arms); do
    grep -q -E "^[[:space:]]*${arm}:" "$tmp/stdout" || fail "check $name: arm '$arm' is not printed"
  done
  expect_stdout "$file: valid" "check $name"
  ok "check $name: exit 0, prints every reaction ($(echo "$reactions" | paste -s -d,)) and arm"
done

# The resolved model shows an override (follow-up 20 days in the file).
cohortsim check "$cohort"
expect_stdout "follow-up: 20 days" "check two_arms"
cohortsim check "$cohort" --set followup_days=7 --set parameters.kd=0.25
expect_rc 0 "check --set"
expect_stdout "follow-up: 7 days" "check --set followup_days=7"
grep -q -E '^[[:space:]]*kd[[:space:]]*= 0\.25$' "$tmp/stdout" ||
  fail "check --set parameters.kd=0.25: kd is not shown as 0.25"
ok "check --set: the resolved model shows the overridden follow-up and parameter"

# --version: "cohortsim VERSION (git REVISION)", VERSION from the project() of CMakeLists.
version=$(sed -n 's/^project(cohortsim VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ -n "$version" ] || fail "cannot read the project version from CMakeLists.txt (test bug)"
cohortsim --version
expect_rc 0 "--version"
grep -q -E "^cohortsim ${version//./\\.} \(git [^)]+\)$" "$tmp/stdout" ||
  fail "--version printed '$(cat "$tmp/stdout")', want 'cohortsim $version (git REV)'"
ok "--version: prints cohortsim $version and the git revision"

# The revision is the source tree's as it is now (taken at build time, not when CMake
# first ran), marked -modified for uncommitted changes: what a results file records.
if revision=$(git -C "$src" --no-optional-locks rev-parse --short=12 HEAD 2>/dev/null); then
  [ -z "$(git -C "$src" --no-optional-locks status --porcelain --untracked-files=no)" ] ||
    revision+=-modified
  grep -q -F "(git $revision)" "$tmp/stdout" ||
    fail "--version printed '$(cat "$tmp/stdout")', but the source tree is at $revision"
  ok "--version: the git revision is the source tree's ($revision)"
fi
