"""Scenario discovery: PRIM recovers a known box; CART leaves are boxes."""

import unittest

import numpy as np
import pandas as pd

from pricewar_analysis import discovery


def box_data(seed, n=2000, dims=5, noise=0.1):
    """y = 1 when x1 > 0.6 and x2 < 0.3, with a share `noise` of labels flipped."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.uniform(size=(n, dims)), columns=[f"x{i + 1}" for i in range(dims)])
    y = ((X["x1"] > 0.6) & (X["x2"] < 0.3)).to_numpy().astype(int)
    flip = rng.uniform(size=n) < noise
    y[flip] = 1 - y[flip]
    return X, y


class Prim(unittest.TestCase):

    def test_recovers_known_box(self):
        # threshold 0.87: between the density outside the box (0.1) and inside it (0.9)
        for seed in range(3):
            with self.subTest(seed=seed):
                X, y = box_data(seed)
                boxes = discovery.prim(X, y, threshold=0.87)
                self.assertEqual(len(boxes), 1)
                box = boxes[0]
                limits = box.limits
                self.assertEqual(sorted(box.restricted.index), ["x1", "x2"],
                                 box.describe())
                self.assertLess(abs(limits.loc["x1", "lower"] - 0.6), 0.05, box.describe())
                self.assertLess(abs(limits.loc["x2", "upper"] - 0.3), 0.05, box.describe())
                self.assertLess(abs(limits.loc["x1", "upper"] - 1.0), 0.05)
                self.assertLess(abs(limits.loc["x2", "lower"] - 0.0), 0.05)
                for name in ("x3", "x4", "x5"):
                    self.assertFalse(limits.loc[name, "restricted"], name)
                    self.assertTrue(np.isnan(limits.loc[name, "p_value"]))
                self.assertLess(limits.loc["x1", "p_value"], 1e-6)
                self.assertLess(limits.loc["x2", "p_value"], 1e-6)
                # coverage, density and mass agree with a recount
                inside = box.contains(X)
                self.assertAlmostEqual(box.mass, inside.mean())
                self.assertAlmostEqual(box.density, y[inside].mean())
                self.assertAlmostEqual(box.coverage, y[inside].sum() / y.sum())
                self.assertGreaterEqual(box.density, 0.85)

    def test_trajectory_trades_coverage_for_density(self):
        X, y = box_data(7)
        box = discovery.prim(X, y, threshold=0.87)[0]
        traj = box.trajectory
        self.assertAlmostEqual(traj["coverage"].iloc[0], 1.0)
        self.assertAlmostEqual(traj["mass"].iloc[0], 1.0)
        self.assertAlmostEqual(traj["density"].iloc[0], y.mean())
        self.assertTrue(np.all(np.diff(traj["mass"]) < 0))
        self.assertTrue(np.all(np.diff(traj["coverage"]) <= 1e-12))
        self.assertGreater(traj["density"].iloc[-1], 0.85)
        self.assertGreaterEqual(traj["mass"].min(), 0.05 - 1e-12)
        self.assertGreaterEqual(traj.loc[box.chosen_step, "density"], 0.87)

    def test_insignificant_restrictions_can_be_kept(self):
        # without the significance step, peeling may leave restrictions on noise; with it
        # every remaining restriction is significant
        X, y = box_data(3)
        box = discovery.prim(X, y, threshold=0.8, significance=0.01)[0]
        self.assertTrue((box.restricted["p_value"] <= 0.01).all())

    def test_second_box_by_covering(self):
        rng = np.random.default_rng(11)
        X = pd.DataFrame(rng.uniform(size=(3000, 3)), columns=["a", "b", "c"])
        y = ((X.a > 0.6) | ((X.a < 0.3) & (X.b < 0.3))).to_numpy()
        boxes = discovery.prim(X, y, threshold=0.9, max_boxes=3)
        self.assertGreaterEqual(len(boxes), 2)
        first, second = boxes[0], boxes[1]
        self.assertFalse((first.contains(X) & second.contains(X)).any())
        self.assertEqual(list(first.restricted.index), ["a"])
        self.assertLess(abs(first.limits.loc["a", "lower"] - 0.6), 0.05)
        self.assertEqual(sorted(second.restricted.index), ["a", "b"])
        self.assertLess(abs(second.limits.loc["a", "upper"] - 0.3), 0.05)
        self.assertLess(abs(second.limits.loc["b", "upper"] - 0.3), 0.05)
        table = discovery.boxes_table(boxes)
        self.assertEqual(list(table["box"]), list(range(1, len(boxes) + 1)))
        self.assertEqual(table["rule"].iloc[0], first.describe())

    def test_discrete_levels(self):
        # a factorial design: three levels per parameter, y = 1 only at the top level of p
        levels = [0.5, 1.0, 2.0]
        rows = [(p, q) for p in levels for q in levels for _ in range(10)]
        X = pd.DataFrame(rows, columns=["p", "q"])
        y = (X["p"] == 2.0).to_numpy()
        box = discovery.prim(X, y, threshold=0.9)[0]
        self.assertEqual(box.describe(), "p >= 2")
        self.assertAlmostEqual(box.coverage, 1.0)
        self.assertAlmostEqual(box.density, 1.0)

    def test_bad_input(self):
        X, y = box_data(0, n=50)
        with self.assertRaises(ValueError):
            discovery.prim(X, y[:-1])
        with self.assertRaises(ValueError):
            discovery.prim(X, y * 2)
        with self.assertRaises(ValueError):
            discovery.prim(X, y, threshold=0)
        self.assertEqual(discovery.prim(X, np.zeros(50)), [])


class Cart(unittest.TestCase):

    def test_leaves_are_boxes(self):
        X, y = box_data(5, noise=0.0)
        leaves = discovery.cart(X, y, max_depth=2)
        self.assertAlmostEqual(leaves["mass"].sum(), 1.0)
        self.assertAlmostEqual(leaves["coverage"].sum(), 1.0)
        top = leaves.iloc[0]
        self.assertEqual(top["predicted"], 1)
        self.assertAlmostEqual(top["density"], 1.0)
        self.assertEqual(sorted(top["lower"]), ["x1", "x2"])
        self.assertLess(abs(top["lower"]["x1"] - 0.6), 0.02)
        self.assertLess(abs(top["upper"]["x2"] - 0.3), 0.02)


if __name__ == "__main__":
    unittest.main()
