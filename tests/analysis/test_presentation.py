"""Display names, dates from start_date, the event lane, the palette and the repeated-game
page."""

import datetime
import itertools
import os
import tempfile
import unittest

import h5py
import numpy as np

import synthetic
from pricewar_analysis import plots, presentation
from test_report import ReportChecks, run_report

RESOLVED = """
name = "synthetic"
turns = 30
turn_days = 7
start_date = "2024-04-29"

[vendors.volcano]
name = "ByteDance (Volcano Engine)"
kind = "cloud"
[vendors.volcano.offers.doubao-lite]
name = "Doubao Lite"
[vendors.zhipu]
name = "Zhipu AI"
kind = "startup"
[vendors.baichuan]
name = "Baichuan"
kind = "startup"
[vendors.openai]
name = "OpenAI"
kind = "foreign"
"""


def srgb_to_lab(hex_colour, matrix):
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(matrix @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


# Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB
CVD = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


class Palette(unittest.TestCase):

    def test_twelve_vendors_distinct_and_grouped_by_kind(self):
        kinds = ["cloud"] * 5 + ["startup"] * 6 + ["foreign"]
        names = [f"v{i}" for i in range(12)]
        styles = presentation.vendor_styles(names, kinds)
        colours = [styles[n]["color"] for n in names]
        self.assertEqual(len(set(colours)), 12)
        for name, kind in zip(names, kinds):
            self.assertIn(styles[name]["color"], presentation.KIND_COLOURS[kind])
        for kind_name, matrix in CVD.items():
            labs = [srgb_to_lab(c, matrix) for c in colours]
            closest = min(np.linalg.norm(a - b) for a, b in itertools.combinations(labs, 2))
            self.assertGreater(closest, 8.5, kind_name)

    def test_more_vendors_of_a_kind_than_colours_change_line_style(self):
        styles = presentation.vendor_styles([f"s{i}" for i in range(8)], ["startup"] * 8)
        pairs = {(s["color"], s["ls"]) for s in styles.values()}
        self.assertEqual(len(pairs), 8)


class EventLane(unittest.TestCase):

    def test_rows_never_overlap(self):
        rng = np.random.default_rng(0)
        positions = np.sort(rng.uniform(0, 1, 60))
        positions[:14] = 0.01 * np.arange(14) / 13      # a burst, as in May 2024
        rows = presentation.lane_rows(positions, 0.022)
        for row in set(rows):
            xs = np.sort(positions[np.asarray(rows) == row])
            self.assertTrue(np.all(np.diff(xs) >= 0.022 - 1e-12))


class Dates(ReportChecks):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "run.h5")
        synthetic.write_run(self.path)

    def test_meta_from_resolved_toml(self):
        with h5py.File(self.path, "a") as f:
            f["scenario"].attrs["resolved"] = RESOLVED
        meta = presentation.scenario_meta(self.path)
        self.assertEqual(meta.start_date, datetime.date(2024, 4, 29))
        self.assertEqual(meta.vendor("volcano"), "ByteDance (Volcano Engine)")
        self.assertEqual(meta.offer("volcano.doubao-lite"),
                         "ByteDance (Volcano Engine): Doubao Lite")
        self.assertEqual(meta.vendor("unknown"), "unknown")
        # turn 2 of weekly turns from 29 April 2024 is 13 May 2024
        self.assertEqual(meta.date_of(2), datetime.datetime(2024, 5, 13))
        x = presentation.time_values(meta, [0, 1, 2])
        self.assertEqual(x[2], datetime.datetime(2024, 5, 13))

        from pricewar_analysis import io
        run = io.load_run(self.path)
        fig = plots.plot_prices(run, meta=meta)
        main_axes = fig.axes[0]
        labels = main_axes.get_legend().get_texts()
        self.assertIn("ByteDance (Volcano Engine): Doubao Lite", [t.get_text() for t in labels])
        lane = fig.axes[1]
        self.assertIn("2024-04-29", lane.get_xlabel())
        lo, hi = lane.get_xlim()   # matplotlib date numbers: days since 1970
        import matplotlib.dates as mdates
        self.assertLessEqual(mdates.num2date(lo).date(), datetime.date(2024, 4, 29))
        self.assertGreaterEqual(mdates.num2date(hi).date(), datetime.date(2024, 11, 18))

        outdir = os.path.join(self.tmp.name, "report")
        code, _, err = run_report(self.path, "-o", outdir)
        self.assertEqual(code, 0, err)
        page = self.assert_figures(outdir, ["prices.png", "cash.png", "market.png"])
        self.assertIn("Zhipu AI", page)
        self.assertIn("2024-06-03", page)          # event at turn 5 in the event table
        self.assertIn("turn 0 = 2024-04-29", page)

    def test_without_start_date_axes_show_turns(self):
        meta = presentation.scenario_meta(self.path)
        self.assertIsNone(meta.start_date)
        self.assertEqual(list(presentation.time_values(meta, [0, 3])), [0.0, 3.0])
        self.assertTrue(presentation.time_label(meta).startswith("turn"))

    def test_bad_start_date_is_an_error(self):
        with self.assertRaises(ValueError):
            presentation.meta_from_toml('start_date = "29 April"', where="x.h5")


class RepeatedGame(ReportChecks):

    def test_run_and_batch_pages(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "run.h5")
        synthetic.write_run(path)
        with h5py.File(path, "a") as f:
            market = f["summary/market"] if "summary/market" in f else \
                f.create_group("summary/market")
            for key, value in (("profit_gain", 0.65), ("converged", 1.0),
                               ("convergence_period", 1.7e6), ("cycle_length", 1.0),
                               ("mean_cycle_price", 1.68), ("nash_profit", 0.2229),
                               ("monopoly_profit", 0.3375)):
                if key in market:
                    del market[key]
                market[key] = value
        outdir = os.path.join(tmp.name, "report")
        code, _, err = run_report(path, "-o", outdir)
        self.assertEqual(code, 0, err)
        page = self.assert_figures(outdir, ["repeated_game.png"])
        self.assertIn("Profit gain Delta = 0.65", page)
        self.assertNotIn("prices.png", page)


if __name__ == "__main__":
    unittest.main()
