// The estimator on a linear moment function with known noise, where the estimate, its
// standard errors and the J statistic have closed forms computed here by hand.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "sim/estimation/smm.hpp"

namespace est = pricewar::estimation;

namespace {

// m_k(theta) in run s: (A theta + b)_k + sigma_k h_k[s], with h_k zero-mean, mutually
// orthogonal +-1 patterns over S = 4 runs (Hadamard columns): the runs' sample means are
// exactly A theta + b and their sample covariance is exactly diag(sigma_k^2 * 4/3).
constexpr std::size_t S = 4;
constexpr std::array<std::array<double, 2>, 3> A{{{1.0, 0.5}, {0.2, 2.0}, {1.0, 1.0}}};
constexpr std::array<double, 3> b{0.5, -1.0, 2.0};
constexpr std::array<double, 3> sigma{0.1, 0.2, 0.3};
constexpr std::array<std::array<double, S>, 3> h{{{1, 1, -1, -1}, {1, -1, 1, -1}, {1, -1, -1, 1}}};
constexpr std::array<double, 2> theta0{1.5, 0.7};
constexpr std::array<double, 3> delta{0.3, -0.4, 0.5};  // misspecification: the targets are off the model

double mean_moment(std::size_t k, const std::vector<double>& theta) {
    return A[k][0] * theta[0] + A[k][1] * theta[1] + b[k];
}

est::Problem linear_problem() {
    est::Problem p;
    p.parameters = {{"a", 0.0, 5.0, false, 3.0}, {"b", 0.1, 10.0, true, 2.0}};
    p.moments = {"m0", "m1", "m2"};
    for (std::size_t k = 0; k < 3; ++k)
        p.targets.push_back(mean_moment(k, {theta0[0], theta0[1]}) + delta[k]);
    p.weights = {1.0, 1.0, 1.0};
    p.runs = S;
    p.settings.global = est::GlobalAlgorithm::none;
    p.settings.local = est::LocalAlgorithm::bobyqa;
    p.settings.local_evals = 3000;
    p.settings.xtol_rel = 1e-13;
    p.settings.inverse_variance = true;
    p.settings.jacobian_step = 1e-4;
    return p;
}

struct Linear {
    int evaluations = 0;
    std::optional<est::Simulated> operator()(const std::vector<double>& theta, est::Stage) {
        ++evaluations;
        est::Simulated out;
        for (std::size_t s = 0; s < S; ++s)
            for (std::size_t k = 0; k < 3; ++k)
                out.values.push_back(mean_moment(k, theta) + sigma[k] * h[k][s]);
        out.seconds = 0.5;
        return out;
    }
};

bool same_bits(double x, double y) {
    return std::memcmp(&x, &y, sizeof x) == 0;
}

}  // namespace

TEST_CASE("linear moments: estimate, sandwich standard errors and J equal their closed forms") {
    const est::Problem problem = linear_problem();
    Linear model;
    const est::Estimate e = est::estimate(problem, std::ref(model));
    REQUIRE(e.complete);
    REQUIRE(e.identified);

    // W = diag(1 / Sigma_kk) with Sigma_kk = sigma_k^2 * 4 / 3 (the runs' sample variance).
    std::array<double, 3> w{};
    for (std::size_t k = 0; k < 3; ++k) {
        w[k] = 1.0 / (sigma[k] * sigma[k] * 4.0 / 3.0);
        CHECK(e.weights[k] == doctest::Approx(w[k]).epsilon(1e-12));
    }
    // N = A'WA, r = A'W(t - b), theta-hat = N^-1 r (2 x 2 by hand).
    double n00 = 0, n01 = 0, n11 = 0, r0 = 0, r1 = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        n00 += A[k][0] * w[k] * A[k][0];
        n01 += A[k][0] * w[k] * A[k][1];
        n11 += A[k][1] * w[k] * A[k][1];
        r0 += A[k][0] * w[k] * (problem.targets[k] - b[k]);
        r1 += A[k][1] * w[k] * (problem.targets[k] - b[k]);
    }
    const double det = n00 * n11 - n01 * n01;
    const double i00 = n11 / det, i01 = -n01 / det, i11 = n00 / det;
    const double t0 = i00 * r0 + i01 * r1, t1 = i01 * r0 + i11 * r1;
    CHECK(e.theta[0] == doctest::Approx(t0).epsilon(1e-7));
    CHECK(e.theta[1] == doctest::Approx(t1).epsilon(1e-7));

    // W = Sigma^-1, so Var = (1 + 1/S) (A'WA)^-1.
    const double factor = 1.0 + 1.0 / static_cast<double>(S);
    CHECK(e.se[0] == doctest::Approx(std::sqrt(factor * i00)).epsilon(1e-6));
    CHECK(e.se[1] == doctest::Approx(std::sqrt(factor * i11)).epsilon(1e-6));
    CHECK(e.covariance(0, 1) == doctest::Approx(factor * i01).epsilon(1e-6));
    // The second parameter is on a log scale: its interval is theta * exp(+-1.96 se / theta).
    CHECK(e.se_unit[1] == doctest::Approx(e.se[1] / e.theta[1]).epsilon(1e-9));
    CHECK(e.ci_high[1] == doctest::Approx(e.theta[1] * std::exp(1.96 * e.se[1] / e.theta[1])).epsilon(1e-9));
    CHECK(e.ci_low[0] == doctest::Approx(e.theta[0] - 1.96 * e.se[0]).epsilon(1e-12));

    // The Jacobian in the parameters' units is A.
    for (std::size_t k = 0; k < 3; ++k)
        for (std::size_t j = 0; j < 2; ++j)
            CHECK(e.jacobian(k, j) == doctest::Approx(A[k][j]).epsilon(1e-6));

    // Q at the estimate, its parts, and J = g' Omega^-1 g = Q / (1 + 1/S) with one degree of
    // freedom; p = P(chi2_1 > J) = erfc(sqrt(J / 2)).
    double q = 0.0;
    for (std::size_t k = 0; k < 3; ++k) {
        const double g = mean_moment(k, {t0, t1}) - problem.targets[k];
        CHECK(e.contributions[k] == doctest::Approx(w[k] * g * g).epsilon(1e-5));
        CHECK(e.means[k] == doctest::Approx(mean_moment(k, e.theta)).epsilon(1e-12));
        CHECK(e.sds[k] == doctest::Approx(sigma[k] * std::sqrt(4.0 / 3.0)).epsilon(1e-12));
        q += w[k] * g * g;
    }
    REQUIRE(q > 0.1);  // the misspecification is visible
    CHECK(e.objective == doctest::Approx(q).epsilon(1e-9));
    CHECK(e.j_df == 1);
    CHECK(e.j_statistic == doctest::Approx(q / factor).epsilon(1e-6));
    CHECK(e.j_pvalue == doctest::Approx(std::erfc(std::sqrt(q / factor / 2.0))).epsilon(1e-6));

    // The trace: the start first, each point once, the Jacobian's 2P points last.
    REQUIRE(e.trace.size() == static_cast<std::size_t>(model.evaluations));
    CHECK(e.trace.front().stage == est::Stage::start);
    CHECK(e.trace.front().theta[0] == 3.0);
    CHECK(e.trace.front().theta[1] == doctest::Approx(2.0).epsilon(1e-14));
    for (std::size_t i = e.trace.size() - 4; i < e.trace.size(); ++i)
        CHECK(e.trace[i].stage == est::Stage::jacobian);
    CHECK(e.stages[static_cast<std::size_t>(est::Stage::local)].ran);
    CHECK_FALSE(e.stages[static_cast<std::size_t>(est::Stage::global)].ran);
    CHECK(model.evaluations <= est::evaluation_budget(problem));
}

TEST_CASE("given weights: the sandwich differs from (1 + 1/S)(D'WD)^-1 and matches its closed form") {
    est::Problem problem = linear_problem();
    problem.settings.inverse_variance = false;
    problem.weights = {1.0, 4.0, 0.5};
    Linear model;
    const est::Estimate e = est::estimate(problem, std::ref(model));
    REQUIRE(e.identified);
    // Var = (1 + 1/S) N^-1 (A'W Sigma W A) N^-1, N = A'WA; by hand for the first parameter.
    const std::array<double, 3> w{1.0, 4.0, 0.5};
    double n00 = 0, n01 = 0, n11 = 0, m00 = 0, m01 = 0, m11 = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        const double var = sigma[k] * sigma[k] * 4.0 / 3.0;
        n00 += A[k][0] * w[k] * A[k][0];
        n01 += A[k][0] * w[k] * A[k][1];
        n11 += A[k][1] * w[k] * A[k][1];
        m00 += A[k][0] * w[k] * var * w[k] * A[k][0];
        m01 += A[k][0] * w[k] * var * w[k] * A[k][1];
        m11 += A[k][1] * w[k] * var * w[k] * A[k][1];
    }
    const double det = n00 * n11 - n01 * n01;
    const double i00 = n11 / det, i01 = -n01 / det;
    // (N^-1 M N^-1)_00
    const double v00 = i00 * (m00 * i00 + m01 * i01) + i01 * (m01 * i00 + m11 * i01);
    CHECK(e.se[0] == doctest::Approx(std::sqrt(1.25 * v00)).epsilon(1e-6));
    CHECK(e.weights[1] == 4.0);
    // J does not depend on the weighting's efficiency: with one over-identifying moment it is
    // g' V_g^+ g, still chi-squared(1).
    CHECK(e.j_df == 1);
    CHECK(e.j_statistic > 0.0);
}

TEST_CASE("a global stage is reproducible bit for bit with the same algorithm seed") {
    for (auto global : {est::GlobalAlgorithm::crs2, est::GlobalAlgorithm::isres, est::GlobalAlgorithm::esch}) {
        est::Problem problem = linear_problem();
        problem.settings.global = global;
        problem.settings.global_evals = 40;
        problem.settings.local_evals = 60;
        problem.settings.xtol_rel = 1e-6;
        Linear first, second;
        const auto a = est::estimate(problem, std::ref(first));
        const auto b = est::estimate(problem, std::ref(second));
        REQUIRE(a.trace.size() == b.trace.size());
        for (std::size_t i = 0; i < a.trace.size(); ++i)
            for (std::size_t j = 0; j < 2; ++j)
                CHECK(same_bits(a.trace[i].theta[j], b.trace[i].theta[j]));
        CHECK(a.stages[static_cast<std::size_t>(est::Stage::global)].calls >= 40);
        problem.settings.algorithm_seed = 99;
        Linear third;
        const auto c = est::estimate(problem, std::ref(third));
        bool differs = c.trace.size() != a.trace.size();
        for (std::size_t i = 1; !differs && i < a.trace.size(); ++i)
            differs = !same_bits(a.trace[i].theta[0], c.trace[i].theta[0]);
        CHECK(differs);
    }
}

TEST_CASE("interrupted: the estimation stops at once, keeping the evaluations done") {
    const est::Problem problem = linear_problem();
    int calls = 0;
    const auto e = est::estimate(problem, [&](const std::vector<double>& theta, est::Stage stage) {
        if (++calls > 5) return std::optional<est::Simulated>{};
        Linear l;
        return l(theta, stage);
    });
    CHECK_FALSE(e.complete);
    CHECK(e.trace.size() == 5);
    CHECK(calls == 6);
}

TEST_CASE("failures: a failing start point and a zero-variance moment are errors; failed points are avoided") {
    const est::Problem problem = linear_problem();
    CHECK_THROWS_AS(est::estimate(problem,
                                  [](const std::vector<double>&, est::Stage) {
                                      est::Simulated s;
                                      s.ok = false;
                                      s.error = "engine failure";
                                      return std::optional<est::Simulated>{s};
                                  }),
                    est::EstimationError);
    CHECK_THROWS_WITH_AS(est::estimate(problem,
                                       [](const std::vector<double>& theta, est::Stage) {
                                           est::Simulated s;
                                           for (std::size_t r = 0; r < S; ++r)
                                               for (std::size_t k = 0; k < 3; ++k)
                                                   s.values.push_back(mean_moment(k, theta));
                                           return std::optional<est::Simulated>{s};
                                       }),
                         doctest::Contains("moment 'm0' has zero variance"), est::EstimationError);

    // The model fails (or returns NaN) for a > 4: the optimiser still finds the estimate.
    Linear model;
    const auto e = est::estimate(problem, [&](const std::vector<double>& theta, est::Stage stage) {
        auto s = model(theta, stage);
        if (theta[0] > 3.2) s->values[1] = std::nan("");
        return s;
    });
    REQUIRE(std::any_of(e.trace.begin(), e.trace.end(), [](const est::TraceEntry& t) { return !t.ok; }));
    Linear plain;
    const auto reference = est::estimate(problem, std::ref(plain));
    CHECK(e.theta[0] == doctest::Approx(reference.theta[0]).epsilon(1e-6));
    for (const auto& t : e.trace)
        if (t.theta[0] > 3.2) {
            CHECK_FALSE(t.ok);
            CHECK(std::isinf(t.objective));
        }
}

TEST_CASE("chi-squared upper tail") {
    CHECK(est::chi_squared_upper(3.0, 2) == doctest::Approx(std::exp(-1.5)));
    CHECK(est::chi_squared_upper(3.841458820694124, 1) == doctest::Approx(0.05).epsilon(1e-9));
    CHECK(std::isnan(est::chi_squared_upper(1.0, 0)));
}
