#!/usr/bin/env bash
# A successful run: OUT.nc appears (no .partial), `summary` reads it, and the file keeps
# the output contract of docs/user-guide.md: dimensions, variables with units and
# long_name, global attributes with the right values.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# The cohort file text holds characters that CDL escapes (quotes, a backslash, a tab), so
# the cohort_yaml comparison below checks the text is stored exactly.
cohort_file="$tmp/two arms.yaml"
{
  printf '# e2e copy: it'"'"'s "quoted", with a back\\slash and a\ttab.\n'
  cat "$cohort"
} >"$cohort_file"

out="$tmp/OUT.nc"
patients=30
seed=11
ranks=2
cohortsim_mpi "$ranks" run "$cohort_file" -o "$out" -n "$patients" -s "$seed" \
  --set parameters.d=0.65 --set followup_days=16 --quiet
expect_rc 0 "run"
[ -f "$out" ] || fail "run: $out was not created"
[ ! -e "$out.partial" ] || fail "run: left $out.partial behind"
ok "run ($ranks ranks): exit 0, OUT.nc created, no OUT.nc.partial"

# --- summary
cohortsim summary "$out"
expect_rc 0 "summary"
for arm in untreated treated; do
  grep -q -E "^${arm}[[:space:]]" "$tmp/stdout" || fail "summary: no row for arm '$arm'"
done
expect_stdout "$patients patients" "summary"
ok "summary: exit 0, a row for every arm (untreated, treated), $patients patients"

cohortsim summary "$tmp/missing.nc"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "summary of a missing file: exit $rc, want a failure"
expect_one_error "summary of a missing file"
expect_stderr "$tmp/missing.nc" "summary of a missing file"
ok "summary of a missing file: exit $rc, names the path"
cohortsim summary "$cohort"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "summary of a YAML file: exit $rc, want a failure"
expect_one_error "summary of a non-NetCDF file"
expect_stderr "$cohort" "summary of a non-NetCDF file"
[ ! -s "$tmp/stdout" ] || fail "summary of a non-NetCDF file: printed a table"
ok "summary of a non-NetCDF file: exit $rc, names the path"
# A NetCDF file that is not a cohortsim output (no arm dimension).
printf 'netcdf other { dimensions: x = 2 ; variables: double v(x) ; }\n' >"$tmp/other.cdl"
ncgen -4 -o "$tmp/other.nc" "$tmp/other.cdl"
cohortsim summary "$tmp/other.nc"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "summary of a foreign NetCDF file: exit $rc, want a failure"
expect_one_error "summary of a foreign NetCDF file"
ok "summary of a NetCDF file that is not cohortsim output: exit $rc with a message"

# --- The header.
ncdump -h "$out" >"$tmp/header.cdl" || fail "ncdump -h cannot read $out"
# Dimension sizes: 2 arms; follow-up 16 every 2 days = 0, 2, ..., 16; 3 reactions; 1 species.
for dim in "patient = $patients" "arm = 2" "arm_other = 2" "time = 9" "reaction = 3" "species = 1"; do
  grep -q -E "^[[:space:]]+${dim} ;$" "$tmp/header.cdl" || fail "header: no dimension '$dim'"
done
ok "dimensions patient=$patients arm=2 arm_other=2 time=9 reaction=3 species=1"

# Every variable of the user guide, with its dimensions.
variables=(
  "time(time)" "arm_name(arm)" "arm_other_name(arm_other)" "reaction_name(reaction)"
  "species_name(species)"
  "param_b(patient)" "param_d(patient)" "param_kd(patient)" "param_amount(patient)"
  "param_n0(patient)"
  "os_time(arm, patient)" "os_event(arm, patient)" "rfs_time(arm, patient)"
  "rfs_event(arm, patient)" "cleared(arm, patient)" "clearance_time(arm, patient)"
  "mrd_negative_time(arm, patient)" "relapse_time(arm, patient)"
  "final_burden(arm, patient)" "events(arm, patient)"
  "reaction_count(arm, patient, reaction)" "species_peak(arm, patient, species)"
  "burden(arm, patient, time)"
  "os_survival(arm, time)" "os_lower(arm, time)" "os_upper(arm, time)" "os_at_risk(arm, time)"
  "rfs_survival(arm, time)" "rfs_lower(arm, time)" "rfs_upper(arm, time)"
  "rfs_at_risk(arm, time)"
  "clearance_fraction(arm)" "clearance_lower(arm)" "clearance_upper(arm)"
  "median_os(arm)" "median_os_lower(arm)" "median_os_upper(arm)"
  "logrank_p(arm, arm_other)"
  "unrecorded_name(unrecorded)" "unrecorded_value(arm, patient, time, unrecorded)"
  "species_mean(arm, time, species)" "species_sd(arm, time, species)"
  "species_quantiles(arm, time, species, quantile)"
)
for var in "${variables[@]}"; do
  grep -q -E "^[[:space:]]+[a-z0-9]+ ${var//[()]/\\&} ;$" "$tmp/header.cdl" ||
    fail "header: no variable $var"
done
ok "all ${#variables[@]} variables of the user guide, with their dimensions"

# Every variable in the file (not only those listed) has non-empty units and long_name.
mapfile -t declared < <(sed -n -E 's/^[[:space:]]+[a-z0-9]+ ([A-Za-z0-9_]+)\(.*\) ;$/\1/p' "$tmp/header.cdl")
[ "${#declared[@]}" -ge "${#variables[@]}" ] || fail "header: only ${#declared[@]} variables found"
for var in "${declared[@]}"; do
  for att in units long_name; do
    grep -q -E "^[[:space:]]+${var}:${att} = \".+\" ;$" "$tmp/header.cdl" ||
      fail "header: variable $var has no (non-empty) $att"
  done
done
ok "every one of the ${#declared[@]} variables has units and long_name"

# --- Global attributes.
# global NAME: the value of global attribute NAME as ncdump prints it (strings quoted).
global() {
  sed -n -E "s/^[[:space:]]+:$1 = (.*) ;$/\1/p" "$tmp/header.cdl"
}
for att in Conventions title cohort_yaml overrides seed n_patients software_version \
  git_revision created mpi_ranks hostname; do
  [ -n "$(global "$att")" ] || fail "header: no global attribute $att"
done
ok "global attributes Conventions title cohort_yaml overrides seed n_patients software_version git_revision created mpi_ranks hostname"

[[ "$(global Conventions)" =~ ^\"CF-[0-9.]+\"$ ]] || fail "Conventions is $(global Conventions), want CF-x.y"
ok "Conventions = $(global Conventions)"
# Numbers: ncdump may add a type suffix (ULL, L, ...).
number() { global "$1" | sed -E 's/[A-Za-z]+$//'; }
[ "$(number seed)" = "$seed" ] || fail "seed attribute is $(global seed), want $seed"
[ "$(number n_patients)" = "$patients" ] || fail "n_patients attribute is $(global n_patients), want $patients"
[ "$(number mpi_ranks)" = "$ranks" ] || fail "mpi_ranks attribute is $(global mpi_ranks), want $ranks"
ok "seed = $seed, n_patients = $patients, mpi_ranks = $ranks"

overrides=$(global overrides)
for set in parameters.d=0.65 followup_days=16; do
  [[ "$overrides" == *"$set"* ]] || fail "overrides attribute $overrides lacks $set"
done
ok "overrides = $overrides"

# software_version and git_revision are what --version prints.
version_line=$("$bin" --version)
[[ "$version_line" =~ ^cohortsim\ ([^ ]+)\ \(git\ ([^\)]+)\)$ ]] || fail "--version printed '$version_line'"
[ "$(global software_version)" = "\"${BASH_REMATCH[1]}\"" ] ||
  fail "software_version is $(global software_version), --version says ${BASH_REMATCH[1]}"
[ "$(global git_revision)" = "\"${BASH_REMATCH[2]}\"" ] ||
  fail "git_revision is $(global git_revision), --version says ${BASH_REMATCH[2]}"
ok "software_version $(global software_version) and git_revision $(global git_revision) match --version"

[[ "$(global created)" =~ ^\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z?\"$ ]] ||
  fail "created is $(global created), want an ISO 8601 time"
ok "created = $(global created)"
[ "$(global hostname)" = "\"$(hostname)\"" ] || fail "hostname is $(global hostname), want \"$(hostname)\""
ok "hostname = $(global hostname)"

# cohort_yaml is the cohort file's full text. ncdump prints it as one CDL string; the
# file, escaped the way ncdump escapes strings, must give exactly the same string.
cdl_escape() {
  awk 'BEGIN { ORS = "" }
    {
      gsub(/\\/, "&&"); gsub(/"/, "\\\""); gsub(/\047/, "\\\047"); gsub(/\t/, "\\t")
      gsub(/\r/, "\\r"); print $0 "\\n"
    }' "$1"
}
expected="\"$(cdl_escape "$cohort_file")\""
actual=$(global cohort_yaml)
if [ "$actual" != "$expected" ]; then
  diff <(echo "${expected//\\n/$'\n'}") <(echo "${actual//\\n/$'\n'}") | head -10 >&2 || true
  fail "cohort_yaml differs from the text of the cohort file"
fi
ok "cohort_yaml is the cohort file's text, byte for byte ($(wc -c <"$cohort_file") bytes)"

# --- Coordinates: the arm, reaction and species names in file order, the time grid.
data_of() { values "$out" "$1" | paste -s -d, | sed 's/,/, /g'; }
[ "$(data_of arm_name)" = '"untreated", "treated"' ] || fail "arm_name is $(data_of arm_name)"
[ "$(data_of reaction_name)" = '"birth", "death", "drug_death"' ] ||
  fail "reaction_name is $(data_of reaction_name)"
[ "$(data_of species_name)" = '"N"' ] || fail "species_name is $(data_of species_name)"
[ "$(data_of time)" = '0, 2, 4, 6, 8, 10, 12, 14, 16' ] || fail "time is $(data_of time)"
ok "coordinates: arm_name, reaction_name, species_name in file order; time = 0, 2, ..., 16"
# The override is in the data: every patient has d = 0.65.
d_values=$(data_of param_d | tr ',' '\n' | tr -d ' ' | sort -u)
[ "$d_values" = "0.65000000000000002" ] || fail "param_d is not 0.65 for every patient: $(data_of param_d)"
ok "param_d = 0.65 for every patient (the --set is applied)"
