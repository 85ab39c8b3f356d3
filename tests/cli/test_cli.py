"""End-to-end tests of the pricewar command: exit codes, one-line errors naming file, line
and key, HDF5 output that is reproducible and never left partial."""
import os
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

BIN = os.environ["PRICEWAR_BIN"]
ROOT = os.environ["PRICEWAR_SOURCE_DIR"]
DEFAULT = os.path.join(ROOT, "scenarios", "default.toml")


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)


def base_text():
    with open(DEFAULT) as f:
        return f.read()


class BadInput(unittest.TestCase):
    def check(self, text, key, words, tmp_name="bad.toml"):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, tmp_name)
            with open(path, "w") as f:
                f.write(text)
            out = os.path.join(d, "out.h5")
            r = run("run", path, "-o", out)
            self.assertEqual(r.returncode, 2, r.stderr)
            lines = [l for l in r.stderr.splitlines() if l.strip()]
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertTrue(lines[0].startswith(path + ":"), lines[0])
            self.assertIn(key, lines[0])
            for w in words:
                self.assertIn(w, lines[0])
            self.assertFalse(os.path.exists(out))
            self.assertEqual([f for f in os.listdir(d) if f != tmp_name], [])

    def test_syntax_error(self):
        self.check(base_text().replace("turns = 104", "turns = = 104"), ":", [])

    def test_wrong_type(self):
        self.check(base_text().replace("turns = 104", 'turns = "many"'), "turns", ["expected"])

    def test_unknown_key_suggests(self):
        self.check(base_text().replace("price_in = 10\n", "prce_in = 10\n", 1), "prce_in", ["price_in"])

    def test_missing_required_key(self):
        self.check(base_text().replace('kind = "foreign"\n', "", 1), "kind", ["missing"])

    def test_out_of_range(self):
        self.check(base_text().replace("output_share = 0.25", "output_share = 1.5"), "market.output_share", [])

    def test_unknown_strategy(self):
        self.check(base_text().replace('name = "cost_plus"', 'name = "cost_plsu"'), "strategy", ["cost_plus"])

    def test_bad_override(self):
        r = run("run", DEFAULT, "--set", "developers.count=-5")
        self.assertEqual(r.returncode, 2)
        self.assertIn("developers.count", r.stderr)

    def test_unknown_command_and_missing_file(self):
        self.assertEqual(run("frobnicate").returncode, 2)
        r = run("run", "/nonexistent/x.toml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("x.toml", r.stderr)


class Runs(unittest.TestCase):
    def test_run_writes_reproducible_hdf5(self):
        with tempfile.TemporaryDirectory() as d:
            a, b, c = (os.path.join(d, n) for n in ("a.h5", "b.h5", "c.h5"))
            for path, seed in ((a, "7"), (b, "7"), (c, "8")):
                r = run("run", DEFAULT, "-o", path, "--seed", seed, "--turns", "30")
                self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("status", run("run", DEFAULT, "--turns", "5").stdout)
            with h5py.File(a) as fa, h5py.File(b) as fb, h5py.File(c) as fc:
                self.assertEqual(fa.attrs["format"], "pricewar-run")
                self.assertEqual(int(fa.attrs["seed"]), 7)
                self.assertIn("toml", fa["scenario"].attrs)
                differs = False
                for group in ("series/offer", "series/vendor", "series/market", "summary/vendor"):
                    for name in fa[group]:
                        x, y, z = fa[group][name][()], fb[group][name][()], fc[group][name][()]
                        np.testing.assert_array_equal(x, y)
                        self.assertIn("units", fa[group][name].attrs, f"{group}/{name}")
                        differs = differs or not np.array_equal(x, z, equal_nan=True)
                self.assertTrue(differs)

    def test_calvano_batch_reports_profit_gain(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "cal.h5")
            r = run("batch", os.path.join(ROOT, "scenarios", "calvano", "baseline.toml"), "--replicates", "4",
                    "--jobs", "2", "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("profit_gain", r.stdout)
            self.assertIn("std. error", r.stdout)
            with h5py.File(out) as f:
                self.assertEqual(f.attrs["format"], "pricewar-sweep")
                gain = f["summary/market/profit_gain"][()]
                self.assertEqual(len(gain), 4)
                self.assertTrue(np.all(f["summary/market/converged"][()] == 1.0))
                self.assertTrue(np.all(f["summary/market/convergence_period"][()] > 1e5))
                self.assertTrue(np.all((gain > -1) & (gain <= 1.2)))
                self.assertEqual(len(set(f["design/seed"][()])), 4)

    def test_validate_and_list_strategies(self):
        self.assertEqual(run("validate", DEFAULT).returncode, 0)
        out = run("list-strategies").stdout
        for name in ("static", "cost_plus", "follower", "penetration", "premium", "best_response", "q_learning"):
            self.assertIn(name, out)


if __name__ == "__main__":
    unittest.main()
