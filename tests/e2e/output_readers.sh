#!/usr/bin/env bash
# The output file opens the way users open it (docs/user-guide.md, "Reading it"):
# xarray.open_dataset with its defaults (Debian's python3-xarray decodes "days" as
# timedelta64), R's ncdf4, `ncdump -t` without a complaint, and every units attribute is
# one UDUNITS-2 understands (CF 1.8, section 3.1). The plotting helper reads what xarray
# decodes (days, not nanoseconds) and still reads files of older versions, whose time
# units were "days since enrolment". Debian's python3-xarray, python3-netcdf4,
# r-cran-ncdf4 and udunits-bin (tools/packages.txt): without them this test fails, it
# does not skip.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

python=/usr/bin/python3
"$python" -c "import xarray, netCDF4, numpy" 2>/dev/null ||
  fail "$python cannot import xarray and netCDF4: install python3-xarray python3-netcdf4 (tools/packages.txt)"
command -v Rscript >/dev/null && Rscript -e 'library(ncdf4)' >/dev/null 2>&1 ||
  fail "R's ncdf4 is missing: install the Debian package r-cran-ncdf4 (tools/packages.txt)"
command -v udunits2 >/dev/null || fail "udunits2 is missing: install udunits-bin (tools/packages.txt)"

out="$tmp/out.nc"
cohortsim run "$cohort" -o "$out" -n 10 --quiet
expect_rc 0 "run"

# --- Every units attribute parses with UDUNITS-2 (a bare count is "1", CF 1.8 3.1).
ncdump -h "$out" | sed -n -E 's/^[[:space:]]+([A-Za-z0-9_]+):units = "(.*)" ;$/\1 \2/p' >"$tmp/units"
[ -s "$tmp/units" ] || fail "ncdump -h shows no units attribute"
while read -r variable units; do
  udunits2 -H "$units" -W "" </dev/null >/dev/null 2>"$tmp/udunits.err" ||
    fail "variable $variable: units \"$units\" is not a UDUNITS-2 unit: $(head -n 1 "$tmp/udunits.err")"
done <"$tmp/units"
ok "$(wc -l <"$tmp/units") units attributes, each a UDUNITS-2 unit"

# --- ncdump -t (times as dates where the units name an epoch) prints no error.
capture ncdump -t -v time "$out"
expect_rc 0 "ncdump -t"
[ ! -s "$tmp/stderr" ] || fail "ncdump -t complains: $(head -n 1 "$tmp/stderr")"
ok "ncdump -t: exit 0, nothing on stderr"

# --- xarray with its defaults: times decode as durations equal to the stored days.
grid=$(values "$out" time | paste -sd ' ')
os=$(values "$out" os_time | paste -sd ' ')
capture "$python" - "$out" "$grid" "$os" <<'EOF'
import sys
import numpy as np
import xarray as xr
path, grid, os_time = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
ds = xr.open_dataset(path)
days = ds["time"].values / np.timedelta64(1, "D")
assert np.allclose(days, np.array(grid, dtype=float), rtol=0, atol=1e-9), (days, grid)
os_days = ds["os_time"].values / np.timedelta64(1, "D")
assert np.allclose(os_days.ravel(), np.array(os_time, dtype=float), rtol=1e-12, atol=1e-9)
assert list(ds["arm_name"].values) == ["untreated", "treated"], ds["arm_name"].values
print(ds["os_survival"].sel(time=np.timedelta64(0, "D")).values)
EOF
expect_rc 0 "xarray.open_dataset(path) with defaults"
ok "xarray.open_dataset with defaults: time and os_time are durations equal to the stored days"

# --- R's ncdf4: every variable reads; time is in days.
capture Rscript -e 'library(ncdf4)
nc <- nc_open(commandArgs(TRUE)[1])
stopifnot(ncatt_get(nc, "time", "units")$value == "days")
for (v in names(nc$var)) invisible(ncvar_get(nc, v))
stopifnot(identical(as.vector(ncvar_get(nc, "arm_name")), c("untreated", "treated")))
nc_close(nc)' "$out"
expect_rc 0 "R ncdf4: open, read every variable"
ok "R ncdf4: every variable reads, time in days"

# --- The plotting helper's time axis is in days, for this file and for an old one.
old="$tmp/old.nc"
cp "$out" "$old"
"$python" -c 'import sys, netCDF4
with netCDF4.Dataset(sys.argv[1], "a") as nc:
    nc["time"].units = "days since enrolment"' "$old"
for file in "$out" "$old"; do
  capture "$python" - "$src/tools/cohortsim-plot" "$file" "$grid" <<'EOF'
import importlib.machinery, importlib.util, sys
import numpy as np
loader = importlib.machinery.SourceFileLoader("cohortsim_plot", sys.argv[1])
plot = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
loader.exec_module(plot)
ds = plot.open_output(sys.argv[2])
days = plot.in_days(np, ds["time"])
assert np.allclose(days, np.array(sys.argv[3].split(), dtype=float), rtol=0, atol=1e-9), days
EOF
  expect_rc 0 "cohortsim-plot's time axis of $(basename "$file")"
  capture "$src/tools/cohortsim-plot" survival "$file" -o "$tmp/survival.png"
  expect_rc 0 "cohortsim-plot survival $(basename "$file")"
done
ok "cohortsim-plot: time in days, with xarray's decoding and with old units"
