"""End-to-end: files written by the pricewar binary, read by the loaders and the report.

Environment:
    PRICEWAR_BIN         path of the pricewar executable (required)
    PRICEWAR_SWEEP_TOML  sweep file for the sweep test (optional; by default the first of
                         scenarios/sweeps/*.toml, scenarios/*sweep*.toml)

Run from anywhere:
    PRICEWAR_BIN=build/pricewar PYTHONPATH=analysis \
        python3 -m unittest discover -s tests/analysis -p test_report_real.py
"""

import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

from pricewar_analysis import io
from test_report import ReportChecks, date_axes, legend_texts, report_figures, run_report

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 1800

# A sweep of a few seconds over a startup's cash (doubling levels) and the VC climate, in
# which premium2 exits at low cash and survives at high cash; dated from 2024-04-29.
SMALL_SWEEP = """
scenario = "{scenario}"
seed = 5
replicates = 2
turns = 60

[design]
kind = "factorial"

[[parameter]]
path = "vendors.premium2.cash"
values = [1.0e8, 4.0e8, 1.6e9, 6.4e9]

[[parameter]]
path = "market.vc_climate"
values = [0.25, 0.5, 1.0]

[set]
"developers.count" = 500
start_date = "2024-04-29"
"""

IMAGE_CHECK = """<script>
window.addEventListener("load", function () {
  var broken = [];
  for (var i = 0; i < document.images.length; i++) {
    var img = document.images[i];
    if (!(img.complete && img.naturalWidth > 0)) broken.push(img.getAttribute("src"));
  }
  var out = document.createElement("pre");
  out.id = "image-check";
  out.textContent = JSON.stringify({total: document.images.length, broken: broken});
  document.body.appendChild(out);
});
</script>"""


def chromium_images(index_path):
    """Load a copy of index.html (same folder) in headless Chromium; return
    (number of images, list of images that did not load)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise AssertionError("chromium is not installed: apt-get install chromium")
    folder = os.path.dirname(os.path.abspath(index_path))
    with open(index_path, encoding="utf-8") as f:
        page = f.read()
    check = os.path.join(folder, "_image_check.html")
    with open(check, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", IMAGE_CHECK + "</body>"))
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                               f"--user-data-dir={profile}", "--virtual-time-budget=10000",
                               "--dump-dom", "file://" + check],
                              capture_output=True, text=True, timeout=180)
    os.remove(check)
    found = re.search(r'<pre id="image-check">(.*?)</pre>', proc.stdout, re.S)
    if not found:
        raise AssertionError(f"chromium did not run the image check (exit {proc.returncode}):"
                             f"\n{proc.stderr[-2000:]}")
    result = json.loads(found.group(1).replace("&quot;", '"'))
    return result["total"], result["broken"]


class RealFiles(ReportChecks):

    def setUp(self):
        path = os.environ.get("PRICEWAR_BIN", "")
        if not path:
            self.fail("PRICEWAR_BIN is not set: set it to the pricewar executable, e.g. "
                      "PRICEWAR_BIN=build/pricewar")
        path = os.path.abspath(path)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            self.fail(f"PRICEWAR_BIN={path} is not an executable file")
        self.bin = path
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def pricewar(self, *args):
        proc = subprocess.run([self.bin, *args], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=TIMEOUT)
        self.assertEqual(proc.returncode, 0,
                         f"pricewar {' '.join(args)} exited {proc.returncode}\n"
                         f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc

    def test_run(self):
        out = os.path.join(self.tmp.name, "run.h5")
        self.pricewar("run", os.path.join("scenarios", "default.toml"), "-o", out,
                      "--turns", "20")
        self.assertEqual(io.file_format(out), io.FORMAT_RUN)
        run = io.load_run(out)
        self.assertEqual(run.turns, 20)
        self.assertIn(len(run.market), (20, 21))
        self.assertGreater(len(run.vendors), 0)
        self.assertGreater(len(run.offers), 0)
        self.assertTrue(set(run.vendors["kind"]) <= {"cloud", "startup", "foreign"})
        exit_turn = run.vendor_summary["exit_turn"]
        self.assertTrue(((exit_turn == -1) | ((exit_turn >= 0) & (exit_turn <= 20))).all())
        share = run.vendor_summary["final_share"]
        self.assertTrue(((share >= -1e-12) & (share <= 1 + 1e-12)).all())
        self.assertLessEqual(float(share.sum()), 1 + 1e-9)
        self.check_cash_identity(run)

        outdir = os.path.join(self.tmp.name, "run_report")
        code, _, err = run_report(out, "-o", outdir)
        self.assertEqual(code, 0, err)
        page = self.assert_figures(outdir, ["prices.png", "shares.png", "jevons.png", "cash.png",
                                            "utilisation.png", "market.png"])
        # The fixed-weight price index starts at 1, and the page has its elasticity table.
        self.assertEqual(float(run.market["price_index"].iloc[0]), 1.0)
        self.assertIn("Jevons: arc elasticities", page)
        self.assertIn("tokens_vs_price_index", page)

    def check_cash_identity(self, run):
        """Delta cash = revenue + cross-subsidy + funding - inference - GPU opex - fixed - capex."""
        needed = ("cash", "revenue", "cross_subsidy", "funding", "inference_cost", "gpu_opex",
                  "fixed_cost", "capex", "alive")
        vs = run.vendor_series
        if not all(c in vs for c in needed):
            self.fail(f"vendor series lacks some of {needed}")
        for vendor, sub in vs.groupby("vendor"):
            sub = sub.sort_values("turn")
            flows = (sub["revenue"] + sub["cross_subsidy"] + sub["funding"]
                     - sub["inference_cost"] - sub["gpu_opex"] - sub["fixed_cost"]
                     - sub["capex"]).to_numpy()
            cash = sub["cash"].to_numpy()
            alive = sub["alive"].to_numpy()
            both = alive[1:] & alive[:-1]
            scale = max(1.0, float(np.nanmax(np.abs(cash))))
            np.testing.assert_allclose(np.diff(cash)[both], flows[1:][both], rtol=0,
                                       atol=1e-6 * scale, err_msg=f"cash identity, {vendor}")

    def test_batch(self):
        out = os.path.join(self.tmp.name, "batch.h5")
        self.pricewar("batch", os.path.join("scenarios", "default.toml"), "-o", out,
                      "--replicates", "3", "--jobs", "2")
        sweep = io.load_sweep(out)
        self.assertEqual(len(sweep.runs), 3)
        self.assertEqual(sorted(sweep.runs["replicate"]), [0, 1, 2])
        self.assertEqual(sweep.runs["seed"].nunique(), 3)
        outdir = os.path.join(self.tmp.name, "batch_report")
        code, _, err = run_report(out, "-o", outdir)
        self.assertEqual(code, 0, err)
        page = self.assert_figures(outdir, ["km_vendors.png"])
        self.assertNotIn("km_kind.png", page)

    def test_sweep(self):
        toml = os.environ.get("PRICEWAR_SWEEP_TOML")
        if not toml:
            found = sorted(glob.glob(os.path.join(PROJECT_ROOT, "scenarios", "sweeps",
                                                  "*.toml")) +
                           glob.glob(os.path.join(PROJECT_ROOT, "scenarios", "*sweep*.toml")))
            if not found:
                self.fail("no sweep file: set PRICEWAR_SWEEP_TOML or add "
                          "scenarios/sweeps/*.toml")
            toml = found[0]
        out = os.path.join(self.tmp.name, "sweep.h5")
        self.pricewar("sweep", toml, "-o", out, "--jobs", "2")
        sweep = io.load_sweep(out)
        self.assertGreater(len(sweep.runs), 0)
        self.assertGreater(len(sweep.parameters), 0)
        for name in sweep.parameters:
            self.assertIn(name, sweep.runs.columns)
        self.assertEqual(sweep.status_counts["failed"], 0,
                         sweep.runs.loc[sweep.runs.status != 0, "error"].tolist())
        outdir = os.path.join(self.tmp.name, "sweep_report")
        code, _, err = run_report(out, "-o", outdir, "--n-boot", "200")
        self.assertEqual(code, 0, err)
        expected = ["km_vendors.png"]
        startups = sweep.vendor_summary[sweep.vendor_summary["kind"] == "startup"]
        if len(startups):
            expected.append("survival_by_vendor.png")
        if sweep.is_sobol:
            expected += [f"sobol_survival_of_{v}.png" for v in startups["vendor"].unique()]
        page = self.assert_figures(outdir, expected)
        self.assertNotIn("survival_vs_parameters.png", page)


    def test_small_sweep_report_seen_in_chromium(self):
        toml = os.path.join(self.tmp.name, "small.toml")
        with open(toml, "w", encoding="utf-8") as f:
            scenario = os.path.join(PROJECT_ROOT, "scenarios", "default.toml")
            f.write(SMALL_SWEEP.format(scenario=scenario.replace("\\", "/")))
        out = os.path.join(self.tmp.name, "small.h5")
        self.pricewar("sweep", toml, "-o", out, "--jobs", "2", "--series")
        outdir = os.path.join(self.tmp.name, "small_report")
        code, figures, err = report_figures(out, "-o", outdir)
        self.assertEqual(code, 0, err)
        page = self.assert_figures(outdir, ["km_vendors.png", "survival_by_vendor.png",
                                            "km_levels_premium2.png", "heatmap_premium2.png",
                                            "prim_premium2.png", "cox.png", "envelopes.png"])
        # display names (from the scenario) and dates (from its start_date), as in run reports
        self.assertIn("Scenario discovery (PRIM): where Premium Two survives", page)
        self.assertIn("Scenario discovery (CART): Premium Two", page)
        self.assertIn("turn 0 = 2024-04-29", page)
        sweep = io.load_sweep(out)
        names = sweep.vendors["display_name"].tolist()
        self.assertIn("Premium Two", names)
        self.assertEqual([t.split(" (n=")[0] for t in legend_texts(figures["km_vendors.png"])],
                         names)
        for name in ("km_vendors.png", "km_levels_premium2.png", "envelopes.png"):
            self.assertEqual(date_axes(figures[name]), figures[name].axes, name)
        self.assertIn("Premium Two", legend_texts(figures["survival_by_vendor.png"]))
        self.assertIn("Premium Two", legend_texts(figures["envelopes.png"]))
        self.assertIn("Survival regression (Cox proportional hazards)", page)
        self.assertIn("Proportional-hazards check", page)
        self.assertIn("Per-vendor survival and profit", page)
        # startups are never pooled: no pooled survival-vs-parameter or per-kind plot
        self.assertNotIn("survival_vs_parameters.png", page)
        self.assertNotIn("km_kind.png", page)
        self.assertNotIn("startup survival share", page)
        # the premium2 box is on its own cash, at the high levels where it survives
        self.assertRegex(page, r"vendors\.premium2\.cash &gt;= (1\.6e\+09|4e\+08)")

        total, broken = chromium_images(os.path.join(outdir, "index.html"))
        self.assertEqual(broken, [])
        self.assertEqual(total, len(re.findall(r"<img ", page)))
        self.assertGreaterEqual(total, 7)

        # the check fails on an image that does not load
        os.remove(os.path.join(outdir, "cox.png"))
        _, broken = chromium_images(os.path.join(outdir, "index.html"))
        self.assertEqual(broken, ["cox.png"])


if __name__ == "__main__":
    unittest.main()
