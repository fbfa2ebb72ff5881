#!/usr/bin/python3
"""Tests of tests/validation/judge.py (ctest validation_judge).

Each test writes a small output file with the variables judge.py reads (species_mean,
species_sd over species_name, or observable_*), from a case's exact moments with a known
distortion, runs the judge as a command and checks its exit status and lines. The cases'
files are the copies in tests/validation/suite. Needs Debian's python3-netcdf4.
"""
import math
import os
import subprocess
import sys
import tempfile
import unittest

import netCDF4
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
JUDGE = os.path.join(HERE, "judge.py")
SUITE = os.path.join(HERE, "suite")


def case_files(case):
    d = os.path.join(SUITE, case)
    return os.path.join(d, f"{case}-results.csv"), os.path.join(d, f"{case}-settings.txt")


def exact(case, var):
    """(times, mu, sigma) of VAR in CASE's results file."""
    results, _ = case_files(case)
    data = np.genfromtxt(results, delimiter=",", names=True, deletechars="")
    return data["time"], data[f"{var}-mean"], data[f"{var}-sd"]


def write_output(path, times, n, species=None, observables=None, arms=1, dims=None):
    """An output file with N patients; SPECIES / OBSERVABLES map names to (means, sds)."""
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("patient", n)
        ds.createDimension("arm", arms)
        ds.createDimension("time", len(times))
        ds.createVariable("time", "f8", ("time",))[:] = times
        for prefix, table in (("species", species), ("observable", observables)):
            if table is None:
                continue
            ds.createDimension(prefix, len(table))
            names = ds.createVariable(f"{prefix}_name", str, (prefix,))
            for i, name in enumerate(table):
                names[i] = name
            for k, stat in enumerate(("mean", "sd")):
                shape = dims or ("arm", "time", prefix)
                v = ds.createVariable(f"{prefix}_{stat}", "f8", shape)
                if shape == ("arm", "time", prefix):
                    for i, name in enumerate(table):
                        for arm in range(arms):
                            v[arm, :, i] = table[name][k]


class JudgeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "out.nc")

    def tearDown(self):
        self.tmp.cleanup()

    def judge(self, case, *extra):
        results, settings = case_files(case)
        p = subprocess.run([sys.executable, JUDGE, self.out, results, settings, *extra],
                           capture_output=True, text=True, check=False)
        return p.returncode, p.stdout, p.stderr

    def test_exact_moments_pass(self):
        t, mu, sigma = exact("00001", "X")
        write_output(self.out, t, 10000, species={"X": (mu, sigma)})
        rc, out, err = self.judge("00001")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("PASS X mean: 0 of 51 points", out)
        self.assertIn("PASS X sd: 0 of 51 points", out)

    def test_two_species_and_extra_species_in_file(self):
        t, mu, sigma = exact("00030", "P")
        _, mu2, sigma2 = exact("00030", "P2")
        write_output(self.out, t, 10000,
                     species={"Q": (mu, sigma), "P2": (mu2, sigma2), "P": (mu, sigma)})
        rc, out, err = self.judge("00030")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(out.count("PASS"), 4, out)

    def test_mean_bias_of_two_percent_fails(self):
        t, mu, sigma = exact("00001", "X")
        write_output(self.out, t, 10000, species={"X": (1.02 * mu, sigma)})
        rc, out, _ = self.judge("00001")
        self.assertEqual(rc, 1, out)
        self.assertIn("FAIL X mean", out)
        self.assertIn("PASS X sd", out)

    def test_sd_bias_of_fifteen_percent_fails(self):
        t, mu, sigma = exact("00001", "X")
        write_output(self.out, t, 10000, species={"X": (mu, 1.15 * sigma)})
        rc, out, _ = self.judge("00001")
        self.assertEqual(rc, 1, out)
        self.assertIn("PASS X mean", out)
        self.assertIn("FAIL X sd: 50 of 51 points", out)  # all but t = 0 (sigma 0)

    def test_failure_count_against_the_allowance(self):
        # Z = 3.5 at k points (|Z| <= 3 elsewhere: Z = 2.9): 1 passes, 2-3 need a check
        # but pass, 4 fail; --allowed changes the bound.
        t, mu, sigma = exact("00001", "X")
        n = 10000
        for k, rc_want, verdict in ((1, 0, "PASS"), (3, 0, "CHECK"), (4, 1, "FAIL")):
            z = np.where(sigma > 0, 2.9, 0.0)
            z[1:1 + k] = 3.5
            write_output(self.out, t, n, species={"X": (mu + z * sigma / math.sqrt(n), sigma)})
            rc, out, _ = self.judge("00001")
            self.assertEqual(rc, rc_want, out)
            self.assertIn(f"{verdict} X mean: {k} of 51", out)
        rc, out, _ = self.judge("00001", "--allowed", "4")
        self.assertEqual(rc, 0, out)

    def test_skip(self):
        t, mu, sigma = exact("00001", "X")
        write_output(self.out, t, 10000, species={"X": (mu, 1.15 * sigma)})
        rc, out, _ = self.judge("00001", "--skip", "X-sd")
        self.assertEqual(rc, 0, out)
        self.assertIn("SKIP X sd: 50 of 51 points", out)
        rc, out, _ = self.judge("00001", "--skip", "X-mean")
        self.assertEqual(rc, 1, out)
        rc, _, err = self.judge("00001", "--skip", "y-sd")
        self.assertEqual(rc, 2)
        self.assertIn("--skip y-sd: not a test of", err)

    def test_range_ends_are_inside(self):
        t, mu, sigma = exact("00001", "X")
        n = 10000
        s = sigma * np.sqrt(1 + 5 * math.sqrt(2 / n) * (1 - 1e-12))  # Y just under 5
        write_output(self.out, t, n, species={"X": (mu - 2.999 * sigma / 100, s)})
        rc, out, _ = self.judge("00001")
        self.assertEqual(rc, 0, out)

    def test_zero_sigma_points_must_be_exact(self):
        t, mu, sigma = exact("00001", "X")
        m = mu.copy()
        m[0] = 100.5  # time 0: every patient starts at 100
        s = sigma.copy()
        s[0] = 0.1
        write_output(self.out, t, 10000, species={"X": (m, s)})
        rc, out, _ = self.judge("00001", "--allowed", "0")
        self.assertEqual(rc, 1, out)
        self.assertIn("FAIL X mean: 1 of 51 points outside (-3.0, 3.0) (allowed 0) (t = 0)", out)
        self.assertIn("FAIL X sd: 1 of 51", out)

    def test_observable_and_map(self):
        t, mu, sigma = exact("00019", "X")
        _, muy, sigmay = exact("00019", "y")
        write_output(self.out, t, 10000, species={"X": (mu, sigma)},
                     observables={"y": (muy, sigmay)})
        rc, out, err = self.judge("00019")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("observable y", out)
        # The same values under other names, found through --map.
        write_output(self.out, t, 10000, species={"A": (mu, sigma)},
                     observables={"twice": (muy, sigmay)})
        rc, out, err = self.judge("00019", "--map", "X=species:A", "--map", "y=twice")
        self.assertEqual(rc, 0, out + err)
        rc, _, err = self.judge("00019", "--map", "X=observable:A", "--map", "y=twice")
        self.assertEqual(rc, 2)
        self.assertIn("needs observable 'A'", err)

    def test_table(self):
        t, mu, sigma = exact("00001", "X")
        write_output(self.out, t, 10000, species={"X": (mu, sigma)})
        rc, out, _ = self.judge("00001", "--table")
        self.assertEqual(rc, 0, out)
        lines = out.splitlines()
        start = lines.index("X (species X):")
        self.assertEqual(len(lines) - start, 2 + 51)
        self.assertEqual(lines[start + 2].split()[:4], ["0", "100.00000", "100.00000", "-"])

    def test_missing_variable(self):
        t, mu, sigma = exact("00030", "P")
        write_output(self.out, t, 10000, species={"P": (mu, sigma)})
        rc, out, err = self.judge("00030")
        self.assertEqual(rc, 2, out)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("the suite's variable P2 needs species or observable 'P2'", err)
        self.assertEqual(out, "")

    def test_file_without_statistics(self):
        t, _, _ = exact("00001", "X")
        with netCDF4.Dataset(self.out, "w") as ds:
            ds.createDimension("patient", 10)
            ds.createDimension("time", len(t))
            ds.createDimension("species", 1)
            ds.createVariable("species_name", str, ("species",))[0] = "X"
        rc, _, err = self.judge("00001")
        self.assertEqual(rc, 2)
        self.assertIn("no variable species_mean", err)

    def test_wrong_time_grid(self):
        t, mu, sigma = exact("00001", "X")
        write_output(self.out, t[::2], 10000, species={"X": (mu[::2], sigma[::2])})
        rc, _, err = self.judge("00001")
        self.assertEqual(rc, 2)
        self.assertIn("the time grid (26 points, 0 to 50) is not the results' (51 points", err)

    def test_wrong_dimensions(self):
        t, mu, sigma = exact("00001", "X")
        write_output(self.out, t, 10000, species={"X": (mu, sigma)},
                     dims=("time", "arm", "species"))
        rc, _, err = self.judge("00001")
        self.assertEqual(rc, 2)
        self.assertIn("species_mean has dimensions ('time', 'arm', 'species'), expected "
                      "('arm', 'time', 'species')", err)

    def test_arm_out_of_range_and_bad_map(self):
        t, mu, sigma = exact("00001", "X")
        write_output(self.out, t, 10000, species={"X": (mu, sigma)})
        rc, _, err = self.judge("00001", "--arm", "1")
        self.assertEqual(rc, 2)
        self.assertIn("--arm 1: the file has 1 arm(s)", err)
        rc, _, err = self.judge("00001", "--map", "Z=X")
        self.assertEqual(rc, 2)
        self.assertIn("--map Z: not a variable the settings test (X)", err)
        rc, _, err = self.judge("00001", "--map", "X")
        self.assertEqual(rc, 2)
        self.assertIn("expected VAR=NAME", err)

    def test_bad_case_files(self):
        t, mu, sigma = exact("00001", "X")
        write_output(self.out, t, 10000, species={"X": (mu, sigma)})
        results, settings = case_files("00001")
        bad = os.path.join(self.tmp.name, "settings.txt")
        with open(settings, encoding="utf-8") as f:
            text = f.read()
        for wrong, message in ((text.replace("(-5, 5)", "(5, -5)"), "expected LO < HI"),
                               (text.replace("X-sd", "ln(X)-sd"), "moments of ln(X)"),
                               (text.replace("X-mean", "Y-mean"), "no column Y-mean")):
            with open(bad, "w", encoding="utf-8") as f:
                f.write(wrong)
            p = subprocess.run([sys.executable, JUDGE, self.out, results, bad],
                               capture_output=True, text=True, check=False)
            self.assertEqual(p.returncode, 2, p.stdout)
            self.assertIn(message, p.stderr)
        p = subprocess.run([sys.executable, JUDGE, os.path.join(self.tmp.name, "none.nc"),
                            results, settings], capture_output=True, text=True, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot open as NetCDF", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
