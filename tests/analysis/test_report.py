"""The report command on synthetic run, Sobol sweep, LHS sweep and batch files."""

import contextlib
import io as stdio
import os
import re
import subprocess
import sys
import tempfile
import unittest

import matplotlib

matplotlib.use("Agg")
import matplotlib.image  # noqa: E402

import synthetic  # noqa: E402
from pricewar_analysis import report  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_report(*argv):
    out, err = stdio.StringIO(), stdio.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = report.main(list(argv))
    return code, out.getvalue(), err.getvalue()


class ReportChecks(unittest.TestCase):

    def assert_figures(self, outdir, names):
        index_path = os.path.join(outdir, "index.html")
        self.assertTrue(os.path.isfile(index_path))
        with open(index_path, encoding="utf-8") as f:
            page = f.read()
        for name in names:
            path = os.path.join(outdir, name)
            self.assertTrue(os.path.isfile(path), f"{name} was not written")
            with open(path, "rb") as f:
                self.assertEqual(f.read(8), PNG_SIGNATURE, f"{name} is not a PNG")
            pixels = matplotlib.image.imread(path)
            self.assertGreater(pixels.shape[0], 100)
            self.assertGreater(float(pixels[..., :3].std()), 0.0, f"{name} is blank")
            self.assertIn(f'src="{name}"', page, f"index.html does not embed {name}")
        # every image link is relative to the page
        for src in re.findall(r'src="([^"]+)"', page):
            self.assertFalse(os.path.isabs(src), src)
            self.assertTrue(os.path.isfile(os.path.join(outdir, src)), src)
        return page


class RunReport(ReportChecks):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "run.h5")
        synthetic.write_run(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_run_report(self):
        outdir = os.path.join(self.tmp.name, "report")
        code, out, err = run_report(self.path, "-o", outdir)
        self.assertEqual(code, 0, err)
        self.assertIn("index.html", out)
        page = self.assert_figures(outdir, ["prices.png", "shares.png", "jevons.png",
                                            "cash.png", "utilisation.png", "market.png"])
        self.assertIn("Vendor summary", page)
        self.assertIn("exit at turn 12", page)
        self.assertIn("baichuan", page)
        self.assertIn("Timeline events", page)

    def test_module_is_runnable(self):
        outdir = os.path.join(self.tmp.name, "cli")
        env = dict(os.environ)
        package_root = os.path.dirname(os.path.dirname(report.__file__))
        env["PYTHONPATH"] = package_root
        proc = subprocess.run([sys.executable, "-m", "pricewar_analysis.report", self.path,
                               "-o", outdir], env=env, capture_output=True, text=True,
                              timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.isfile(os.path.join(outdir, "index.html")))


class SweepReports(ReportChecks):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_sobol_sweep(self):
        path = os.path.join(self.tmp.name, "sobol.h5")
        synthetic.write_sweep(path, design="sobol", n=16, replicates=2, series=True)
        outdir = os.path.join(self.tmp.name, "sobol")
        code, _, err = run_report(path, "-o", outdir, "--n-boot", "200")
        self.assertEqual(code, 0, err)
        page = self.assert_figures(outdir, [
            "km_vendors.png", "exits.png", "survival_by_vendor.png", "km_levels_zhipu.png",
            "heatmap_zhipu.png", "prim_zhipu.png", "cox.png", "sobol_survival_of_zhipu.png",
            "sobol_survival_of_baichuan.png", "sobol_final_hhi.png", "sobol_total_tokens.png",
            "envelopes.png"])
        self.assertNotIn("survival_vs_parameters.png", page)   # no pooled-startup plot
        self.assertNotIn("run0_prices.png", page)               # envelopes instead of run 0
        self.assertIn("Scenario discovery (PRIM)", page)
        self.assertIn("Survival regression (Cox proportional hazards)", page)
        # N = 16: the Sobol intervals are far wider than 0.3, and the page says so
        self.assertIn("Read with care", page)
        self.assertIn("too uncertain to read; run a larger Sobol design", page)
        self.assertIn("1 failed", page)
        self.assertIn("1 not run", page)
        self.assertIn("accounting identity violated", page)
        self.assertIn("Per-vendor survival and profit", page)
        self.assertIn("Sobol design", page)

    def test_lhs_sweep_with_turn(self):
        path = os.path.join(self.tmp.name, "lhs.h5")
        synthetic.write_sweep(path, design="lhs", n=30, replicates=2, fixed_strings=True)
        outdir = os.path.join(self.tmp.name, "lhs")
        code, _, err = run_report(path, "-o", outdir, "--turn", "20")
        self.assertEqual(code, 0, err)
        page = self.assert_figures(outdir, ["km_vendors.png", "survival_by_vendor.png",
                                            "heatmap_zhipu.png", "cox.png"])
        self.assertNotIn("sobol_", page)
        self.assertIn("turn 20", page)

    def test_batch(self):
        path = os.path.join(self.tmp.name, "batch.h5")
        synthetic.write_sweep(path, design="batch", replicates=6)
        outdir = os.path.join(self.tmp.name, "batch")
        code, _, err = run_report(path, "-o", outdir)
        self.assertEqual(code, 0, err)
        page = self.assert_figures(outdir, ["km_vendors.png"])
        self.assertIn("pricewar batch", page)
        self.assertNotIn("survival_vs_parameters.png", page)
        self.assertIn("Per scenario: which startups survive", page)

    def test_all_runs_failed(self):
        import h5py
        path = os.path.join(self.tmp.name, "failed.h5")
        synthetic.write_sweep(path, design="lhs", n=4, replicates=1)
        with h5py.File(path, "a") as f:
            f["runs/status"][...] = 1
        outdir = os.path.join(self.tmp.name, "failed")
        code, _, err = run_report(path, "-o", outdir)
        self.assertEqual(code, 0, err)
        with open(os.path.join(outdir, "index.html"), encoding="utf-8") as f:
            page = f.read()
        self.assertIn("0 ok, 4 failed", page)


class Errors(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_missing_input(self):
        code, _, err = run_report(os.path.join(self.tmp.name, "absent.h5"), "-o", self.tmp.name)
        self.assertEqual(code, 2)
        self.assertIn("no such file", err)

    def test_unreadable_input(self):
        path = os.path.join(self.tmp.name, "junk.h5")
        with open(path, "wb") as f:
            f.write(b"\x00" * 64)
        code, _, err = run_report(path, "-o", self.tmp.name)
        self.assertEqual(code, 2)
        self.assertIn("not a readable HDF5 file", err)

    def test_unknown_format(self):
        import h5py
        path = os.path.join(self.tmp.name, "other.h5")
        with h5py.File(path, "w") as f:
            f.attrs["format"] = "not-pricewar"
        code, _, err = run_report(path, "-o", self.tmp.name)
        self.assertEqual(code, 2)
        self.assertIn("unknown file type", err)

    def test_usage(self):
        code, _, err = run_report()
        self.assertEqual(code, 2)
        self.assertIn("usage", err)
        code, _, _ = run_report("x.h5")      # -o is required
        self.assertEqual(code, 2)
        path = os.path.join(self.tmp.name, "run.h5")
        synthetic.write_run(path)
        code, _, err = run_report(path, "-o", self.tmp.name, "--prim-threshold", "1.5")
        self.assertEqual(code, 2)
        self.assertIn("--prim-threshold must be in (0, 1]", err)

    def test_missing_optional_module_names_debian_package(self):
        page = report._Page(self.tmp.name, "t")

        err = ImportError("No module named 'sklearn'", name="sklearn")

        def raises():
            raise err

        self.assertIsNone(page.attempt("CART", raises))
        self.assertEqual(page.failures,
                         ["CART: python3-sklearn is not installed: apt-get install "
                          "python3-sklearn"])

    def test_missing_module_names_debian_package(self):
        saved = report.REQUIRED_MODULES
        report.REQUIRED_MODULES = saved + (("pricewar_no_such_module", "python3-nosuch"),)
        try:
            code, _, err = run_report("x.h5", "-o", self.tmp.name)
        finally:
            report.REQUIRED_MODULES = saved
        self.assertEqual(code, 2)
        self.assertIn("python3-nosuch is not installed: apt-get install python3-nosuch", err)


if __name__ == "__main__":
    unittest.main()
