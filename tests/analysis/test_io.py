"""Loaders on synthetic run, sweep and batch files written with h5py."""

import os
import tempfile
import unittest

import h5py
import numpy as np

import synthetic
from pricewar_analysis import io
from pricewar_analysis.io import PricewarFormatError, load, load_run, load_sweep


class RunFile(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "run.h5")
        cls.data = synthetic.write_run(cls.path, turns=30, exit_turn=12)
        cls.data_run = load_run(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_tables(self):
        run = self.data_run
        self.assertEqual(run.turns, 30)
        self.assertEqual(run.attrs["format"], "pricewar-run")
        self.assertEqual(run.attrs["currency"], "CNY")
        self.assertEqual(run.vendors["name"].tolist(), synthetic.VENDORS)
        self.assertEqual(run.vendors["kind"].tolist(), synthetic.KINDS)  # fixed-length strings
        self.assertEqual(run.offers["name"].tolist(), synthetic.OFFERS)
        self.assertEqual(run.offers["vendor"].tolist(),
                         [synthetic.VENDORS[i] for i in synthetic.OFFER_VENDOR])
        self.assertEqual(run.offers["tier"].tolist(), synthetic.TIERS)
        self.assertTrue(run.scenario_toml.startswith("[market]"))
        self.assertEqual(run.units["series/offer/price"], "CNY/Mtok")
        self.assertIs(run["vendors"], run.vendors)

    def test_offer_series_long_form(self):
        series = self.data_run.offer_series
        self.assertEqual(len(series), 30 * len(synthetic.OFFERS))
        for col in ("turn", "offer", "vendor", "price", "price_in", "price_out", "unit_cost",
                    "tokens", "developers", "revenue"):
            self.assertIn(col, series.columns)
        row = series[(series.turn == 10) & (series.offer == "zhipu.glm-turbo")].iloc[0]
        self.assertEqual(row["vendor"], "zhipu")
        self.assertAlmostEqual(row["price"], self.data["offer"]["price"][10, 2])
        self.assertAlmostEqual(row["tokens"], self.data["offer"]["tokens"][10, 2])
        free = series[(series.offer == "volcano.doubao-lite") & (series.turn >= 8)]
        self.assertTrue((free["price"] == 0).all())

    def test_vendor_and_market_series(self):
        vs = self.data_run.vendor_series
        self.assertEqual(len(vs), 30 * 4)
        baichuan = vs[vs.vendor == "baichuan"].set_index("turn")
        self.assertTrue(baichuan.loc[11, "alive"])
        self.assertFalse(baichuan.loc[12, "alive"])
        self.assertEqual(baichuan.loc[0, "kind"], "startup")
        np.testing.assert_allclose(baichuan["cash"], self.data["vendor"]["cash"][:, 2])
        market = self.data_run.market
        self.assertEqual(market.index.name, "turn")
        self.assertEqual(market.index.tolist(), list(range(30)))
        np.testing.assert_allclose(market["total_tokens"], self.data["market"]["total_tokens"])
        np.testing.assert_allclose(
            self.data_run.offer_series.groupby("turn")["tokens"].sum(), market["total_tokens"])

    def test_summary_and_events(self):
        summary = self.data_run.vendor_summary.set_index("vendor")
        self.assertEqual(summary.loc["baichuan", "exit_turn"], 12)
        self.assertFalse(summary.loc["baichuan", "alive_at_horizon"])
        self.assertTrue(summary.loc["openai", "alive_at_horizon"])
        self.assertTrue((summary["turns"] == 30).all())
        events = self.data_run.events
        self.assertEqual(events["turn"].tolist(), [5, 8, 8, 12])      # sorted, stable
        self.assertEqual(events["offer"].tolist()[1:3],
                         ["volcano.doubao-lite", "volcano.doubao-pro"])
        self.assertEqual(events.iloc[3]["description"], "cash below zero, no funding round")

    def test_fixed_length_strings_and_no_events(self):
        path = os.path.join(self.tmp.name, "fixed.h5")
        synthetic.write_run(path, fixed_strings=True, events=False)
        run = load(path)
        self.assertIsInstance(run, io.RunData)
        self.assertEqual(run.offers["name"].tolist(), synthetic.OFFERS)
        self.assertTrue(all(isinstance(v, str) for v in run.offers["name"]))
        self.assertEqual(len(run.events), 0)
        self.assertIn("description", run.events.columns)

    def test_market_stored_as_column_vectors(self):
        path = os.path.join(self.tmp.name, "column.h5")
        synthetic.write_run(path)
        with h5py.File(path, "a") as f:
            data = f["series/market/hhi"][()]
            del f["series/market/hhi"]
            f["series/market/hhi"] = data[:, None]
        np.testing.assert_allclose(load_run(path).market["hhi"], data)

    def test_series_names_come_from_the_file(self):
        # Any table of /series/<group> or /summary/vendor becomes a column, in file order.
        path = os.path.join(self.tmp.name, "extra.h5")
        synthetic.write_run(path, turns=30)
        extra = np.arange(30 * 4, dtype=float).reshape(30, 4)
        with h5py.File(path, "a") as f:
            f["series/vendor/made_up_measure"] = extra
            f["summary/vendor/made_up_total"] = extra[-1]
            del f["series/market/hhi"]
            vendor_names = list(f["series/vendor"].keys())
            market_names = list(f["series/market"].keys())
        run = load_run(path)
        self.assertEqual(list(run.vendor_series.columns), ["turn", "vendor", "kind", *vendor_names])
        self.assertIn("made_up_measure", vendor_names)
        baichuan = run.vendor_series[run.vendor_series.vendor == "baichuan"]
        np.testing.assert_allclose(baichuan["made_up_measure"], extra[:, 2])
        self.assertEqual(list(run.market.columns), market_names)
        self.assertNotIn("hhi", run.market.columns)
        summary = run.vendor_summary.set_index("vendor")
        self.assertEqual(summary.loc["baichuan", "made_up_total"], extra[-1, 2])


class SweepFile(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "sweep.h5")
        cls.info = synthetic.write_sweep(cls.path, design="sobol", n=8, replicates=2,
                                         series=True)
        cls.sweep = load_sweep(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_runs_table(self):
        runs = self.sweep.runs
        n = self.info["n_runs"]
        self.assertEqual(n, (2 + 2) * 8 * 2)
        self.assertEqual(len(runs), n)
        self.assertEqual(self.sweep.parameters, synthetic.PARAMS)
        for col in ("run_id", "replicate", "seed", "scenario", "status", "error",
                    "wall_seconds", "turns", "final_hhi", "total_tokens", "sobol_block",
                    "sobol_index", *synthetic.PARAMS):
            self.assertIn(col, runs.columns)
        np.testing.assert_allclose(runs["vendors.baichuan.cash"], self.info["values"][:, 0])
        np.testing.assert_allclose(runs["final_hhi"], self.info["final_hhi"])
        self.assertEqual(runs.loc[3, "error"], "accounting identity violated at turn 17")
        self.assertEqual(self.sweep.status_counts,
                         {"ok": n - 2, "failed": 1, "not_run": 1, "total": n})
        self.assertTrue(self.sweep.is_sobol)
        self.assertEqual(self.sweep.turns, 40)
        self.assertEqual(self.sweep.market_columns, ["final_hhi", "total_tokens"])
        self.assertEqual(self.sweep.units["summary/market/total_tokens"], "Mtok")

    def test_vendor_summary(self):
        vs = self.sweep.vendor_summary
        self.assertNotIn(3, vs["run_id"].tolist())    # failed
        self.assertNotIn(5, vs["run_id"].tolist())    # not run
        self.assertFalse((vs["exit_turn"] == -2).any())
        yi = vs[vs.vendor == "yi"]
        self.assertTrue((yi["replicate"] == 0).all())   # absent in odd replicates
        expected_rows = sum(1 for i in range(self.info["n_runs"])
                            for j in range(len(synthetic.SWEEP_VENDORS))
                            if self.info["status"][i] == 0 and
                            self.info["exit_turn"][i, j] != -2)
        self.assertEqual(len(vs), expected_rows)
        row = vs[(vs.run_id == 7) & (vs.vendor == "baichuan")].iloc[0]
        self.assertEqual(row["exit_turn"], self.info["exit_turn"][7, 2])
        self.assertEqual(row["kind"], "startup")
        self.assertAlmostEqual(row["market.vc_climate"], self.info["values"][7, 1])
        self.assertEqual(row["turns"], 40)
        self.assertEqual(row["alive_at_horizon"], self.info["exit_turn"][7, 2] == -1)
        runs, vendor_summary = self.sweep          # unpacking
        self.assertIs(runs, self.sweep.runs)
        self.assertIs(vendor_summary, vs)

    def test_series_of_one_run(self):
        self.assertTrue(self.sweep.has_series)
        run = load_run(self.path, run=2)
        self.assertEqual(run.run_index, 2)
        self.assertEqual(run.vendors["name"].tolist(), synthetic.SWEEP_VENDORS)
        self.assertEqual(len(run.market), 40)
        self.assertEqual(run.vendor_summary["exit_turn"].tolist(),
                         [e for e in self.info["exit_turn"][2] if e != -2])
        with self.assertRaises(PricewarFormatError):
            load_run(self.path)
        with self.assertRaises(PricewarFormatError):
            load_run(self.path, run=10_000)

    def test_lhs_and_batch(self):
        lhs_path = os.path.join(self.tmp.name, "lhs.h5")
        synthetic.write_sweep(lhs_path, design="lhs", n=10, fixed_strings=True)
        lhs = load_sweep(lhs_path)
        self.assertFalse(lhs.is_sobol)
        self.assertEqual(lhs.vendors["name"].tolist(), synthetic.SWEEP_VENDORS)
        self.assertEqual(set(lhs.runs["scenario"]), {"default"})
        batch_path = os.path.join(self.tmp.name, "batch.h5")
        synthetic.write_sweep(batch_path, design="batch", replicates=4)
        batch = load(batch_path)
        self.assertIsInstance(batch, io.SweepData)
        self.assertEqual(batch.parameters, [])
        self.assertEqual(sorted(set(batch.runs["scenario"])), ["cold_vc", "default"])


    def test_display_names_and_calendar(self):
        # A file of format 1 has neither: ids stand for names, turns for dates.
        self.assertEqual(self.sweep.vendors["display_name"].tolist(), synthetic.SWEEP_VENDORS)
        self.assertEqual(self.sweep.offers["display_name"].tolist(), synthetic.OFFERS)
        self.assertIsNone(self.sweep.start_date)
        self.assertEqual(self.sweep.turn_days, 7.0)
        path = os.path.join(self.tmp.name, "labelled.h5")
        synthetic.write_sweep(path, design="lhs", n=6, series=True, labels=True,
                              fixed_strings=True)
        sweep = load_sweep(path)
        self.assertEqual(sweep.vendors["name"].tolist(), synthetic.SWEEP_VENDORS)
        self.assertEqual(sweep.vendors["display_name"].tolist(), synthetic.SWEEP_NAMES)
        self.assertEqual(sweep.offers["name"].tolist(), synthetic.OFFERS)
        self.assertEqual(sweep.offers["display_name"].tolist(), synthetic.OFFER_NAMES)
        self.assertEqual(sweep.offers["vendor"].tolist(),
                         [synthetic.VENDORS[i] for i in synthetic.OFFER_VENDOR])
        self.assertEqual(str(sweep.start_date), synthetic.START_DATE)
        # A run read from the file is labelled the same way, and its offers know their vendor.
        from pricewar_analysis import presentation
        run = load_run(path, run=1)
        meta = presentation.scenario_meta(run)
        self.assertEqual(meta.vendor("baichuan"), "Baichuan Intelligence")
        self.assertEqual(meta.offer("zhipu.glm-4"), "Zhipu AI: GLM-4")
        self.assertEqual(str(meta.start_date), synthetic.START_DATE)
        self.assertEqual(meta.date_of(2).date().isoformat(), "2024-05-13")
        self.assertEqual(run.offers["vendor"].tolist(),
                         [synthetic.VENDORS[i] for i in synthetic.OFFER_VENDOR])
        self.assertEqual(presentation.scenario_meta(sweep).vendor("yi"), "01.AI")
        # Dimension-scale-like coordinate variables are not series.
        with h5py.File(path, "a") as f:
            f["series/vendor"].create_dataset("vendor_name", data=np.array(
                synthetic.SWEEP_NAMES, dtype=object), dtype=synthetic.VLEN)
            f["series/market"].create_dataset("date", data=np.arange(40) * 7.0)
        run = load_run(path, run=1)
        self.assertNotIn("vendor_name", run.vendor_series.columns)
        self.assertNotIn("date", run.market.columns)

    def test_to_xarray_has_names_and_dates(self):
        path = os.path.join(self.tmp.name, "labelled-x.h5")
        synthetic.write_sweep(path, design="lhs", n=6, series=True, labels=True)
        ds = load_sweep(path).to_xarray(series=True)
        self.assertEqual(list(ds["vendor_name"].values), synthetic.SWEEP_NAMES)
        self.assertEqual(ds["vendor_name"].dims, ("vendor",))
        self.assertEqual(list(ds["offer_name"].values), synthetic.OFFER_NAMES)
        self.assertEqual(ds["date"].dims, ("turn",))
        self.assertEqual(str(ds["date"].values[0])[:10], "2024-04-29")
        self.assertEqual(str(ds["date"].values[3])[:10], "2024-05-20")
        self.assertIn("date", ds["cash"].coords)
        self.assertIn("vendor_name", ds["cash"].coords)
        plain = self.sweep.to_xarray(series=True)
        self.assertNotIn("date", plain.coords)
        self.assertEqual(list(plain["vendor_name"].values), synthetic.SWEEP_VENDORS)


class BadFiles(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_missing_file(self):
        with self.assertRaisesRegex(PricewarFormatError, "no such file"):
            io.file_format(os.path.join(self.tmp.name, "absent.h5"))

    def test_not_hdf5(self):
        path = os.path.join(self.tmp.name, "text.h5")
        with open(path, "w") as f:
            f.write("not hdf5\n")
        with self.assertRaisesRegex(PricewarFormatError, "not a readable HDF5"):
            load(path)

    def test_unknown_format(self):
        path = os.path.join(self.tmp.name, "other.h5")
        with h5py.File(path, "w") as f:
            f.attrs["format"] = "something-else"
        with self.assertRaisesRegex(PricewarFormatError, "unknown file type"):
            load(path)
        with h5py.File(path, "w") as f:
            f.create_group("x")
        with self.assertRaisesRegex(PricewarFormatError, "format"):
            load(path)

    def test_wrong_loader(self):
        run_path = os.path.join(self.tmp.name, "run.h5")
        synthetic.write_run(run_path)
        with self.assertRaises(PricewarFormatError):
            load_sweep(run_path)

    def test_parameter_listed_but_missing(self):
        path = os.path.join(self.tmp.name, "sweep.h5")
        synthetic.write_sweep(path, design="lhs", n=4)
        with h5py.File(path, "a") as f:
            f["design"].attrs["parameters"] = np.array(["market.nope"], dtype=object)
        with self.assertRaisesRegex(PricewarFormatError, "market.nope"):
            load_sweep(path)


if __name__ == "__main__":
    unittest.main()
