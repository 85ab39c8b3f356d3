"""Cox regression, the proportional-hazards check and Aalen-Johansen cumulative incidence."""

import unittest

import numpy as np
import pandas as pd

from pricewar_analysis import hazard


def exponential_data(seed, n=1500, beta=(0.7, -1.2, 0.0), base=0.1, censor_mean=15.0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.uniform(-1, 1, size=n),
                      "c": rng.normal(size=n)})
    rate = base * np.exp(X.to_numpy() @ np.asarray(beta))
    t = rng.exponential(1.0 / rate)
    c = rng.exponential(censor_mean, size=n)
    return X, np.minimum(t, c), (t <= c).astype(int)


class Cox(unittest.TestCase):

    def test_recovers_known_coefficients(self):
        beta = np.array([0.7, -1.2, 0.0])
        for seed in (1, 2):
            with self.subTest(seed=seed):
                X, d, e = exponential_data(seed, beta=beta)
                fit = hazard.cox(d, e, X)
                table = fit.table
                self.assertEqual(list(table.index), ["a", "b", "c"])
                true_hr = np.exp(beta)
                self.assertTrue(np.all(table["hr_low"] < true_hr), table)
                self.assertTrue(np.all(true_hr < table["hr_high"]), table)
                self.assertLess(table.loc["a", "p_value"], 1e-6)
                self.assertLess(table.loc["b", "p_value"], 1e-6)
                self.assertEqual(fit.events, int(e.sum()))
                self.assertEqual(fit.warnings, [])
                # proportional hazards hold: no rejection at 1 %
                self.assertGreater(fit.ph_global_p, 0.01)
                self.assertTrue((table["ph_p"] > 0.01).all(), table)

    def test_strata_do_not_bias_the_shared_coefficient(self):
        # two strata with baseline hazards 10x apart, same effect of a
        rng = np.random.default_rng(4)
        n = 1200
        a = rng.normal(size=n)
        stratum = rng.integers(0, 2, n)
        rate = np.where(stratum == 1, 1.0, 0.1) * np.exp(0.5 * a)
        t = rng.exponential(1 / rate)
        fit = hazard.cox(t, np.ones(n), pd.DataFrame({"a": a}), strata=stratum)
        self.assertLess(fit.table.loc["a", "hr_low"], np.exp(0.5))
        self.assertGreater(fit.table.loc["a", "hr_high"], np.exp(0.5))

    def test_ph_check_detects_time_varying_effect(self):
        rng = np.random.default_rng(3)
        n = 1000
        g = rng.integers(0, 2, n)
        # group 1: Weibull shape 3 (rising hazard), group 0: exponential (flat hazard)
        t = np.where(g == 1, 5 * rng.weibull(3, n), rng.exponential(5, n))
        fit = hazard.cox(t, np.ones(n), pd.DataFrame({"g": g}))
        self.assertLess(fit.table.loc["g", "ph_p"], 1e-6)
        self.assertLess(fit.ph_global_p, 1e-6)

    def test_separation_is_flagged(self):
        x = np.repeat([0.0, 1.0], 30)
        t = np.where(x == 1, np.arange(60) % 7 + 1.0, 50.0)
        e = (x == 1).astype(int)                 # only x = 1 exits
        fit = hazard.cox(t, e, pd.DataFrame({"x": x}))
        self.assertTrue(any("separation" in w for w in fit.warnings), fit.warnings)
        self.assertFalse(fit.reliable)

    def test_no_events(self):
        with self.assertRaises(ValueError):
            hazard.cox([1, 2, 3], [0, 0, 0], pd.DataFrame({"x": [1, 2, 3]}))


class SweepCox(unittest.TestCase):

    def test_per_vendor_and_pooled(self):
        rng = np.random.default_rng(8)
        rows = []
        for run in range(400):
            cash = rng.choice([0.5e9, 1e9, 2e9, 4e9])
            climate = rng.choice([0.5, 1.0, 1.5])
            for vendor, beta in (("alpha", -0.8), ("beta", 0.6)):
                rate = 0.02 * np.exp(beta * np.log2(cash / 1e9))
                t = rng.exponential(1 / rate)
                rows.append({"run_id": run, "vendor": vendor, "kind": "startup",
                             "exit_turn": int(t) if t < 100 else -1, "turns": 100,
                             "cash": cash, "climate": climate})
        rows.append({"run_id": 0, "vendor": "cloud", "kind": "cloud", "exit_turn": -1,
                     "turns": 100, "cash": 1e9, "climate": 1.0})
        vs = pd.DataFrame(rows)
        out = hazard.sweep_cox(vs, ["cash", "climate"])
        table = out["table"]
        self.assertEqual(set(table["model"]), {"pooled, strata = vendor", "alpha", "beta"})
        cash = table[table["covariate"] == "cash"].set_index("model")
        self.assertTrue((cash["unit"] == "per doubling").all())
        self.assertLess(cash.loc["alpha", "hr_low"], np.exp(-0.8))
        self.assertGreater(cash.loc["alpha", "hr_high"], np.exp(-0.8))
        self.assertLess(cash.loc["beta", "hr_low"], np.exp(0.6))
        self.assertGreater(cash.loc["beta", "hr_high"], np.exp(0.6))
        climate = table[table["covariate"] == "climate"].set_index("model")
        self.assertTrue(climate["unit"].str.startswith("per +").all())
        self.assertNotIn("cloud", set(table["model"]))


class CumulativeIncidence(unittest.TestCase):

    def test_hand_computed(self):
        # times 1 (cause a), 2 (censored), 3 (cause b), 3 (cause a), 4 (censored)
        ci = hazard.cumulative_incidence([1, 2, 3, 3, 4], ["a", "", "b", "a", ""])
        np.testing.assert_allclose(ci.time, [1, 3])
        np.testing.assert_allclose(ci.n_risk, [5, 3])
        # S before 3 = 4/5; at 3, 2 of 3 at risk exit: each cause gets 4/5 * 1/3
        np.testing.assert_allclose(ci.incidence["a"], [0.2, 0.2 + 0.8 / 3])
        np.testing.assert_allclose(ci.incidence["b"], [0.0, 0.8 / 3])
        np.testing.assert_allclose(ci.survival, [0.8, 0.8 / 3])
        self.assertAlmostEqual(ci.at("a", 2.5), 0.2)
        self.assertAlmostEqual(ci.at("a", 0.5), 0.0)

    def test_two_exponential_causes(self):
        # cause-specific hazards 0.2 and 0.1: F_k(t) = l_k / (l_1 + l_2) (1 - exp(-(l_1 + l_2) t))
        rng = np.random.default_rng(6)
        n = 4000
        l1, l2 = 0.2, 0.1
        t1, t2, c = rng.exponential(1 / l1, n), rng.exponential(1 / l2, n), rng.exponential(8, n)
        t = np.minimum(np.minimum(t1, t2), c)
        cause = np.where(t == c, "", np.where(t == t1, "bankrupt", "acquired"))
        ci = hazard.cumulative_incidence(t, cause)
        for when in (1.0, 3.0, 6.0):
            idx = np.searchsorted(ci.time, when, side="right") - 1
            for name, rate in (("bankrupt", l1), ("acquired", l2)):
                truth = rate / (l1 + l2) * (1 - np.exp(-(l1 + l2) * when))
                estimate, se = ci.incidence[name][idx], ci.se[name][idx]
                self.assertLess(abs(estimate - truth), 4 * se, (name, when, estimate, truth))
            # causes add up to one minus the all-cause Kaplan-Meier estimate
            self.assertAlmostEqual(ci.incidence["bankrupt"][idx] + ci.incidence["acquired"][idx],
                                   1 - ci.survival[idx])

    def test_matches_statsmodels(self):
        from statsmodels.duration.survfunc import CumIncidenceRight
        rng = np.random.default_rng(9)
        t = rng.integers(1, 30, 300).astype(float)         # many ties, as with turns
        status = rng.integers(0, 3, 300)
        ci = hazard.cumulative_incidence(t, np.where(status == 0, "", np.where(status == 1, "a", "b")))
        with np.errstate(all="ignore"):
            ref = CumIncidenceRight(t, status)
        idx = np.searchsorted(ref.times, ci.time)
        np.testing.assert_allclose(ci.incidence["a"], ref.cinc[0][idx], atol=1e-12)
        np.testing.assert_allclose(ci.incidence["b"], ref.cinc[1][idx], atol=1e-12)
        finite = np.isfinite(ref.cinc_se[0][idx])
        np.testing.assert_allclose(ci.se["a"][finite], ref.cinc_se[0][idx][finite], atol=1e-12)

    def test_exit_reasons_or_one_cause(self):
        vs = pd.DataFrame({"vendor": ["x"] * 4, "kind": "startup", "exit_turn": [3, -1, 5, 7],
                           "turns": 10})
        causes = hazard.exit_causes(vs)
        self.assertEqual(list(causes), ["exit", "", "exit", "exit"])
        vs["exit_reason"] = [b"cash", b"", b"acquired", b"cash"]
        self.assertEqual(list(hazard.exit_causes(vs)), ["cash", "", "acquired", "cash"])
        out = hazard.sweep_cumulative_incidence(vs)
        self.assertEqual(sorted(out["x"].incidence), ["acquired", "cash"])
        self.assertAlmostEqual(out["x"].at("cash", 10), 0.5)
        self.assertAlmostEqual(out["x"].at("acquired", 10), 0.25)
        # pricewar's integer codes (0 alive, 1 shutdown, 2 withdrawal)
        vs["exit_reason"] = np.array([1, 0, 2, 1], dtype=np.int32)
        self.assertEqual(list(hazard.exit_causes(vs)), ["shutdown", "", "withdrawal", "shutdown"])


if __name__ == "__main__":
    unittest.main()
