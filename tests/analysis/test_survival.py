"""Kaplan-Meier, Greenwood, confidence bands, median and log-rank against known answers."""

import math
import unittest

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from pricewar_analysis import survival
from pricewar_analysis.survival import (kaplan_meier, logrank_test, median_survival,
                                        survival_table)

Z95 = 1.959963984540054

# Freireich et al. (1963) leukaemia remission times, the textbook example (Gehan 1965).
SIX_MP_TIME = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_EVENT = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PLACEBO_TIME = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def random_censored(rng, n, ties=True):
    event_time = rng.exponential(10.0, n)
    censor_time = rng.exponential(15.0, n)
    time = np.minimum(event_time, censor_time)
    if ties:
        time = np.ceil(time)
    return time, (event_time <= censor_time).astype(int)


class HandExample(unittest.TestCase):
    """Six subjects: times 1, 2, 2+, 3, 4+, 5."""

    def setUp(self):
        self.km = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])

    def test_steps(self):
        np.testing.assert_array_equal(self.km.time, [1, 2, 3, 5])
        np.testing.assert_array_equal(self.km.n_risk, [6, 5, 3, 1])
        np.testing.assert_array_equal(self.km.n_events, [1, 1, 1, 1])
        np.testing.assert_allclose(self.km.survival, [5 / 6, 2 / 3, 4 / 9, 0.0])

    def test_greenwood(self):
        # Var S(3) = (4/9)^2 (1/(6*5) + 1/(5*4) + 1/(3*2)) = (16/81)(1/4) -> SE = 2/9
        self.assertAlmostEqual(self.km.se[2], 2 / 9, places=12)
        self.assertAlmostEqual(self.km.se[0], (5 / 6) * math.sqrt(1 / 30), places=12)
        self.assertTrue(math.isnan(self.km.se[3]))   # S = 0: Greenwood undefined

    def test_log_log_band(self):
        s, se = 4 / 9, 2 / 9
        theta = se / (s * abs(math.log(s)))
        self.assertAlmostEqual(self.km.ci_lower[2], s ** math.exp(Z95 * theta), places=10)
        self.assertAlmostEqual(self.km.ci_upper[2], s ** math.exp(-Z95 * theta), places=10)
        self.assertTrue(np.all(self.km.ci_lower <= self.km.survival))
        self.assertTrue(np.all(self.km.ci_upper >= self.km.survival))

    def test_plain_band(self):
        km = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1], conf_type="plain")
        self.assertAlmostEqual(km.ci_lower[2], 4 / 9 - Z95 * 2 / 9, places=10)
        self.assertAlmostEqual(km.ci_upper[2], 4 / 9 + Z95 * 2 / 9, places=10)

    def test_evaluation_and_median(self):
        np.testing.assert_allclose(self.km.survival_at([0, 0.99, 1, 2.5, 4.9, 5, 100]),
                                   [1, 1, 5 / 6, 2 / 3, 4 / 9, 0, 0])
        self.assertEqual(self.km.median(), 3.0)
        self.assertEqual(median_survival([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1]), 3.0)

    def test_median_exactly_one_half(self):
        km = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])   # S(2) = 0.5
        self.assertEqual(km.median(), 2.0)

    def test_median_not_reached(self):
        km = kaplan_meier([3, 5, 5, 5, 5], [1, 0, 0, 0, 0])
        self.assertIsNone(km.median())
        self.assertIsNone(median_survival(km))

    def test_all_censored(self):
        km = kaplan_meier([4, 4, 4], [0, 0, 0])
        self.assertEqual(len(km.time), 0)
        self.assertEqual(km.survival_at(10), 1.0)
        self.assertIsNone(km.median())

    def test_bad_input(self):
        with self.assertRaises(ValueError):
            kaplan_meier([1, 2], [1])
        with self.assertRaises(ValueError):
            kaplan_meier([1, -2], [1, 1])
        with self.assertRaises(ValueError):
            kaplan_meier([1, 2], [1, 2])
        with self.assertRaises(ValueError):
            kaplan_meier([1, 2], [1, 1], conf_type="arcsine")


class PublishedLeukaemia(unittest.TestCase):
    """6-MP arm: KM, Greenwood SE and log-log limits as printed by R's survfit."""

    def test_km_table(self):
        km = kaplan_meier(SIX_MP_TIME, SIX_MP_EVENT)
        np.testing.assert_array_equal(km.time, [6, 7, 10, 13, 16, 22, 23])
        np.testing.assert_array_equal(km.n_risk, [21, 17, 15, 12, 11, 7, 6])
        np.testing.assert_allclose(km.survival, [0.857, 0.807, 0.753, 0.690, 0.627, 0.538,
                                                 0.448], atol=5e-4)
        np.testing.assert_allclose(km.se, [0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282,
                                           0.1346], atol=5e-5)
        np.testing.assert_allclose(km.ci_lower, [0.620, 0.563, 0.503, 0.432, 0.368, 0.268,
                                                 0.188], atol=5e-4)
        np.testing.assert_allclose(km.ci_upper, [0.952, 0.923, 0.889, 0.849, 0.805, 0.747,
                                                 0.680], atol=5e-4)
        self.assertEqual(km.median(), 23.0)

    def test_logrank(self):
        result = logrank_test(SIX_MP_TIME + PLACEBO_TIME, SIX_MP_EVENT + [1] * 21,
                              ["6-MP"] * 21 + ["placebo"] * 21)
        self.assertEqual(result.df, 1)
        self.assertAlmostEqual(result.statistic, 16.79, places=2)
        self.assertAlmostEqual(result.p_value, 4.17e-5, delta=5e-7)
        np.testing.assert_allclose(result.observed, [9, 21])
        np.testing.assert_allclose(result.expected, [19.25, 10.75], atol=5e-3)


class AgainstStatsmodels(unittest.TestCase):

    def test_survival_se_and_bands(self):
        rng = np.random.default_rng(2024)
        for trial in range(20):
            time, event = random_censored(rng, int(rng.integers(5, 300)), ties=trial % 2 == 0)
            if event.sum() == 0:
                continue
            ours = kaplan_meier(time, event)
            ref = SurvfuncRight(time, event)
            np.testing.assert_allclose(ours.time, ref.surv_times)
            np.testing.assert_allclose(ours.n_risk, ref.n_risk)
            np.testing.assert_allclose(ours.n_events, ref.n_events)
            np.testing.assert_allclose(ours.survival, ref.surv_prob, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(ours.se, ref.surv_prob_se, rtol=1e-10, equal_nan=True)
            # Pointwise log-log (and plain) bands built from statsmodels' S and SE.
            s, se = ref.surv_prob, ref.surv_prob_se
            ok = np.isfinite(se) & (s > 0) & (s < 1)
            theta = se[ok] / (s[ok] * np.abs(np.log(s[ok])))
            np.testing.assert_allclose(ours.ci_lower[ok], s[ok] ** np.exp(Z95 * theta),
                                       rtol=1e-10)
            np.testing.assert_allclose(ours.ci_upper[ok], s[ok] ** np.exp(-Z95 * theta),
                                       rtol=1e-10)
            plain = kaplan_meier(time, event, conf_type="plain")
            np.testing.assert_allclose(plain.ci_lower[ok],
                                       np.clip(s[ok] - Z95 * se[ok], 0, 1), rtol=1e-10)
            np.testing.assert_allclose(plain.ci_upper[ok],
                                       np.clip(s[ok] + Z95 * se[ok], 0, 1), rtol=1e-10)

    def test_median(self):
        # Continuous times: S never sits exactly at 0.5, where the two conventions differ.
        rng = np.random.default_rng(7)
        for _ in range(20):
            time, event = random_censored(rng, 80, ties=False)
            ref = SurvfuncRight(time, event).quantile(0.5)
            ours = kaplan_meier(time, event).median()
            if np.isnan(ref):
                self.assertIsNone(ours)
            else:
                self.assertAlmostEqual(ours, ref)

    def test_logrank_two_and_three_groups(self):
        rng = np.random.default_rng(11)
        for n_groups in (2, 3, 4):
            for _ in range(5):
                n = 150
                group = rng.integers(0, n_groups, n)
                event_time = rng.exponential(10.0 * (1 + 0.3 * group))
                censor_time = rng.exponential(20.0, n)
                time = np.ceil(np.minimum(event_time, censor_time))
                event = (event_time <= censor_time).astype(int)
                ours = logrank_test(time, event, group)
                chisq, p_value = survdiff(time, event, group)
                self.assertEqual(ours.df, n_groups - 1)
                self.assertAlmostEqual(ours.statistic, chisq, places=9)
                self.assertAlmostEqual(ours.p_value, p_value, places=12)
                np.testing.assert_allclose(ours.observed.sum(), ours.expected.sum())

    def test_logrank_needs_two_groups(self):
        with self.assertRaises(ValueError):
            logrank_test([1, 2, 3], [1, 1, 1], ["a", "a", "a"])

    def test_chi2_tail(self):
        from scipy.stats import chi2
        for df in (1, 2, 3, 7):
            for x in (0.01, 0.5, 1.0, 3.84, 10.0, 40.0):
                self.assertAlmostEqual(survival._gamma_q(df / 2, x / 2), chi2.sf(x, df),
                                       places=12)


class SurvivalTable(unittest.TestCase):

    def test_durations_and_censoring(self):
        df = pd.DataFrame({
            "vendor": ["a", "b", "c", "d", "e", "f"],
            "kind": ["startup", "startup", "startup", "cloud", "startup", "startup"],
            "exit_turn": [5, -1, 0, 7, -2, 12],
            "turns": [20, 20, 20, 20, 20, 30],
            "scenario": ["x", "x", "y", "x", "x", "y"],
        })
        table = survival_table(df)
        self.assertEqual(table["vendor"].tolist(), ["a", "b", "c", "f"])
        self.assertEqual(table["duration"].tolist(), [5, 20, 0, 12])
        self.assertEqual(table["event"].tolist(), [1, 0, 1, 1])
        self.assertEqual(set(table["group"]), {"all"})
        everything = survival_table(df, group_by="kind", kinds=None)
        self.assertEqual(len(everything), 5)
        self.assertEqual(sorted(set(everything["group"])), ["cloud", "startup"])
        two = survival_table(df, group_by=["kind", "scenario"], kinds=None)
        self.assertIn("startup / y", set(two["group"]))
        curves = survival.km_by_group(survival_table(df, group_by="scenario"))
        self.assertEqual(sorted(curves), ["x", "y"])
        self.assertAlmostEqual(curves["x"].survival_at(10), 0.5)

    def test_horizon_argument(self):
        df = pd.DataFrame({"kind": ["startup"] * 2, "exit_turn": [-1, 3]})
        with self.assertRaises(ValueError):
            survival_table(df)
        table = survival_table(df, turns=52)
        self.assertEqual(table["duration"].tolist(), [52, 3])

    def test_logrank_table(self):
        df = pd.DataFrame({"kind": ["startup"] * 6, "exit_turn": [1, 2, 3, -1, -1, -1],
                           "turns": 10, "vendor": list("aaabbb")})
        table = survival_table(df, group_by="vendor")
        result = survival.logrank_table(table)
        self.assertIsNotNone(result)
        chisq, _ = survdiff(table["duration"].to_numpy(), table["event"].to_numpy(),
                            table["group"].to_numpy())
        self.assertAlmostEqual(result.statistic, chisq)
        self.assertIsNone(survival.logrank_table(survival_table(df)))


if __name__ == "__main__":
    unittest.main()
