"""Arc elasticities against the average price and the price index (pricewar_analysis.jevons)."""

import contextlib
import io as stdio
import math
import os
import tempfile
import unittest

import h5py
import numpy as np
import pandas as pd

from pricewar_analysis import jevons


def market(tokens, spend, avg, index):
    return {"total_tokens": np.asarray(tokens, float), "total_spend": np.asarray(spend, float),
            "avg_price": np.asarray(avg, float), "price_index": np.asarray(index, float)}


class ArcElasticities(unittest.TestCase):

    def test_constant_elasticity_demand_is_recovered(self):
        # Q = k P^-e with the same price in both measures: every elasticity is exact.
        e, k = 1.7, 50.0
        price = np.array([10.0, 6.0, 2.5])
        tokens = k * price ** -e
        m = market(tokens, price * tokens, price, price / price[0])
        for t1 in (1, 2):
            r = jevons.arc_elasticities(m, 0, t1)
            self.assertAlmostEqual(r["tokens_vs_avg_price"], -e, places=12)
            self.assertAlmostEqual(r["tokens_vs_price_index"], -e, places=12)
            self.assertAlmostEqual(r["spend_vs_avg_price"], 1 - e, places=12)
            self.assertAlmostEqual(r["spend_vs_price_index"], 1 - e, places=12)
            self.assertAlmostEqual(r["mix_share"], 0.0, places=12)
            self.assertAlmostEqual(r["avg_price_ratio"], price[t1] / price[0])
            self.assertAlmostEqual(r["tokens_ratio"], tokens[t1] / tokens[0])

    def test_pure_mix_shift(self):
        # Prices fixed (index 1), developers move to a cheaper offer: the average falls, the
        # whole fall is mix, the elasticity against the index is undefined.
        m = market([100, 130], [500, 390], [5.0, 3.0], [1.0, 1.0])
        r = jevons.arc_elasticities(m, 0, 1)
        self.assertEqual(r["mix_share"], 1.0)
        self.assertTrue(math.isnan(r["tokens_vs_price_index"]))
        self.assertTrue(math.isnan(r["spend_vs_price_index"]))
        self.assertAlmostEqual(r["tokens_vs_avg_price"], math.log(1.3) / math.log(0.6))

    def test_part_mix_part_price(self):
        # The average falls to a tenth, the index to a half: ln 2 / ln 10 of the fall is price.
        m = market([1, 8], [10, 4], [10.0, 1.0], [1.0, 0.5])
        r = jevons.arc_elasticities(m, 0, 1)
        self.assertAlmostEqual(r["mix_share"], 1 - math.log(2) / math.log(10))
        self.assertAlmostEqual(r["tokens_vs_price_index"], -3.0)
        self.assertAlmostEqual(r["tokens_vs_avg_price"], math.log(8) / math.log(0.1))
        self.assertAlmostEqual(r["spend_vs_price_index"], math.log(0.4) / math.log(0.5))

    def test_undefined_logs_give_nan_not_errors(self):
        m = market([0, 10], [0, 0], [np.nan, 1.0], [1.0, 0.0])
        r = jevons.arc_elasticities(m, 0, 1)
        for key in jevons.MEASURES:
            if key != "price_index_ratio":
                self.assertTrue(math.isnan(r[key]), key)
        self.assertEqual(r["price_index_ratio"], 0.0)

    def test_reads_a_run_market_frame_by_turn(self):
        frame = pd.DataFrame(market([1, 2, 4], [5, 6, 7], [5, 3, 1.75], [1, 0.8, 0.7]),
                             index=pd.Index([0, 1, 2], name="turn"))
        table = jevons.elasticity_table(frame, [(0, 1), (0, 2)])
        self.assertEqual(list(table.columns[:2]), ["from", "to"])
        self.assertEqual(table["to"].tolist(), [1, 2])
        self.assertAlmostEqual(table["tokens_vs_price_index"].iloc[1],
                               math.log(4) / math.log(0.7))

    def test_missing_price_index_is_named(self):
        m = market([1, 2], [1, 2], [1, 0.5], [1, 0.5])
        del m["price_index"]
        with self.assertRaisesRegex(KeyError, "price_index"):
            jevons.arc_elasticities(m, 0, 1)

    def test_default_pairs(self):
        self.assertEqual(jevons.default_pairs(104), [(0, 52), (0, 103)])
        self.assertEqual(jevons.default_pairs(2), [(0, 1)])
        self.assertEqual(jevons.default_pairs(1), [])


class Batch(unittest.TestCase):
    """Mean and standard error over the runs of a batch file written with --series."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "batch.h5")
        rng = np.random.default_rng(3)
        runs, turns = 6, 5
        self.e = rng.uniform(1.0, 2.0, runs)        # each run its own elasticity
        price = np.linspace(10, 2, turns)
        index = price / price[0]
        avg = price * np.linspace(1, 0.5, turns)    # half of the last turn's average is mix
        tokens = 100 * index[None, :] ** -self.e[:, None]
        with h5py.File(self.path, "w") as f:
            f.attrs["format"] = "pricewar-sweep"
            f.create_dataset("design/run_id", data=np.arange(runs, dtype=np.int64))
            status = np.zeros(runs, dtype=np.int32)
            status[2] = 1                            # a failed run is left out
            f.create_dataset("runs/status", data=status)
            g = f.create_group("series/market")
            g.create_dataset("total_tokens", data=tokens)
            g.create_dataset("total_spend", data=tokens * avg[None, :])
            g.create_dataset("avg_price", data=np.tile(avg, (runs, 1)))
            g.create_dataset("price_index", data=np.tile(index, (runs, 1)))
        self.ok = np.delete(np.arange(runs), 2)
        self.turns = turns

    def test_mean_and_standard_error(self):
        table = jevons.batch_table(self.path, [(0, self.turns - 1)])
        row = table[table["measure"] == "tokens_vs_price_index"].iloc[0]
        want = -self.e[self.ok]
        self.assertEqual(row["runs"], len(want))
        self.assertAlmostEqual(row["mean"], want.mean(), places=12)
        self.assertAlmostEqual(row["se"], want.std(ddof=1) / math.sqrt(len(want)), places=12)
        mix = table[table["measure"] == "mix_share"].iloc[0]
        self.assertAlmostEqual(mix["mean"], 1 - math.log(0.2) / math.log(0.1), places=12)
        self.assertAlmostEqual(mix["se"], 0.0, places=12)

    def test_command_line(self):
        out = stdio.StringIO()
        with contextlib.redirect_stdout(out):
            code = jevons.main([self.path, "--turns", "0:2", "0:4"])
        self.assertEqual(code, 0)
        text = out.getvalue()
        self.assertIn("tokens_vs_price_index", text)
        self.assertIn("mix_share", text)
        err = stdio.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(jevons.main([self.path, "--turns", "0:9"]), 2)
            self.assertEqual(jevons.main([self.path, "--turns", "zero"]), 2)
        self.assertIn("outside the horizon", err.getvalue())


if __name__ == "__main__":
    unittest.main()
