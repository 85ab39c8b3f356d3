"""Sobol indices (Ishigami and linear test functions) and survival against parameters."""

import unittest

import numpy as np
import pandas as pd

from pricewar_analysis.sensitivity import (alive_at, run_survival_share, sobol_from_sweep,
                                           sobol_indices, sobol_matrices,
                                           survival_vs_parameter, wilson_interval)

# Ishigami function, a = 7, b = 0.1, inputs uniform on [-pi, pi]^3.
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def halton(n, dims, skip=1):
    """Halton low-discrepancy points in [0, 1)^dims (radical inverse in prime bases)."""
    primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29][:dims]
    index = np.arange(skip, n + skip)
    points = np.empty((n, dims))
    for d, base in enumerate(primes):
        fraction = np.ones(n)
        value = np.zeros(n)
        i = index.copy()
        while np.any(i > 0):
            fraction /= base
            value += fraction * (i % base)
            i //= base
        points[:, d] = value
    return points


def saltelli(func, a, b):
    """Outputs on A, B and A_B^i (A with column i from B)."""
    y_ab = []
    for i in range(a.shape[1]):
        mixed = a.copy()
        mixed[:, i] = b[:, i]
        y_ab.append(func(mixed))
    return func(a), func(b), np.array(y_ab)


class Ishigami(unittest.TestCase):

    def test_quasi_random_sample(self):
        n, k = 2048, 3
        x = halton(n, 2 * k) * 2 * np.pi - np.pi
        y_a, y_b, y_ab = saltelli(ishigami, x[:, :k], x[:, k:])
        result = sobol_indices(y_a, y_b, y_ab, n_boot=300, seed=1, names=["x1", "x2", "x3"])
        self.assertEqual(result.index.tolist(), ["x1", "x2", "x3"])
        np.testing.assert_allclose(result["S1"], ISHIGAMI_S1, atol=0.02)
        np.testing.assert_allclose(result["ST"], ISHIGAMI_ST, atol=0.02)
        self.assertEqual(result.attrs["N"], n)

    def test_random_sample_and_bootstrap_intervals(self):
        rng = np.random.default_rng(3)
        n, k = 4096, 3
        a = rng.uniform(-np.pi, np.pi, (n, k))
        b = rng.uniform(-np.pi, np.pi, (n, k))
        result = sobol_indices(*saltelli(ishigami, a, b), n_boot=1000, seed=0)
        np.testing.assert_allclose(result["S1"], ISHIGAMI_S1, atol=0.05)
        np.testing.assert_allclose(result["ST"], ISHIGAMI_ST, atol=0.05)
        for col, truth in (("S1", ISHIGAMI_S1), ("ST", ISHIGAMI_ST)):
            self.assertTrue(np.all(result[f"{col}_low"] <= result[col]))
            self.assertTrue(np.all(result[f"{col}_high"] >= result[col]))
            self.assertTrue(np.all(result[f"{col}_low"] <= truth), col)
            self.assertTrue(np.all(result[f"{col}_high"] >= truth), col)
            width = result[f"{col}_high"] - result[f"{col}_low"]
            self.assertTrue(np.all(width < 0.15), col)

    def test_bootstrap_is_reproducible(self):
        rng = np.random.default_rng(5)
        a, b = rng.uniform(-np.pi, np.pi, (2, 256, 3))
        first = sobol_indices(*saltelli(ishigami, a, b), n_boot=200, seed=9)
        second = sobol_indices(*saltelli(ishigami, a, b), n_boot=200, seed=9)
        pd.testing.assert_frame_equal(first, second)


class Linear(unittest.TestCase):

    def test_additive_model(self):
        # y = sum c_i x_i, x_i ~ U(0, 1) independent: S1_i = ST_i = c_i^2 / sum c^2.
        c = np.array([1.0, 2.0, 0.0, 3.0])
        truth = c ** 2 / np.sum(c ** 2)
        x = halton(4096, 8)
        result = sobol_indices(*saltelli(lambda m: m @ c, x[:, :4], x[:, 4:]), n_boot=0)
        np.testing.assert_allclose(result["S1"], truth, atol=0.01)
        np.testing.assert_allclose(result["ST"], truth, atol=0.01)
        self.assertTrue(result["S1_low"].isna().all())

    def test_shape_checks(self):
        with self.assertRaises(ValueError):
            sobol_indices(np.zeros(10), np.zeros(9), np.zeros((2, 10)))
        with self.assertRaises(ValueError):
            sobol_indices(np.zeros(10), np.zeros(10), np.zeros((2, 11)))
        with self.assertRaises(ValueError):
            sobol_indices(np.zeros(10), np.full(10, np.nan), np.zeros((2, 10)))

    def test_constant_output_gives_nan(self):
        result = sobol_indices(np.ones(8), np.ones(8), np.ones((2, 8)), n_boot=10)
        self.assertTrue(result["S1"].isna().all())


def sobol_runs(func, n, k, replicates, noise, rng):
    """A runs table laid out like a Sobol sweep: sobol_block, sobol_index, replicate."""
    a = rng.uniform(size=(n, k))
    b = rng.uniform(size=(n, k))
    rows = []
    for block in range(k + 2):
        for j in range(n):
            x = a[j] if block == 0 else b[j] if block == 1 else a[j].copy()
            if block >= 2:
                x[block - 2] = b[j, block - 2]
            for r in range(replicates):
                rows.append({"sobol_block": block, "sobol_index": j, "replicate": r,
                             "status": 0, "y": func(x) + noise[r]})
    runs = pd.DataFrame(rows)
    runs.insert(0, "run_id", np.arange(len(runs)))
    return runs, a, b


class SweepExtraction(unittest.TestCase):

    def setUp(self):
        self.rng = np.random.default_rng(17)
        self.func = lambda x: 3 * x[0] + x[1] ** 2
        # Noise that cancels over the two replicates: their mean equals the function.
        self.runs, self.a, self.b = sobol_runs(self.func, 64, 2, 2, [0.5, -0.5], self.rng)

    def test_mean_over_replicates_matches_direct(self):
        y_a, y_b, y_ab, keys = sobol_matrices(self.runs, "y", ["p", "q"])
        direct = saltelli(lambda m: np.array([self.func(r) for r in m]), self.a, self.b)
        np.testing.assert_allclose(y_a, direct[0])
        np.testing.assert_allclose(y_b, direct[1])
        np.testing.assert_allclose(y_ab, direct[2])
        self.assertEqual(keys, list(range(64)))
        result = sobol_from_sweep(self.runs, "y", ["p", "q"], n_boot=50)
        expected = sobol_indices(*direct, n_boot=50, names=["p", "q"])
        pd.testing.assert_frame_equal(result, expected)

    def test_separate_replicates(self):
        y_a, _, y_ab, keys = sobol_matrices(self.runs, "y", ["p", "q"], replicates="separate")
        self.assertEqual(len(y_a), 128)
        self.assertEqual(y_ab.shape, (2, 128))
        self.assertEqual(keys[:2], [(0, 0), (0, 1)])

    def test_failed_runs_drop_incomplete_rows(self):
        runs = self.runs.copy()
        # Row 5 loses one replicate in block 2 (mean of the other remains);
        # row 9 loses both replicates in block 3 (the whole row is dropped).
        runs.loc[(runs.sobol_block == 2) & (runs.sobol_index == 5) & (runs.replicate == 0),
                 "status"] = 1
        runs.loc[(runs.sobol_block == 3) & (runs.sobol_index == 9), "status"] = 1
        y_a, _, y_ab, keys = sobol_matrices(runs, "y", ["p", "q"])
        self.assertNotIn(9, keys)
        self.assertIn(5, keys)
        self.assertEqual(len(y_a), 63)
        row5 = keys.index(5)
        x = self.a[5].copy()
        x[0] = self.b[5, 0]
        self.assertAlmostEqual(y_ab[0, row5], self.func(x) - 0.5)   # replicate 1 only

    def test_output_as_series_by_run_id(self):
        series = pd.Series(self.runs["y"].to_numpy(), index=self.runs["run_id"])
        y_a, _, _, _ = sobol_matrices(self.runs, series, ["p", "q"])
        y_a2, _, _, _ = sobol_matrices(self.runs, "y", ["p", "q"])
        np.testing.assert_allclose(y_a, y_a2)

    def test_not_sobol(self):
        with self.assertRaises(ValueError):
            sobol_matrices(self.runs.drop(columns="sobol_block"), "y", ["p", "q"])
        with self.assertRaises(ValueError):
            sobol_matrices(self.runs, "y", ["p"])   # block 3 does not fit one parameter


class SurvivalVsParameter(unittest.TestCase):

    def test_wilson_known_values(self):
        lo, hi = wilson_interval(0, 10)
        self.assertAlmostEqual(float(lo), 0.0)
        self.assertAlmostEqual(float(hi), 0.2775, places=4)     # z^2 / (n + z^2)
        lo, hi = wilson_interval(5, 10)
        self.assertAlmostEqual(float(lo), 0.2366, places=4)
        self.assertAlmostEqual(float(hi), 0.7634, places=4)
        lo, hi = wilson_interval(10, 10)
        self.assertAlmostEqual(float(hi), 1.0)
        self.assertAlmostEqual(float(lo), 1 - 0.2775, places=4)

    def grid_frame(self):
        # parameter level g has 10 startup-runs of which g survive to the horizon;
        # a cloud vendor and an absent startup must be ignored.
        rows = []
        for level in (1, 4, 7):
            for i in range(10):
                rows.append({"run_id": level * 100 + i, "vendor": "s", "kind": "startup",
                             "turns": 50, "p": level,
                             "exit_turn": -1 if i < level else 10 + i})
                rows.append({"run_id": level * 100 + i, "vendor": "c", "kind": "cloud",
                             "turns": 50, "p": level, "exit_turn": 3})
                rows.append({"run_id": level * 100 + i, "vendor": "y", "kind": "startup",
                             "turns": 50, "p": level, "exit_turn": -2})
        return pd.DataFrame(rows)

    def test_grid_levels(self):
        out = survival_vs_parameter(self.grid_frame(), "p")
        self.assertEqual(out["label"].tolist(), ["1", "4", "7"])
        self.assertEqual(out["n"].tolist(), [10, 10, 10])
        np.testing.assert_allclose(out["share"], [0.1, 0.4, 0.7])
        lo, hi = wilson_interval(np.array([1, 4, 7]), np.array([10, 10, 10]))
        np.testing.assert_allclose(out["ci_low"], lo)
        np.testing.assert_allclose(out["ci_high"], hi)

    def test_turn(self):
        # exits happen at turns 10 + i; at turn 12, exits at 10, 11, 12 have happened.
        df = self.grid_frame()
        out = survival_vs_parameter(df, "p", turn=12)
        exits = df[(df.kind == "startup") & (df.exit_turn >= 0)]
        expected = [1 - ((exits.p == lvl) & (exits.exit_turn <= 12)).sum() / 10
                    for lvl in (1, 4, 7)]
        np.testing.assert_allclose(out["share"], expected)
        with self.assertRaises(ValueError):
            survival_vs_parameter(df, "p", turn=51)
        share = run_survival_share(df, turn=None)
        self.assertAlmostEqual(share.mean(), 0.4)
        self.assertAlmostEqual(alive_at(df[df.kind == "cloud"], 2).mean(), 1.0)

    def test_quantile_bins(self):
        values = np.arange(100, dtype=float)
        df = pd.DataFrame({"run_id": np.arange(100), "kind": "startup", "turns": 10,
                           "x": values, "exit_turn": np.where(values >= 50, -1, 4)})
        out = survival_vs_parameter(df, "x")
        self.assertEqual(len(out), 5)
        self.assertEqual(out["n"].tolist(), [20] * 5)
        np.testing.assert_allclose(out["share"], [0, 0, 0.5, 1, 1])
        np.testing.assert_allclose(out["x"], [9.5, 29.5, 49.5, 69.5, 89.5])
        edges = survival_vs_parameter(df, "x", bins=[0, 49.5, 100])   # right-closed bins
        np.testing.assert_allclose(edges["share"], [0.0, 1.0])
        self.assertEqual(len(survival_vs_parameter(df, "x", bins=4)), 4)

    def test_categorical(self):
        df = pd.DataFrame({"kind": "startup", "turns": 10,
                           "strategy": ["follower", "premium", "follower", "premium"],
                           "exit_turn": [-1, 2, -1, -1]})
        out = survival_vs_parameter(df, "strategy")
        self.assertEqual(out["label"].tolist(), ["follower", "premium"])
        np.testing.assert_allclose(out["share"], [1.0, 0.5])
        with self.assertRaises(KeyError):
            survival_vs_parameter(df, "missing")


if __name__ == "__main__":
    unittest.main()
