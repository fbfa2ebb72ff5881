#!/usr/bin/env bash
# Input/output failures exit 4 with the path in the message, fail before any simulation,
# and lose nothing: a failed run never touches an existing OUT.nc and leaves no
# OUT.nc.partial behind.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# expect_io_error WHAT PATH: exit 4, one error line that names PATH.
expect_io_error() {
  expect_rc 4 "$1"
  expect_one_error "$1"
  error_lines | grep -F -- "$2" >/dev/null || fail "$1: the error does not name '$2': $(error_lines)"
}

# --- A missing cohort file.
missing="$tmp/no_such_cohort.yaml"
cohortsim check "$missing"
expect_io_error "check of a missing file" "$missing"
ok "check of a missing cohort file: exit 4, names the path"
cohortsim_mpi 3 run "$missing" -o "$tmp/missing.nc" -n 20 --quiet
expect_io_error "run of a missing file (3 ranks)" "$missing"
[ ! -e "$tmp/missing.nc" ] && [ ! -e "$tmp/missing.nc.partial" ] ||
  fail "run of a missing cohort file: left an output file"
ok "run of a missing cohort file under mpirun -n 3: exit 4, error printed once, no output"
cohortsim check "$tmp"
expect_io_error "check of a directory" "$tmp"
ok "check of a directory: exit 4, names the path"

# --- An output path in a directory that does not exist: exit 4 within seconds, before
# simulating. 100000 patients take well over 10 s to simulate here, so a driver that
# simulated first and created the file afterwards would fail the time limit.
bad_out="$tmp/no/such/dir/out.nc"
for ranks in 1 3; do
  start=$SECONDS
  cohortsim_mpi "$ranks" run "$cohort" -o "$bad_out" -n 100000 --quiet
  elapsed=$((SECONDS - start))
  expect_io_error "output in a missing directory ($ranks ranks)" "$bad_out"
  [ "$elapsed" -le 10 ] || fail "output in a missing directory ($ranks ranks): took ${elapsed}s, want <= 10s"
  [ ! -e "$tmp/no" ] || fail "output in a missing directory: the directory was created"
  ok "output in a missing directory, $ranks rank(s): exit 4 in ${elapsed}s, names the path"
done

# --- Nothing is lost: an existing OUT.nc with known content survives every failure
# byte for byte, and no OUT.nc.partial is left behind, even with --restart (which asks
# to replace OUT.nc, but only by a finished run).
out="$tmp/OUT.nc"
cohortsim run "$cohort" -o "$out" -n 20 -s 5 --quiet
expect_rc 0 "the reference run"
cp "$out" "$tmp/reference.nc"
# unchanged WHAT: OUT.nc is byte-identical to the reference and no partial file remains.
unchanged() {
  cmp -s "$out" "$tmp/reference.nc" || fail "$1: the existing OUT.nc was changed"
  [ ! -e "$out.partial" ] || fail "$1: left $out.partial behind"
  ok "$1: exit $rc, existing OUT.nc byte-identical, no OUT.nc.partial"
}

sed 's/^followup_days:/folowup_days:/' "$cohort" >"$tmp/typo.yaml"
cohortsim_mpi 3 run "$tmp/typo.yaml" -o "$out" -n 20 -s 6 --quiet --restart
expect_rc 3 "run of a bad cohort over an existing OUT.nc"
unchanged "run of a bad cohort over an existing OUT.nc (3 ranks)"

cohortsim_mpi 3 run "$cohort" -o "$out" -n 20 -s 6 --quiet --restart --set parameters.b=abc
expect_rc 3 "run with a bad --set over an existing OUT.nc"
unchanged "run with a bad --set over an existing OUT.nc (3 ranks)"

cohortsim_mpi 2 run "$missing" -o "$out" -n 20 -s 6 --quiet --restart
expect_rc 4 "run of a missing cohort over an existing OUT.nc"
unchanged "run of a missing cohort over an existing OUT.nc (2 ranks)"

cohortsim run "$cohort" -o "$out" -n 0 --restart
expect_rc 2 "usage error over an existing OUT.nc"
unchanged "usage error over an existing OUT.nc"

# The temporary file cannot be created (its name is taken by a non-empty directory): the
# run fails with exit 4 naming it, and OUT.nc is untouched.
mkdir -p "$out.partial/blocker"
cohortsim_mpi 3 run "$cohort" -o "$out" -n 20 -s 6 --quiet --restart
expect_io_error "unwritable OUT.nc.partial" "$out.partial"
cmp -s "$out" "$tmp/reference.nc" || fail "unwritable OUT.nc.partial: the existing OUT.nc was changed"
[ -d "$out.partial/blocker" ] || fail "unwritable OUT.nc.partial: removed a directory it did not create"
rm -rf "$out.partial"
ok "unwritable OUT.nc.partial (3 ranks): exit 4, existing OUT.nc byte-identical"

# OUT.nc is a non-empty directory: refused before anything is written, exit 4, no
# temporary file.
outdir="$tmp/outdir"
mkdir -p "$outdir/content"
cohortsim_mpi 2 run "$cohort" -o "$outdir" -n 20 --quiet
expect_io_error "output path is a directory" "$outdir"
[ -d "$outdir/content" ] || fail "output path is a directory: the directory was changed"
[ ! -e "$outdir.partial" ] || fail "output path is a directory: left $outdir.partial behind"
ok "output path is a directory (2 ranks): exit 4, no .partial left behind"
