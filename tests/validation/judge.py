#!/usr/bin/python3
"""Judge a cohortsim output file against one case of the SBML stochastic test suite.

Usage: judge.py OUT.nc RESULTS.csv SETTINGS.txt [--map VAR=NAME]... [--arm I]
                [--allowed K] [--skip VAR-mean|VAR-sd]... [--table]

OUT.nc is a `cohortsim run` output; RESULTS.csv and SETTINGS.txt are the case's
NNNNN-results.csv and NNNNN-settings.txt (tests/validation/suite/NNNNN/). Each variable the
settings' `output` line tests is read from the file: by default the species or the
observable of the same name (`species_mean`/`species_sd` over `species_name`, else
`observable_mean`/`observable_sd` over `observable_name`, docs/user-guide.md); `--map
VAR=NAME` reads the suite's VAR from the file's NAME instead, `--map VAR=species:NAME` or
`--map VAR=observable:NAME` names the kind. The arm is `--arm` (default 0); n is the
length of the file's `patient` dimension.

The criteria are the suite's own (SUITE-README.md, "Getting started", from the DSMTS
user guide of Evans, Gillespie and Wilkinson 2008), at every time point t of the results
file, with the exact mean mu_t and standard deviation sigma_t:

  mean test  Z_t = sqrt(n) (Xbar_t - mu_t) / sigma_t        within `meanRange`
  sd test    Y_t = sqrt(n/2) (S_t^2 / sigma_t^2 - 1)        within `sdRange`

(the range's ends count as inside). A point where sigma_t = 0 (time 0, a species that
never changes) has no statistic: it passes only if the file's value equals the exact one
(Xbar_t = mu_t for the mean test, S_t = 0 for the sd test). The suite's guide calls 0-1
failing points per test "great" and 2-3 points "to be checked"; a test fails with more
than --allowed (default 3) failing points, and a verdict of 2 or more failures says
CHECK. A test the settings do not ask for (e.g. `X-sd` present in the results but not in
`output`) is not made; `--skip VAR-sd` (or VAR-mean) leaves out one they ask for, for a
case where the suite's range does not hold for a correct simulator (its line then says
SKIP with the figures, and does not count).

Output: one line per variable and test (PASS, CHECK or FAIL with the count of failing
points, the largest |statistic| and its time); with --table, a table per variable of
t, mu, Xbar, Z, sigma, S, Y. Exit status: 0 if every test passes, 1 if one fails, 2 for
bad input (a missing variable, shapes or times that do not match), with one line on
stderr saying what.
"""
import argparse
import csv
import math
import re
import sys

DEFAULT_ALLOWED = 3
TIME_TOLERANCE = 1e-9


class InputError(Exception):
    """Bad input: reported as one line, exit status 2."""


def read_settings(path):
    """The settings file as a dict of stripped strings, plus the parsed ranges and outputs."""
    settings = {}
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                if ":" not in line:
                    raise InputError(f"{path}:{number}: expected 'key: value', got {line.strip()!r}")
                key, value = line.split(":", 1)
                settings[key.strip()] = value.strip()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    for key in ("output", "meanRange"):
        if key not in settings:
            raise InputError(f"{path}: no '{key}' line")
    settings["mean_range"] = parse_range(path, "meanRange", settings["meanRange"])
    settings["sd_range"] = (parse_range(path, "sdRange", settings["sdRange"])
                            if settings.get("sdRange") else None)
    tests = []  # (variable, "mean" | "sd") in the order of `output`
    for item in (s.strip() for s in settings["output"].split(",")):
        m = re.fullmatch(r"(.+)-(mean|sd)", item)
        if not m:
            raise InputError(f"{path}: output: cannot read {item!r}, expected VAR-mean or VAR-sd")
        if m.group(1).startswith("ln("):
            raise InputError(f"{path}: output: {item}: moments of ln(X) are not judged "
                             "(the output file holds the moments of X)")
        if m.group(2) == "sd" and settings["sd_range"] is None:
            raise InputError(f"{path}: output: {item} is tested but there is no sdRange")
        tests.append((m.group(1), m.group(2)))
    settings["tests"] = tests
    return settings


def parse_range(path, key, text):
    m = re.fullmatch(r"\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\)", text)
    if not m:
        raise InputError(f"{path}: {key}: cannot read {text!r}, expected (LO, HI)")
    lo, hi = float(m.group(1)), float(m.group(2))
    if not lo < hi:
        raise InputError(f"{path}: {key}: {text}: expected LO < HI")
    return lo, hi


def read_results(path):
    """The results file as {column: [float, ...]}, with the column 'time'."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    if not rows or not rows[0] or rows[0][0].strip() != "time":
        raise InputError(f"{path}: the first line must be a header starting with 'time'")
    header = [h.strip() for h in rows[0]]
    columns = {h: [] for h in header}
    for number, row in enumerate(rows[1:], 2):
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(f"{path}:{number}: {len(row)} fields, the header has {len(header)}")
        for h, value in zip(header, row):
            try:
                columns[h].append(float(value))
            except ValueError as e:
                raise InputError(f"{path}:{number}: {h}: not a number: {value!r}") from e
    if not columns["time"]:
        raise InputError(f"{path}: no data rows")
    return columns


def parse_maps(items):
    """--map VAR=[KIND:]NAME items as {VAR: (KIND or None, NAME)}."""
    maps = {}
    for item in items:
        m = re.fullmatch(r"([^=]+)=(?:(species|observable):)?([A-Za-z_][A-Za-z0-9_]*)", item)
        if not m:
            raise InputError(f"--map {item}: expected VAR=NAME, VAR=species:NAME or "
                             "VAR=observable:NAME")
        maps[m.group(1)] = (m.group(2), m.group(3))
    return maps


def names_of(ds, coordinate):
    if coordinate not in ds.variables:
        return []
    return [str(s) for s in ds.variables[coordinate][:]]


def moments(ds, path, arm, kind, name):
    """(times, means, sds) of species or observable NAME in arm ARM of the open file DS."""
    prefix = "species" if kind == "species" else "observable"
    names = names_of(ds, f"{prefix}_name")
    index = names.index(name)
    values = {}
    for stat in ("mean", "sd"):
        var = f"{prefix}_{stat}"
        if var not in ds.variables:
            raise InputError(f"{path}: no variable {var} (made by a cohortsim with "
                             "species and observable statistics)")
        v = ds.variables[var]
        want = ("arm", "time", prefix)
        if v.dimensions != want:
            raise InputError(f"{path}: {var} has dimensions {v.dimensions}, expected {want}")
        if not 0 <= arm < v.shape[0]:
            raise InputError(f"{path}: --arm {arm}: the file has {v.shape[0]} arm(s)")
        values[stat] = [float(x) for x in v[arm, :, index]]
    times = [float(x) for x in ds.variables["time"][:]]
    return times, values["mean"], values["sd"]


def locate(ds, path, variable, maps):
    """The (kind, name) in the file of the suite's VARIABLE."""
    kind, name = maps.get(variable, (None, variable))
    species = names_of(ds, "species_name")
    observables = names_of(ds, "observable_name")
    if kind in (None, "species") and name in species:
        return "species", name
    if kind in (None, "observable") and name in observables:
        return "observable", name
    what = {None: "species or observable", "species": "species",
            "observable": "observable"}[kind]
    raise InputError(f"{path}: the suite's variable {variable} needs {what} '{name}', which "
                     f"the file does not have (species: {', '.join(species) or 'none'}; "
                     f"observables: {', '.join(observables) or 'none'}); "
                     "use --map VAR=NAME")


def statistic(test, n, mu, sigma, xbar, s):
    """Z (mean) or Y (sd) at one point, or None where sigma is 0."""
    if sigma == 0:
        return None
    if test == "mean":
        return math.sqrt(n) * (xbar - mu) / sigma
    return math.sqrt(n / 2) * (s * s / (sigma * sigma) - 1)


def judge_point(test, value, sigma, mu, xbar, s, bounds):
    """Whether one point passes: the statistic within bounds, or exact where sigma is 0."""
    if value is None:
        return xbar == mu if test == "mean" else s == 0
    if math.isnan(value):
        return False
    return bounds[0] <= value <= bounds[1]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output")
    parser.add_argument("results")
    parser.add_argument("settings")
    parser.add_argument("--map", action="append", default=[], metavar="VAR=NAME")
    parser.add_argument("--arm", type=int, default=0)
    parser.add_argument("--allowed", type=int, default=DEFAULT_ALLOWED,
                        help="failing points a test may have (default %(default)s)")
    parser.add_argument("--skip", action="append", default=[], metavar="VAR-TEST",
                        help="a test of the settings not to count, e.g. X-sd")
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args(argv)
    try:
        return judge(args)
    except InputError as e:
        print(f"judge.py: error: {e}", file=sys.stderr)
        return 2


def judge(args):
    import netCDF4  # imported here so a bad command line is reported without it

    settings = read_settings(args.settings)
    results = read_results(args.results)
    maps = parse_maps(args.map)
    for var, test in settings["tests"]:
        for column in (f"{var}-mean", f"{var}-sd"):
            if column not in results:
                raise InputError(f"{args.results}: no column {column} (needed by the "
                                 f"{test} test of {var} in {args.settings})")
    unknown = set(maps) - {var for var, _ in settings["tests"]}
    if unknown:
        raise InputError(f"--map {sorted(unknown)[0]}: not a variable the settings test "
                         f"({', '.join(sorted({v for v, _ in settings['tests']}))})")
    for item in args.skip:
        if tuple(item.rsplit("-", 1)) not in settings["tests"]:
            raise InputError(f"--skip {item}: not a test of {args.settings} (its output: "
                             f"{settings['output']})")
    try:
        ds = netCDF4.Dataset(args.output)
    except OSError as e:
        raise InputError(f"{args.output}: cannot open as NetCDF: {e}") from e
    with ds:
        if "patient" not in ds.dimensions:
            raise InputError(f"{args.output}: no patient dimension")
        n = len(ds.dimensions["patient"])
        if n < 2:
            raise InputError(f"{args.output}: {n} patient(s), the sd needs at least 2")
        data = {}
        for var in dict.fromkeys(v for v, _ in settings["tests"]):
            kind, name = locate(ds, args.output, var, maps)
            times, means, sds = moments(ds, args.output, args.arm, kind, name)
            want = results["time"]
            if len(times) != len(want) or any(abs(a - b) > TIME_TOLERANCE * max(1, abs(b))
                                               for a, b in zip(times, want)):
                raise InputError(
                    f"{args.output}: the time grid ({len(times)} points, {times[0]:g} to "
                    f"{times[-1]:g}) is not the results' ({len(want)} points, {want[0]:g} to "
                    f"{want[-1]:g}): run with the case's duration and steps")
            data[var] = (kind, name, means, sds)

    failed = False
    for var, test in settings["tests"]:
        kind, name, means, sds = data[var]
        mu, sigma = results[f"{var}-mean"], results[f"{var}-sd"]
        bounds = settings["mean_range"] if test == "mean" else settings["sd_range"]
        bad, worst = [], (0.0, None)
        for i, t in enumerate(results["time"]):
            value = statistic(test, n, mu[i], sigma[i], means[i], sds[i])
            if not judge_point(test, value, sigma[i], mu[i], means[i], sds[i], bounds):
                bad.append(t)
            if value is not None and not abs(value) <= abs(worst[0]):
                worst = (value, t)
        verdict = ("SKIP" if f"{var}-{test}" in args.skip else
                   "FAIL" if len(bad) > args.allowed else "CHECK" if len(bad) >= 2 else "PASS")
        failed |= verdict == "FAIL"
        letter = "Z" if test == "mean" else "Y"
        where = f" at t={worst[1]:g}" if worst[1] is not None else ""
        listed = "" if not bad else " (t = " + ", ".join(f"{t:g}" for t in bad[:10]) + (
            ", ..." if len(bad) > 10 else "") + ")"
        print(f"{verdict} {var} {test}: {len(bad)} of {len(results['time'])} points outside "
              f"{bounds} (allowed {args.allowed}){listed}; max |{letter}| "
              f"{abs(worst[0]):.3g}{where}; {kind} {name}, n = {n}")
    if args.table:
        for var in data:
            kind, name, means, sds = data[var]
            mu, sigma = results[f"{var}-mean"], results[f"{var}-sd"]
            print(f"\n{var} ({kind} {name}):")
            print(f"{'t':>8} {'mu':>12} {'Xbar':>12} {'Z':>8} {'sigma':>12} {'S':>12} {'Y':>8}")
            for i, t in enumerate(results["time"]):
                z = statistic("mean", n, mu[i], sigma[i], means[i], sds[i])
                y = statistic("sd", n, mu[i], sigma[i], means[i], sds[i])
                fz = "-" if z is None else f"{z:.3f}"
                fy = "-" if y is None else f"{y:.3f}"
                print(f"{t:8g} {mu[i]:12.5f} {means[i]:12.5f} {fz:>8} {sigma[i]:12.5f} "
                      f"{sds[i]:12.5f} {fy:>8}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
