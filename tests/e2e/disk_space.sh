#!/usr/bin/env bash
# Disk space: no fill values are written before the first record; a run that cannot fit
# in the free space is refused before anything is created; a disk that fills during the
# run, or while the schema is written, gives "no space left on device", exit 4, no
# crash, and keeps the chunks written, which --resume completes (bit for bit the data of
# an uninterrupted run). The small file systems are tmpfs mounts (root only): without
# them those checks are skipped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
source "$src/tests/support/output_data.bash"
timeout_seconds=120

# --- No fill values: 5 million patients would take 2 GB of them, written before the
# first record. When the first chunks are done, the file must still be small.
big="$tmp/big.nc"
"$bin" run "$cohort" -o "$big" -n 5000000 --quiet 2>"$tmp/big.stderr" &
runner=$!
for _ in $(seq 1200); do
  if [ -f "$big.partial" ] && [ "$(values "$big.partial" chunk_done 2>/dev/null | grep -c -x 1)" -gt 0 ]; then
    break
  fi
  kill -0 "$runner" 2>/dev/null || fail "the 5-million-patient run ended: $(cat "$tmp/big.stderr")"
  sleep 0.1
done
allocated=$(du -k "$big.partial" | cut -f1)
kill -KILL "$runner"
wait "$runner" 2>/dev/null || true
[ "$(values "$big.partial" chunk_done | grep -c -x 1)" -gt 0 ] ||
  fail "the 5-million-patient run: no chunk done within 120 s"
[ "$allocated" -lt 100000 ] || fail "no fill values: the partial file of 5 million patients takes ${allocated} kB"
ok "no fill values: with its first chunks done, the partial file of 5 million patients takes ${allocated} kB on disk"

# --- The disk fills while the schema is written, after the space check passed (any
# moment of it: budgets from nothing to part of the file): a shim (LD_PRELOAD,
# tests/support/enospc_shim.c) makes writes to OUT.nc.partial.creating fail with ENOSPC
# after that many bytes. Exit 4 with one message saying so, no crash (a half-created
# parallel HDF5 file used to crash MPI_Finalize), nothing left behind, and the same
# command then runs.
shim="$tmp/enospc_shim.so"
cc -shared -fPIC -o "$shim" "$src/tests/support/enospc_shim.c" -ldl ||
  fail "cannot build tests/support/enospc_shim.c"
# Under the sanitizer build, ASan's runtime must come first among the preloaded libraries.
preload=$shim
asan_runtime=$(ldd "$bin" | awk '/libasan/ { print $3 }')
[ -z "$asan_runtime" ] || preload="$asan_runtime:$shim"
for ranks in 1 3; do
  for budget in 0 512 4096; do
    what="a disk that fills creating the schema ($ranks rank(s), $budget bytes)"
    out="$tmp/schema_${ranks}_$budget.nc"
    capture mpirun -n "$ranks" --oversubscribe -x LD_PRELOAD="$preload" \
      -x ENOSPC_SHIM_SUFFIX=.partial.creating -x ENOSPC_SHIM_BYTES="$budget" \
      "$bin" run "$cohort" -o "$out" -n 100 --quiet
    expect_rc 4 "$what"
    expect_one_error "$what"
    expect_stderr "no space left on device creating '$out.partial'" "$what"
    ! grep -q -i -E "segmentation|signal" "$tmp/stderr" || fail "$what: crashed"
    for left in "$out" "$out.partial" "$out.partial.creating"; do
      [ ! -e "$left" ] || fail "$what: left $left"
    done
    ok "$what: exit 4, $(error_lines), nothing left"
  done
  cohortsim_mpi "$ranks" run "$cohort" -o "$out" -n 100 --quiet
  expect_rc 0 "the same run with space ($ranks rank(s))"
done

small="$tmp/small"
mkdir "$small"
if ! mount -t tmpfs -o size=16m tmpfs "$small" 2>/dev/null; then
  echo "skip: cannot mount a tmpfs (not root?): the space checks were not run"
  exit 0
fi
trap 'umount "$small" 2>/dev/null || true; cleanup' EXIT

# --- Not enough space: refused at once with both figures, nothing created.
start=$SECONDS
cohortsim run "$cohort" -o "$small/huge.nc" -n 100000 --quiet
expect_rc 4 "a run larger than the free space"
expect_one_error "a run larger than the free space"
expect_stderr "not enough space for '$small/huge.nc.partial': the run needs about 59.2 MB, its file system has 16.8 MB free" \
  "a run larger than the free space"
[ $((SECONDS - start)) -le 10 ] || fail "a run larger than the free space: refused after $((SECONDS - start)) s"
[ -z "$(ls -A "$small")" ] || fail "a run larger than the free space: left $(ls -A "$small")"
ok "a run larger than the free space: exit 4 at once: $(error_lines)"

# --- Tight: a warning, and the run goes on.
# From here on the runs have tens of thousands of patients (to fill the small file
# system), which take minutes under the sanitizers (the reference run of 24,000 took
# more than 120 s in one CI run and less in the next): their hang guard is 600 s.
timeout_seconds=600
cohortsim run "$cohort" -o "$small/tight.nc" -n 26000 --quiet
expect_rc 0 "a run that fits tightly"
expect_stderr "cohortsim: warning: '$small/tight.nc.partial' needs about 16.2 MB and its file system has 16.8 MB free" \
  "a run that fits tightly"
ok "a run that fits tightly: exit 0 with a warning: $(grep warning "$tmp/stderr")"
rm -f "$small/tight.nc"

# --- The disk fills during the run (a filler written once chunks are done).
patients=24000
out="$small/full.nc"
"$bin" run "$cohort" -o "$out" -n "$patients" -s 3 --quiet 2>"$tmp/full.stderr" &
runner=$!
for _ in $(seq 1200); do
  if [ -f "$out.partial" ] && [ "$(values "$out.partial" chunk_done 2>/dev/null | grep -c -x 1)" -gt 0 ]; then
    break
  fi
  kill -0 "$runner" 2>/dev/null || fail "the run ended before the disk was filled: $(cat "$tmp/full.stderr")"
  sleep 0.05
done
dd if=/dev/zero of="$small/filler" bs=64k 2>/dev/null || true
set +e
wait "$runner"
rc=$?
set -e
cp "$tmp/full.stderr" "$tmp/stderr"
last_command="run with a disk that fills"
expect_rc 4 "a disk that fills during the run"
expect_one_error "a disk that fills during the run"
expect_stderr "no space left on device writing '$out.partial'" "a disk that fills during the run"
expect_stderr "run the same command with --resume" "a disk that fills during the run"
[ -f "$out.partial" ] || fail "a disk that fills during the run: the partial file was removed"
n_done=$(values "$out.partial" chunk_done | grep -c -x 1 || true)
[ "$n_done" -gt 0 ] || fail "a disk that fills during the run: no chunk done in the partial file"
ok "a disk that fills during the run: exit 4, $(error_lines), $n_done chunks kept"

rm "$small/filler"
cohortsim run "$cohort" -o "$out" -n "$patients" -s 3 --quiet --resume
expect_rc 0 "--resume after space was freed"
cohortsim run "$cohort" -o "$tmp/reference.nc" -n "$patients" -s 3 --quiet
expect_rc 0 "the uninterrupted reference run"
diff -q <(data_of "$tmp/reference.nc") <(data_of "$out") >/dev/null ||
  fail "--resume after a full disk: data differ from the uninterrupted run"
ok "--resume after a full disk: exit 0, the data of the uninterrupted run bit for bit"
