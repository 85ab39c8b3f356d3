"""The report command on synthetic run, Sobol sweep, LHS sweep and batch files."""

import contextlib
import io as stdio
import os
import re
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

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


def report_figures(*argv):
    """Runs the report and keeps every figure it draws: (exit code, {file name: Figure},
    stderr)."""
    figures = {}
    original = report._Page.figure

    def capture(page, filename, caption, draw, *args, **kwargs):
        def keep(*a, **k):
            fig = draw(*a, **k)
            figures[filename] = fig
            return fig
        return original(page, filename, caption, keep, *args, **kwargs)

    with mock.patch.object(report._Page, "figure", capture):
        code, _, err = run_report(*argv)
    return code, figures, err


def figure_texts(fig):
    """Every title, axis label, y tick label and legend entry of a figure."""
    texts = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for legend in fig.legends:
        texts += [t.get_text() for t in legend.get_texts()]
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.get_yticklabels()]
        if ax.get_legend() is not None:
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in texts if t]


def legend_texts(fig):
    texts = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        if ax.get_legend() is not None:
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return texts


def date_axes(fig):
    """The axes of a figure whose x axis is labelled with dates."""
    import matplotlib.dates as mdates
    return [ax for ax in fig.axes
            if isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)]


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

    def test_labelled_sweep_figures_show_display_names_and_dates(self):
        # A file that records display names and a start date: every sweep figure names
        # vendors by display name, and every time axis shows dates, as the run figures do.
        path = os.path.join(self.tmp.name, "labelled.h5")
        synthetic.write_sweep(path, design="sobol", n=16, replicates=2, series=True, labels=True)
        outdir = os.path.join(self.tmp.name, "labelled")
        code, figures, err = report_figures(path, "-o", outdir, "--n-boot", "100")
        self.assertEqual(code, 0, err)
        names = dict(zip(synthetic.SWEEP_VENDORS, synthetic.SWEEP_NAMES))
        startups = [v for v, k in zip(synthetic.SWEEP_VENDORS, synthetic.SWEEP_KINDS)
                    if k == "startup"]
        date_label = f"date (turn 0 = {synthetic.START_DATE}, 7 days per turn)"

        km = figures["km_vendors.png"]
        self.assertEqual([t.split(" (n=")[0] for t in legend_texts(km)],
                         synthetic.SWEEP_NAMES)
        self.assertEqual(date_axes(km), km.axes)
        self.assertEqual(km.axes[0].get_xlabel(), date_label)
        exits = figures["exits.png"]
        self.assertTrue(all(t.split(" (")[0] in names.values() for t in legend_texts(exits)))
        self.assertTrue(exits.axes[0].get_xlabel().startswith("exit date (turn 0 = 2024-04-29"))
        self.assertEqual(len(date_axes(exits)), 1)
        self.assertEqual(sorted(legend_texts(figures["survival_by_vendor.png"])),
                         sorted(names[v] for v in startups))
        for vendor in ("zhipu", "baichuan"):
            levels = figures[f"km_levels_{vendor}.png"]
            self.assertTrue(levels._suptitle.get_text().startswith(names[vendor] + ":"))
            self.assertEqual(len(date_axes(levels)), 2)   # one panel per parameter
            self.assertTrue(figures[f"heatmap_{vendor}.png"]._suptitle.get_text()
                            .startswith(names[vendor] + ":"))
            self.assertIn(f"survival of {names[vendor]}",
                          figures[f"sobol_survival_of_{vendor}.png"].axes[0].get_title())
        prims = [f for f in figures if f.startswith("prim_")]
        self.assertTrue(prims)
        for name in prims:
            self.assertIn(names[name[5:-4]], figures[name]._suptitle.get_text())
        cox = [t for t in figure_texts(figures["cox.png"]) if " | " in t]
        self.assertTrue(cox)
        self.assertTrue(all(t.split(" | ")[0] in list(names.values()) + ["pooled, strata = vendor"]
                            for t in cox), cox)
        envelopes = figures["envelopes.png"]
        self.assertEqual(sorted(legend_texts(envelopes)), sorted(names[v] for v in startups))
        self.assertEqual(date_axes(envelopes), envelopes.axes)
        # No figure shows a bare vendor id where a display name belongs.
        for filename, fig in figures.items():
            for text in legend_texts(fig):
                self.assertNotIn(text.split(" (")[0].split(":")[0], synthetic.SWEEP_VENDORS,
                                 f"{filename}: {text}")
        with open(os.path.join(outdir, "index.html"), encoding="utf-8") as f:
            page = f.read()
        self.assertIn("turn 0 = 2024-04-29", page)
        self.assertIn("<td>Baichuan Intelligence</td>", page)
        self.assertIn("Scenario discovery (PRIM): where Zhipu AI survives", page)

        # The same file without labels (format 1): ids and turns.
        plain = os.path.join(self.tmp.name, "plain.h5")
        synthetic.write_sweep(plain, design="sobol", n=16, replicates=2, series=True)
        code, figures, err = report_figures(plain, "-o", os.path.join(self.tmp.name, "plain"),
                                            "--n-boot", "100")
        self.assertEqual(code, 0, err)
        km = figures["km_vendors.png"]
        self.assertEqual([t.split(" (n=")[0] for t in legend_texts(km)], synthetic.SWEEP_VENDORS)
        self.assertEqual(km.axes[0].get_xlabel(), "turn")
        self.assertEqual(date_axes(figures["envelopes.png"]), [])

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
        self.assertIn("<th>zhipu alive</th>", page)

        labelled = os.path.join(self.tmp.name, "labelled-batch.h5")
        synthetic.write_sweep(labelled, design="batch", replicates=6, labels=True)
        outdir = os.path.join(self.tmp.name, "labelled-batch")
        code, figures, err = report_figures(labelled, "-o", outdir)
        self.assertEqual(code, 0, err)
        with open(os.path.join(outdir, "index.html"), encoding="utf-8") as f:
            page = f.read()
        self.assertIn("<th>Zhipu AI alive</th>", page)
        self.assertEqual([t.split(" (n=")[0] for t in legend_texts(figures["km_vendors.png"])],
                         synthetic.SWEEP_NAMES)

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
