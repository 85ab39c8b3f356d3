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
                        if fa[group][name].attrs.get("CLASS") == b"DIMENSION_SCALE":
                            continue  # the turn, vendor and offer coordinates
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


COMMANDS = {
    "run": ["--output", "--seed", "--turns", "--set", "--quiet", "--force"],
    "validate": [],
    "batch": ["--output", "--replicates", "--jobs", "--series", "--resume", "--seed", "--set", "--force"],
    "sweep": ["--output", "--jobs", "--resume", "--shard", "--series", "--force"],
    "calibrate": ["--output", "--jobs", "--resume", "--force"],
    "merge": ["--output", "--force"],
    "export": ["--csv", "--force"],
    "report": ["--output", "--turn", "--n-boot", "--seed", "--prim-threshold"],
    "list-strategies": [],
    "list-keys": ["--markdown"],
    "list-series": ["--markdown"],
    "version": [],
}
TINY = os.path.join(ROOT, "scenarios", "sweeps", "tiny.toml")
CALVANO = os.path.join(ROOT, "scenarios", "calvano", "baseline.toml")


class Help(unittest.TestCase):
    def test_every_command_has_help_naming_its_options(self):
        for command, options in COMMANDS.items():
            for form in ((command, "--help"), (command, "-h"), ("help", command)):
                r = run(*form)
                self.assertEqual(r.returncode, 0, (form, r.stderr))
                self.assertTrue(r.stdout.startswith("usage: pricewar " + command), r.stdout)
                for option in options:
                    self.assertIn(option, r.stdout, (form, option))

    def test_usage_lists_every_command_and_option(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        lines = {line.split()[0]: line for line in r.stdout.splitlines() if line.startswith("  ") and
                 not line.startswith("      ")}
        self.assertEqual(set(lines), set(COMMANDS))
        short = {"--output": "-o", "--jobs": "-j", "--quiet": "-q"}
        for command, options in COMMANDS.items():
            for option in options:
                self.assertIn(short.get(option, option), lines[command], (command, option))

    def test_missing_argument_is_named_as_in_the_usage(self):
        for args, shown in ((["run"], "SCENARIO.toml"), (["validate"], "FILE"),
                            (["export", "--csv", "out"], "IN.h5"), (["merge", "-o", "out.h5"], "SHARD.h5")):
            r = run(*args)
            self.assertEqual(r.returncode, 2)
            self.assertIn(f"missing {shown}", r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_unknown_option_is_a_usage_error(self):
        r = run("run", DEFAULT, "--frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("frobnicate", r.stderr)


class Options(unittest.TestCase):
    def test_bad_seed_is_rejected(self):
        for seed in ("-1", "1.5", "abc", "+3", "18446744073709551616", "1e3"):
            for command in (("run", DEFAULT, "--turns", "2", "-q"),
                            ("report", "in.h5", "-o", "out")):
                r = run(*command, "--seed", seed)
                self.assertEqual(r.returncode, 2, (command, seed, r.stdout))
                self.assertIn("--seed must be an integer", r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r = run("run", DEFAULT, "--turns", "2", "--seed", "18446744073709551615")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("seed 18446744073709551615", r.stdout)

    def test_validate_reports_every_file(self):
        with tempfile.TemporaryDirectory() as d:
            bad1, bad2 = os.path.join(d, "bad1.toml"), os.path.join(d, "bad2.toml")
            with open(bad1, "w") as f:
                f.write(base_text().replace("turns = 104", 'turns = "many"'))
            with open(bad2, "w") as f:
                f.write(base_text().replace("output_share = 0.25", "output_share = 1.5"))
            r = run("validate", bad1, DEFAULT, bad2, TINY)
            self.assertEqual(r.returncode, 2)
            errors = r.stderr.strip().splitlines()
            self.assertEqual(len(errors), 2, r.stderr)
            self.assertTrue(errors[0].startswith(bad1 + ":") and "turns" in errors[0], errors[0])
            self.assertTrue(errors[1].startswith(bad2 + ":") and "output_share" in errors[1], errors[1])
            self.assertIn(DEFAULT + ": ok", r.stdout)
            self.assertIn(TINY + ": ok (sweep", r.stdout)
            self.assertEqual(run("validate", DEFAULT, TINY).returncode, 0)

    def test_validate_reports_every_error_of_a_file(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.toml")
            with open(bad, "w") as f:
                f.write(base_text().replace("turns = 104", 'turns = "many"')
                        .replace("output_share = 0.25", "output_share = 1.5")
                        .replace("price_in = 10\n", "prce_in = 10\n", 1))
            r = run("validate", bad)
            self.assertEqual(r.returncode, 2)
            self.assertEqual(r.stdout, "")
            errors = r.stderr.strip().splitlines()
            for line in errors:
                self.assertTrue(line.startswith(bad + ":"), line)
            keys = [line.split(": ")[1] for line in errors]
            # (The misspelt key also leaves price_in missing: a consequence, not reported.)
            self.assertEqual(keys, ["turns", "market.output_share", "vendors.lowcost.offers.v2.prce_in"])
            # Each line is the error the file gives with the earlier ones fixed.
            with open(bad) as f:
                text = f.read()
            fixed = os.path.join(d, "fixed.toml")
            with open(fixed, "w") as f:
                f.write(text.replace('turns = "many"', "turns = 104"))
            second = run("validate", fixed).stderr.strip().splitlines()
            self.assertEqual([l.replace(fixed, bad) for l in second], errors[1:])

    def test_report_accepts_documented_options(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.h5")
            self.assertEqual(run("run", DEFAULT, "--turns", "20", "-q", "-o", out).returncode, 0)
            r = run("report", out, "-o", os.path.join(d, "report"), "--turn", "10", "--n-boot", "20", "--seed", "3")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(os.path.join(d, "report", "index.html")))
            r = run("report", out, "-o", os.path.join(d, "report2"), "--n-boot", "0")
            self.assertEqual(r.returncode, 2)
            self.assertIn("--n-boot", r.stderr)
            r = run("report", out, "-o", os.path.join(d, "report3"), "--prim-threshold", "0.9")
            self.assertEqual(r.returncode, 0, r.stderr)
            r = run("report", out, "-o", os.path.join(d, "report4"), "--prim-threshold", "1.5")
            self.assertEqual(r.returncode, 2)
            self.assertIn("--prim-threshold", r.stderr)

    def test_repeated_game_summary_has_its_own_quantities(self):
        r = run("run", CALVANO)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("nan", r.stdout)
        self.assertNotIn("turns of", r.stdout)
        self.assertIn("repeated pricing game", r.stdout)
        self.assertIn("profit gain", r.stdout)
        self.assertIn("converged after", r.stdout)
        for firm in ("firm1", "firm2"):
            self.assertIn(firm, r.stdout)


class OutputPolicy(unittest.TestCase):
    """One policy for run, batch, sweep, merge and export: the output's folder must exist; an
    existing output is refused unless --force; batch and sweep --resume continue their own."""

    def test_missing_folder_is_an_error_naming_it(self):
        with tempfile.TemporaryDirectory() as d:
            missing = os.path.join(d, "no", "such")
            out = os.path.join(missing, "x.h5")
            for command in (("run", DEFAULT, "--turns", "2", "-q", "-o", out),
                            ("batch", DEFAULT, "--set", "turns=60", "-o", out),
                            ("sweep", TINY, "-o", out),
                            ("merge", os.path.join(d, "a.h5"), "-o", out),
                            ("export", os.path.join(d, "a.h5"), "--csv", os.path.join(missing, "csv"))):
                r = run(*command)
                self.assertEqual(r.returncode, 2, (command, r.stderr))
                self.assertIn(missing, r.stderr)
                self.assertIn("does not exist", r.stderr)
            self.assertEqual(os.listdir(d), [])

    def test_existing_output_needs_force(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.h5")
            self.assertEqual(run("run", DEFAULT, "--turns", "5", "-q", "-o", out, "--seed", "1").returncode, 0)
            with open(out, "rb") as f:
                before = f.read()
            r = run("run", DEFAULT, "--turns", "5", "-q", "-o", out, "--seed", "2")
            self.assertEqual(r.returncode, 2)
            self.assertIn("already exists", r.stderr)
            self.assertIn("--force", r.stderr)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), before)
            r = run("run", DEFAULT, "--turns", "5", "-q", "-o", out, "--seed", "2", "--force")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                self.assertEqual(int(f.attrs["seed"]), 2)

            sweep = os.path.join(d, "sweep.h5")
            self.assertEqual(run("sweep", TINY, "-o", sweep).returncode, 0)
            r = run("sweep", TINY, "-o", sweep)
            self.assertEqual(r.returncode, 2)
            self.assertIn("--force", r.stderr)
            self.assertIn("--resume", r.stderr)
            r = run("sweep", TINY, "-o", sweep, "--resume")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("already complete", r.stderr)
            self.assertEqual(run("sweep", TINY, "-o", sweep, "--force").returncode, 0)
            self.assertEqual(run("sweep", TINY, "-o", sweep, "--force", "--resume").returncode, 2)

            merged = os.path.join(d, "merged.h5")
            self.assertEqual(run("merge", sweep, "-o", merged).returncode, 0)
            self.assertEqual(run("merge", sweep, "-o", merged).returncode, 2)
            self.assertEqual(run("merge", sweep, "-o", merged, "--force").returncode, 0)

            csv = os.path.join(d, "csv")
            self.assertEqual(run("export", out, "--csv", csv).returncode, 0)
            r = run("export", out, "--csv", csv)
            self.assertEqual(r.returncode, 2)
            self.assertIn("--force", r.stderr)
            self.assertEqual(run("export", out, "--csv", csv, "--force").returncode, 0)


def read_csv(path):
    import csv
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(text):
    return float("nan") if text == "" else float(text)


class Export(unittest.TestCase):
    def test_run_file_round_trips(self):
        with tempfile.TemporaryDirectory() as d:
            out, csv_dir = os.path.join(d, "run.h5"), os.path.join(d, "csv")
            self.assertEqual(run("run", DEFAULT, "--turns", "20", "-q", "-o", out).returncode, 0)
            r = run("export", out, "--csv", csv_dir)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(sorted(os.listdir(csv_dir)),
                             ["design.csv", "runs.csv", "series_market.csv", "series_offer.csv",
                              "series_vendor.csv", "units.csv", "vendors.csv"])
            with h5py.File(out) as f:
                vendors = f["vendors/name"].asstr()[:]
                rows = read_csv(os.path.join(csv_dir, "vendors.csv"))
                self.assertEqual([row["vendor"] for row in rows], list(vendors))
                for name in ("exit_turn", "final_share", "cumulative_profit", "peak_loss"):
                    np.testing.assert_array_equal([number(row[name]) for row in rows],
                                                  f["summary/vendor/" + name][()])
                runs = read_csv(os.path.join(csv_dir, "runs.csv"))
                self.assertEqual(len(runs), 1)
                for name in f["summary/market"]:
                    np.testing.assert_array_equal(number(runs[0][name]), f["summary/market/" + name][()])
                series = read_csv(os.path.join(csv_dir, "series_vendor.csv"))
                self.assertEqual(len(series), 20 * len(vendors))
                for name in ("cash", "profit", "alive"):
                    np.testing.assert_array_equal(np.array([number(row[name]) for row in series]).reshape(20, -1),
                                                  f["series/vendor/" + name][()])
                offers = read_csv(os.path.join(csv_dir, "series_offer.csv"))
                np.testing.assert_array_equal(np.array([number(row["price"]) for row in offers]).reshape(20, -1),
                                              f["series/offer/price"][()])
                units = {(row["table"], row["column"]): row["units"]
                         for row in read_csv(os.path.join(csv_dir, "units.csv"))}
                self.assertEqual(units[("series_vendor", "cash")], f["series/vendor/cash"].attrs["units"])
                self.assertEqual(units[("vendors", "cumulative_profit")], "CNY")
                self.assertEqual(units[("series_offer", "price")], "CNY/Mtok")

    def test_sweep_file_round_trips(self):
        with tempfile.TemporaryDirectory() as d:
            out, csv_dir = os.path.join(d, "sweep.h5"), os.path.join(d, "csv")
            self.assertEqual(run("sweep", TINY, "-o", out, "--series", "--jobs", "2").returncode, 0)
            r = run("export", out, "--csv", csv_dir)
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                run_ids = f["design/run_id"][()]
                design = read_csv(os.path.join(csv_dir, "design.csv"))
                self.assertEqual([int(row["run_id"]) for row in design], list(run_ids))
                for p in f["design"].attrs["parameters"]:
                    np.testing.assert_array_equal([number(row[p]) for row in design], f["design/" + p][()])
                np.testing.assert_array_equal([int(row["seed"]) for row in design], f["design/seed"][()])
                runs = read_csv(os.path.join(csv_dir, "runs.csv"))
                for name in f["summary/market"]:
                    if f["summary/market"][name].attrs.get("CLASS") == b"DIMENSION_SCALE":
                        continue
                    np.testing.assert_array_equal([number(row[name]) for row in runs],
                                                  f["summary/market/" + name][()])
                vendors = list(f["vendors/name"].asstr()[:])
                exit_turn = f["summary/vendor/exit_turn"][()]
                share = f["summary/vendor/final_share"][()]
                rows = read_csv(os.path.join(csv_dir, "vendors.csv"))
                self.assertEqual(len(rows), int((exit_turn != -2).sum()))
                row_of = {int(r): i for i, r in enumerate(run_ids)}
                for row in rows:
                    i, j = row_of[int(row["run_id"])], vendors.index(row["vendor"])
                    self.assertEqual(int(row["exit_turn"]), exit_turn[i, j])
                    np.testing.assert_array_equal(number(row["final_share"]), share[i, j])
                series = read_csv(os.path.join(csv_dir, "series_market.csv"))
                np.testing.assert_array_equal(
                    np.array([number(row["hhi"]) for row in series]).reshape(len(run_ids), -1),
                    f["series/market/hhi"][()])


if __name__ == "__main__":
    unittest.main()


class Calibrate(unittest.TestCase):
    EXAMPLE = os.path.join(ROOT, "scenarios", "calibration", "example.toml")

    def test_validate_example(self):
        r = run("validate", self.EXAMPLE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok (calibration, 2 parameters, 4 moments", r.stdout)

    def test_bad_calibration_file_is_one_line_exit_2(self):
        with open(self.EXAMPLE) as f:
            text = f.read().replace('"../default.toml"', '"%s"' % DEFAULT)
        for bad, key in ((text.replace("seeds = 30", "seedz = 30"), "seedz"),
                         (text.replace('series = "total_spend"', 'series = "total_spnd"'), "moment[3].series"),
                         (text.replace("bounds = [4.0, 60.0]", "bounds = [60.0, 4.0]"), "parameter[1].bounds")):
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "calib.toml")
                with open(path, "w") as f:
                    f.write(bad)
                out = os.path.join(d, "out.h5")
                r = run("calibrate", path, "-o", out)
                self.assertEqual(r.returncode, 2, r.stderr)
                lines = [l for l in r.stderr.splitlines() if l.strip()]
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertRegex(lines[0], "^" + path + r":\d+:\d+: " + key.replace("[", r"\[").replace("]", r"\]"))
                self.assertEqual(os.listdir(d), ["calib.toml"])
