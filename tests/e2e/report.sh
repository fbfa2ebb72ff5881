#!/usr/bin/env bash
# `cohortsim report OUT.nc [-o report.html] [--by COVARIATE]` in a real headless browser
# (Debian's chromium, tools/packages.txt). The method: one chromium run takes a
# screenshot and dumps the DOM after the load event with console logging on stderr. The
# page marks its root element with data-figures-rendered="K/N" once loaded (every <svg>
# and <img> with a size, images also decoded), so the test reads one attribute and injects
# nothing; every console message (a script error, an SVG attribute chromium cannot parse)
# is a failure. The screenshot must be a PNG that is not blank. Also: the page is
# self-contained (no src=, no link out of the page), every figure is well-formed XML, text
# from the cohort is escaped, OUT.nc gives OUT.html by default, and bad input is refused
# with one clear line: a partial file (exit 4), an unknown --by (exit 2), an unwritable
# -o (exit 4), a failure leaving an existing page as it was. A sweep gets its heat maps.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

python=/usr/bin/python3
browser=$(command -v chromium || true)
[ -n "$browser" ] || fail "no chromium: install the Debian package chromium (tools/packages.txt)"
"$python" -c "import netCDF4" 2>/dev/null ||
  fail "$python cannot import netCDF4: install the Debian package python3-netcdf4 (tools/packages.txt)"

out="$tmp/out.nc"
# A description with markup: the page must show it as text, never run it.
cohortsim run "$src/tests/data/variability.yaml" -o "$out" -n 200 -s 5 --quiet \
  --set 'description=<script>alert(1)</script> & "quoted"'
expect_rc 0 "run"

cohortsim report "$out" --by kd -o "$tmp/report.html"
expect_rc 0 "report --by kd"
page="$tmp/report.html"
[ ! -e "$page.partial" ] || fail "the temporary page was left behind"
for section in provenance arms survival burden species forest sensitivity subgroups sweep; do
  grep -q "<section id=\"$section\">" "$page" || fail "the page has no section $section"
  grep -q "href=\"#$section\"" "$page" || fail "the contents do not link to $section"
done
grep -q -F '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;' "$page" ||
  fail "the cohort's description is not escaped"
[ "$(grep -o '<script>' "$page" | wc -l)" -eq 1 ] || fail "the page has a script besides its own"
! grep -q -E '(src|href)="[^#]' "$page" || fail "the page refers to another file or address"
! grep -q -E 'url\([^#]' "$page" || fail "the page's style refers to another file or address"
ok "report: every section in the contents, text escaped, self-contained"

# Every inline figure is well-formed XML, so it also works as a stand-alone .svg.
"$python" - "$page" <<'PY' || fail "a figure is not well-formed XML"
import re, sys
import xml.etree.ElementTree as ET
figures = re.findall(r"<svg .*?</svg>", open(sys.argv[1]).read(), re.S)
assert len(figures) >= 10, len(figures)
for figure in figures:
    ET.fromstring(figure)
print(f"ok: {len(figures)} figures are well-formed XML")
PY

shot="$tmp/report.png"
timeout 120 "$browser" --headless --disable-gpu --no-sandbox --hide-scrollbars \
  --enable-logging=stderr --v=0 --window-size=1200,2400 --screenshot="$shot" --dump-dom \
  "file://$page" >"$tmp/dom.html" 2>"$tmp/browser.log" ||
  fail "chromium failed: $(tail -n 3 "$tmp/browser.log")"
figures=$(grep -c '<svg ' "$page")
grep -q "data-figures-rendered=\"$figures/$figures\"" "$tmp/dom.html" ||
  fail "not every figure rendered: $(grep -o 'data-figures-rendered="[^"]*"' "$tmp/dom.html" || echo no mark), want $figures/$figures"
if grep -q 'CONSOLE' "$tmp/browser.log"; then
  fail "console messages: $(grep 'CONSOLE' "$tmp/browser.log" | head -n 3)"
fi
"$python" - "$shot" <<'PY' || fail "the screenshot is missing, not a PNG or blank"
import sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pixels, i = b"", 8
while i < len(data):
    length = int.from_bytes(data[i:i + 4], "big")
    if data[i + 4:i + 8] == b"IDAT":
        pixels += data[i + 8:i + 8 + length]
    i += 12 + length
values = zlib.decompress(pixels)
# A blank page is one colour: its bytes take a handful of values. Text and curves in
# several colours take many, and leave far from every byte white.
assert len(set(values)) > 64, f"{len(set(values))} distinct byte values"
assert values.count(255) < 0.97 * len(values), "almost all white"
PY
ok "chromium: $figures/$figures figures rendered, no console message, a non-blank screenshot"

# A sweep (tests/data/sweep.yaml: the treated arm's amount x dosing interval, 2 x 3) gets
# heat maps of clearance and median OS, one cell per generated arm; the file's own arms
# (untreated, treated) are left out.
cohortsim run "$src/tests/data/sweep.yaml" -o "$tmp/sweep.nc" -n 40 -s 2 --quiet
expect_rc 0 "run of the sweep"
cohortsim report "$tmp/sweep.nc" -o "$tmp/sweep.html"
expect_rc 0 "report of the sweep"
cells=$(grep -c -E '<title>treated_[a-z0-9_]+: [0-9.]+% cleared \(95% CI [0-9.]+-[0-9.]+\)</title>' \
  "$tmp/sweep.html" || true)
[ "$cells" -eq 6 ] || fail "the clearance heat map has $cells cells, want 6 (2 amounts x 3 intervals)"
cells=$(grep -c -E '<title>treated_[a-z0-9_]+: median OS [^<]* days</title>' "$tmp/sweep.html" || true)
[ "$cells" -eq 6 ] || fail "the median OS heat map has $cells cells, want 6"
grep -q -F 'doses.C.amount' "$tmp/sweep.html" || fail "the heat map's axis is not labelled with its key"
! grep -q -F 'not generated by a sweep' "$tmp/sweep.html" || fail "the sweep is taken for no sweep"
grep -q -F 'not generated by a sweep' "$page" || fail "a run without a sweep has no note saying so"
ok "sweep: heat maps of clearance and median OS, 6 cells over amount x interval; a run without a sweep gets a note"

cp "$out" "$tmp/default.nc"
cohortsim report "$tmp/default.nc"
expect_rc 0 "report without -o"
[ -s "$tmp/default.html" ] || fail "report OUT.nc did not write OUT.html"
ok "report OUT.nc writes OUT.html"

# expect_refusal RC TEXT WHAT: the last command exited RC with one error line naming TEXT.
expect_refusal() {
  expect_rc "$1" "$3"
  expect_one_error "$3"
  expect_stderr "$2" "$3"
  ok "$3: exit $1, $(error_lines | cut -c1-140)"
}

cp "$page" "$tmp/before.html"
cohortsim report "$out" --by nosuch -o "$page"
expect_refusal 2 "no covariate 'nosuch'" "report --by nosuch"
cmp -s "$page" "$tmp/before.html" || fail "a refused report changed the existing page"
[ ! -e "$page.partial" ] || fail "a refused report left its temporary page"

cohortsim report "$out" -o "$tmp/no/such/dir/report.html"
expect_refusal 4 "cannot create" "report -o into a missing directory"

# A run stopped half way: chunks not done, never finalized.
cp "$out" "$tmp/stopped.nc.partial"
"$python" - "$tmp/stopped.nc.partial" <<'PY'
import sys
import netCDF4
with netCDF4.Dataset(sys.argv[1], "r+") as ds:
    ds["chunk_done"][1:] = 0
    ds.delncattr("ended")
PY
cohortsim report "$tmp/stopped.nc.partial" -o "$tmp/stopped.html"
expect_refusal 4 "incomplete: 1 of" "report of an interrupted run's OUT.nc.partial"
[ ! -e "$tmp/stopped.html" ] || fail "a report of a partial file was written"
