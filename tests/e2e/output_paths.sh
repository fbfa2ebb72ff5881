#!/usr/bin/env bash
# The output path is checked before anything is simulated: only a regular file or
# nothing may be at it; everything else is refused (exit 4, or 2 for an empty -o) with
# one line naming the path, and is left as it was. No name the file system accepts
# crashes the program.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# refused WHAT CODE TEXT -o PATH: a run of 100000 patients (well over 10 s to simulate
# here) with -o PATH exits CODE within 10 s, one error line containing TEXT, and leaves
# no OUT.nc.partial.
refused() {
  local what=$1 code=$2 text=$3 path=$4 start=$SECONDS
  cohortsim run "$cohort" -o "$path" -n 100000 --quiet
  expect_rc "$code" "$what"
  expect_one_error "$what"
  error_lines | grep -F -- "$text" >/dev/null || fail "$what: the error does not say '$text': $(error_lines)"
  [ $((SECONDS - start)) -le 10 ] || fail "$what: refused only after $((SECONDS - start)) s"
  [ ! -e "$path.partial" ] || fail "$what: left $path.partial"
  ok "$what: exit $code at once: $(error_lines)"
}

refused "empty -o" 2 "-o expects a file name" ""
refused "-o DIR/" 4 "names a directory" "$tmp/"
refused "-o DIR" 4 "is a directory" "$tmp"
refused "directory does not exist" 4 "directory '$tmp/none' does not exist" "$tmp/none/out.nc"

refused "a device" 4 "is not a regular file" /dev/null
[ -c /dev/null ] || fail "a device: /dev/null is no longer a character device"

mkfifo "$tmp/fifo"
refused "a FIFO" 4 "is not a regular file" "$tmp/fifo"
[ -p "$tmp/fifo" ] || fail "a FIFO: the FIFO was replaced"

python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$tmp/socket"
refused "a socket" 4 "is not a regular file" "$tmp/socket"
[ -S "$tmp/socket" ] || fail "a socket: the socket was replaced"

cp "$cohort" "$tmp/cohort.yaml"
cohortsim run "$tmp/cohort.yaml" -o "$tmp/cohort.yaml" -n 100000 --quiet --restart
expect_rc 4 "-o the cohort file"
expect_stderr "'$tmp/cohort.yaml' is the input file '$tmp/cohort.yaml' itself" "-o the cohort file"
cmp -s "$cohort" "$tmp/cohort.yaml" || fail "-o the cohort file: the cohort file was changed"
ok "-o the cohort file itself (with --restart): exit 4, file unchanged"

echo "keep me" >"$tmp/readonly.nc"
chmod a-w "$tmp/readonly.nc"
refused "a read-only file" 4 "is read-only" "$tmp/readonly.nc"
[ "$(cat "$tmp/readonly.nc")" = "keep me" ] || fail "a read-only file: its content was changed"

echo "target" >"$tmp/target.nc"
ln -s "$tmp/target.nc" "$tmp/link.nc"
refused "a symbolic link" 4 "is a symbolic link" "$tmp/link.nc"
[ -L "$tmp/link.nc" ] && [ "$(cat "$tmp/target.nc")" = "target" ] || fail "a symbolic link: the link or its target was changed"
ln -s "$tmp/nowhere.nc" "$tmp/dangling.nc"
refused "a dangling symbolic link" 4 "is a symbolic link" "$tmp/dangling.nc"

mkdir -p "$tmp/blocked.nc.partial/content"
cohortsim run "$cohort" -o "$tmp/blocked.nc" -n 100000 --quiet --restart
expect_rc 4 "a directory at OUT.nc.partial"
expect_stderr "'$tmp/blocked.nc.partial' is a directory" "a directory at OUT.nc.partial"
[ -d "$tmp/blocked.nc.partial/content" ] || fail "a directory at OUT.nc.partial: it was changed"
ok "a directory at OUT.nc.partial (with --restart): exit 4, names it, leaves it"

# --- Long names. A name whose checkpoint name (NAME.partial.creating) would exceed the
# file system's 255 bytes is refused; one that fits works. An absolute path of over 245
# characters aborted inside Open MPI ("buffer overflow detected", exit 134).
long=$(printf 'a%.0s' $(seq 240))
refused "a 243-character name" 4 "output name too long" "$tmp/$long.nc"
fits=$(printf 'b%.0s' $(seq 235))
cohortsim run "$cohort" -o "$tmp/$fits.nc" -n 3 --quiet
expect_rc 0 "a 238-character name"
[ -f "$tmp/$fits.nc" ] || fail "a 238-character name: no output file"
ok "a 238-character name: exit 0, file written"
deep="$tmp/$(printf 'c%.0s' $(seq 100))/$(printf 'd%.0s' $(seq 100))"
mkdir -p "$deep"
cohortsim run "$cohort" -o "$deep/$(printf 'e%.0s' $(seq 100)).nc" -n 3 --quiet
expect_rc 0 "a path of over 300 characters"
ok "a path of over 300 characters: exit 0"
cohortsim_mpi 2 run "$cohort" -o "$deep/$(printf 'f%.0s' $(seq 100)).nc" -n 3 --quiet
expect_rc 0 "a path of over 300 characters (2 ranks)"
ok "a path of over 300 characters, 2 ranks: exit 0"

# --- merge -o: the same checks (it, too, renames its output into place).
cp "$tmp/$fits.nc" "$tmp/shard.nc"
cp "$tmp/shard.nc" "$tmp/shard_copy.nc"
cohortsim merge "$tmp/shard.nc" -o "$tmp/shard.nc"
expect_rc 4 "merge -o one of its inputs"
expect_stderr "is the input file '$tmp/shard.nc' itself" "merge -o one of its inputs"
cmp -s "$tmp/shard.nc" "$tmp/shard_copy.nc" || fail "merge -o one of its inputs: changed it"
ok "merge -o one of its inputs: exit 4, input unchanged"
for target in /dev/null "$tmp/fifo" "$tmp/link.nc"; do
  cohortsim merge "$tmp/shard.nc" -o "$target"
  expect_rc 4 "merge -o $target"
  expect_one_error "merge -o $target"
  ok "merge -o $target: exit 4: $(error_lines)"
done
[ -c /dev/null ] && [ -p "$tmp/fifo" ] && [ -L "$tmp/link.nc" ] || fail "merge -o: replaced a device, FIFO or link"

# --- The other commands that write a file (analyze -o, report -o, trajectory -o) take the
# same checks: never a device, FIFO or link, never one of their own inputs. An existing
# regular file that is not an input is theirs to replace (they derive it from the input).
cohortsim run "$cohort" -o "$tmp/derived.nc" -n 20 --quiet
expect_rc 0 "the run that analyze, report and trajectory read"
cp "$tmp/derived.nc" "$tmp/derived_copy.nc"
for command in analyze report; do
  for target in "$tmp/derived.nc" /dev/null "$tmp/fifo" "$tmp/link.nc"; do
    cohortsim "$command" "$tmp/derived.nc" -o "$target"
    expect_rc 4 "$command -o $target"
    expect_one_error "$command -o $target"
    ok "$command -o $target: exit 4: $(error_lines)"
  done
done
cmp -s "$tmp/derived.nc" "$tmp/derived_copy.nc" || fail "analyze/report -o the input changed the input"
cohortsim trajectory "$tmp/cohort.yaml" --patient 0 --arm treated -o "$tmp/cohort.yaml"
expect_rc 4 "trajectory -o its cohort file"
expect_stderr "is the input file" "trajectory -o its cohort file"
cmp -s "$cohort" "$tmp/cohort.yaml" || fail "trajectory -o its cohort file: the cohort file was changed"
for target in /dev/null "$tmp/fifo" "$tmp/link.nc"; do
  cohortsim trajectory "$tmp/cohort.yaml" --patient 0 --arm treated -o "$target"
  expect_rc 4 "trajectory -o $target"
  ok "trajectory -o $target: exit 4: $(error_lines)"
done
[ -c /dev/null ] && [ -p "$tmp/fifo" ] && [ -L "$tmp/link.nc" ] ||
  fail "analyze, report or trajectory -o replaced a device, FIFO or link"
