#!/usr/bin/env bash
# The plotting helper tools/cohortsim-plot: survival (PNG, PDF), burden (SVG) and
# trajectory figures from a real run, each a non-empty file of the right format; --help;
# clear errors and a non-zero exit for a missing input, a file that is not cohortsim
# output and an unknown output format. The helper runs with Debian's /usr/bin/python3 and
# the distribution's python3-matplotlib, python3-xarray and python3-netcdf4
# (tools/packages.txt): without them this test fails, it does not skip.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

plot="$src/tools/cohortsim-plot"
[ -f "$plot" ] || fail "no plotting helper at $plot"
[ -x "$plot" ] || fail "$plot is not executable"
[ "$(head -n 1 "$plot")" = "#!/usr/bin/python3" ] ||
  fail "$plot must start with #!/usr/bin/python3 (Debian's python, which sees the distribution's packages)"
[ -x /usr/bin/python3 ] || fail "/usr/bin/python3 is missing: install Debian's python3 (tools/packages.txt)"
for module in matplotlib:python3-matplotlib xarray:python3-xarray netCDF4:python3-netcdf4 numpy:python3-numpy; do
  if ! /usr/bin/python3 -c "import ${module%%:*}" 2>/dev/null; then
    fail "/usr/bin/python3 cannot import ${module%%:*}: install the Debian package ${module#*:} (listed in tools/packages.txt; tools/setup.sh installs it)"
  fi
done
ok "/usr/bin/python3 has matplotlib, xarray, netCDF4 and numpy"

# plot ARGS...: runs the helper (captured like cohortsim).
plot() { capture "$plot" "$@"; }

# expect_figure FILE FORMAT WHAT: FILE exists, is non-empty, has FORMAT's magic bytes, and
# no FILE.partial was left behind.
expect_figure() {
  local file=$1 format=$2 what=$3
  [ -f "$file" ] || fail "$what: $file was not created"
  [ -s "$file" ] || fail "$what: $file is empty"
  [ ! -e "$file.partial" ] || fail "$what: left $file.partial behind"
  case $format in
    png) [ "$(head -c 4 "$file" | od -An -tx1 | tr -d ' \n')" = "89504e47" ] ||
      fail "$what: $file does not start with the PNG signature (\\x89PNG)" ;;
    pdf) [ "$(head -c 4 "$file")" = "%PDF" ] || fail "$what: $file does not start with %PDF" ;;
    svg) grep -q "<svg" "$file" || fail "$what: $file contains no <svg element" ;;
    *) fail "expect_figure: unknown format $format" ;;
  esac
}
# expect_failure WHAT [TEXT]: the last command failed (not by timeout), printed a
# "cohortsim-plot: error:" line (containing TEXT, if given) and no traceback.
expect_failure() {
  local what=$1
  [ "$rc" -ne 124 ] || fail "$what: timed out after ${timeout_seconds}s"
  [ "$rc" -ne 0 ] || fail "$what: exit 0, want a failure"
  grep -q -E '^cohortsim-plot: error: ' "$tmp/stderr" || fail "$what: no 'cohortsim-plot: error:' line on stderr"
  if [ $# -ge 2 ]; then expect_stderr "$2" "$what"; fi
  if grep -q "Traceback" "$tmp/stderr"; then fail "$what: a Python traceback instead of a message"; fi
}

# --- --help of the helper and of every subcommand.
plot --help
expect_rc 0 "cohortsim-plot --help"
for command in survival burden trajectory; do
  expect_stdout "$command" "cohortsim-plot --help"
done
for command in survival burden trajectory; do
  plot "$command" --help
  expect_rc 0 "cohortsim-plot $command --help"
  expect_stdout "usage: cohortsim-plot $command" "cohortsim-plot $command --help"
done
plot survival --help
expect_stdout "--endpoint" "cohortsim-plot survival --help"
ok "--help of the helper and of survival, burden, trajectory: exit 0, usage"

# --- A real run.
out="$tmp/out.nc"
cohortsim run "$cohort" -o "$out" -n 30 --quiet
expect_rc 0 "run"
[ -f "$out" ] || fail "run: $out was not created"
ok "run: 30 patients of $(basename "$cohort") in $out"

# --- survival: PNG and PDF (OS), PNG of RFS.
plot survival "$out" -o "$tmp/survival.png"
expect_rc 0 "survival -o survival.png"
expect_figure "$tmp/survival.png" png "survival -o survival.png"
plot survival "$out" -o "$tmp/survival.pdf"
expect_rc 0 "survival -o survival.pdf"
expect_figure "$tmp/survival.pdf" pdf "survival -o survival.pdf"
plot survival "$out" -o "$tmp/rfs.png" --endpoint rfs
expect_rc 0 "survival --endpoint rfs"
expect_figure "$tmp/rfs.png" png "survival --endpoint rfs"
ok "survival: OS as PNG ($(wc -c <"$tmp/survival.png") bytes) and PDF, RFS as PNG"

# --- burden: SVG.
plot burden "$out" -o "$tmp/burden.svg"
expect_rc 0 "burden -o burden.svg"
expect_figure "$tmp/burden.svg" svg "burden -o burden.svg"
ok "burden: SVG ($(wc -c <"$tmp/burden.svg") bytes)"

# --- trajectory: a CSV in the format of `cohortsim trajectory` (time_days, the species,
# then the drugs with the suffix _ec50), written by hand; zero counts included.
traj="$tmp/traj.csv"
{
  echo "time_days,N,C_ec50"
  echo "0,60,0"
  echo "0.5,64,1.6"
  echo "1,55,1.1"
  echo "1.5,41,2.4"
  echo "2,30,1.7"
  echo "3,12,0.9"
  echo "4,3,0.45"
  echo "5,0,0.22"
  echo "6,0,0.11"
} >"$traj"
plot trajectory "$traj" -o "$tmp/traj.png"
expect_rc 0 "trajectory -o traj.png"
expect_figure "$tmp/traj.png" png "trajectory -o traj.png"
plot trajectory "$traj" -o "$tmp/traj.svg"
expect_rc 0 "trajectory -o traj.svg"
expect_figure "$tmp/traj.svg" svg "trajectory -o traj.svg"
ok "trajectory of a hand-written CSV: PNG and SVG"

# With a `cohortsim trajectory` command (docs: trajectory COHORT --patient I --arm NAME
# -o traj.csv), plot what it writes too.
if "$bin" trajectory --help >/dev/null 2>&1; then
  cohortsim trajectory "$cohort" --patient 0 --arm treated -o "$tmp/cli_traj.csv"
  expect_rc 0 "cohortsim trajectory"
  [ -s "$tmp/cli_traj.csv" ] || fail "cohortsim trajectory: $tmp/cli_traj.csv is missing or empty"
  head -n 1 "$tmp/cli_traj.csv" | grep -q '^time_days,' ||
    fail "cohortsim trajectory: the CSV header does not start with time_days: $(head -n 1 "$tmp/cli_traj.csv")"
  plot trajectory "$tmp/cli_traj.csv" -o "$tmp/cli_traj.pdf"
  expect_rc 0 "trajectory of the CSV of cohortsim trajectory"
  expect_figure "$tmp/cli_traj.pdf" pdf "trajectory of the CSV of cohortsim trajectory"
  ok "trajectory of the CSV that cohortsim trajectory writes: PDF"
else
  ok "cohortsim has no trajectory command yet: plotted the hand-written CSV only"
fi

# --- Errors: one message, a non-zero exit, no figure.
for command in survival burden; do
  plot "$command" "$tmp/missing.nc" -o "$tmp/missing.png"
  expect_failure "$command of a missing file" "$tmp/missing.nc"
  [ ! -e "$tmp/missing.png" ] || fail "$command of a missing file: wrote $tmp/missing.png"
done
plot trajectory "$tmp/missing.csv" -o "$tmp/missing.png"
expect_failure "trajectory of a missing file" "$tmp/missing.csv"
ok "a missing input: exit $rc, a message naming the path, no figure"

# A NetCDF file that is not a cohortsim output, and a file that is not NetCDF at all.
printf 'netcdf other { dimensions: x = 2 ; variables: double v(x) ; }\n' >"$tmp/other.cdl"
ncgen -4 -o "$tmp/other.nc" "$tmp/other.cdl"
for command in survival burden; do
  plot "$command" "$tmp/other.nc" -o "$tmp/other.png"
  expect_failure "$command of a foreign NetCDF file" "missing variable"
  plot "$command" "$cohort" -o "$tmp/other.png"
  expect_failure "$command of a YAML file" "$cohort"
done
[ ! -e "$tmp/other.png" ] || fail "a foreign input: wrote $tmp/other.png"
plot trajectory "$out" -o "$tmp/other.png"
expect_failure "trajectory of a NetCDF file" "$out"
ok "not cohortsim output (foreign NetCDF, YAML, NetCDF as CSV): exit $rc with a message"

# An output format other than png/svg/pdf.
for name in figure.jpg figure; do
  plot survival "$out" -o "$tmp/$name"
  expect_failure "survival -o $name" "$name"
  [ ! -e "$tmp/$name" ] || fail "survival -o $name: wrote $tmp/$name"
done
plot survival "$out" -o "$tmp/no_such_dir/figure.png"
expect_failure "survival -o into a missing directory" "$tmp/no_such_dir/figure.png"
ok "unknown output format (.jpg, no extension) and unwritable output: exit $rc with a message"
