#include "agents/learning/logit_market.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

using namespace pricewar::learning;

namespace {

double sum(const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) {
        s += x;
    }
    return s;
}

LogitMarket asymmetric_market() {
    LogitMarket m;
    m.quality = {2.2, 1.9, 2.0};
    m.cost = {1.1, 0.8, 1.0};
    m.outside_quality = 0.3;
    m.mu = 0.3;
    return m;
}

}  // namespace

TEST_CASE("logit shares follow the closed form and sum to one with the outside good") {
    const LogitMarket market = symmetric_logit_market(2);
    const std::vector<double> prices{1.5, 1.8};
    const std::vector<double> q = shares(market, prices);
    REQUIRE(q.size() == 2);
    const double e1 = std::exp((2.0 - 1.5) / 0.25);
    const double e2 = std::exp((2.0 - 1.8) / 0.25);
    const double denom = e1 + e2 + 1.0;
    CHECK(q[0] == doctest::Approx(e1 / denom).epsilon(1e-14));
    CHECK(q[1] == doctest::Approx(e2 / denom).epsilon(1e-14));
    CHECK(sum(q) + outside_share(market, prices) == doctest::Approx(1.0).epsilon(1e-15));

    const LogitMarket asym = asymmetric_market();
    const std::vector<double> p3{1.4, 1.3, 1.9};
    CHECK(sum(shares(asym, p3)) + outside_share(asym, p3) == doctest::Approx(1.0).epsilon(1e-15));

    const std::vector<double> pi = profits(market, prices);
    CHECK(pi[0] == doctest::Approx(0.5 * q[0]).epsilon(1e-14));
    CHECK(pi[1] == doctest::Approx(0.8 * q[1]).epsilon(1e-14));
    CHECK(joint_profit(market, prices) == doctest::Approx(pi[0] + pi[1]).epsilon(1e-14));
}

TEST_CASE("logit shares stay finite for extreme prices and tiny mu") {
    LogitMarket market = symmetric_logit_market(3);
    market.mu = 1e-3;
    const std::vector<double> prices{-500.0, 2.0, 900.0};
    const std::vector<double> q = shares(market, prices);
    for (double v : q) {
        CHECK(std::isfinite(v));
        CHECK(v >= 0.0);
    }
    CHECK(q[0] == doctest::Approx(1.0));
    CHECK(sum(q) + outside_share(market, prices) == doctest::Approx(1.0).epsilon(1e-15));
}

TEST_CASE("invalid markets and price vectors are rejected") {
    LogitMarket market = symmetric_logit_market(2);
    const std::vector<double> one_price{1.0};
    CHECK_THROWS_AS(shares(market, one_price), std::invalid_argument);
    const std::vector<double> nan_prices{1.0, std::nan("")};
    CHECK_THROWS_AS(shares(market, nan_prices), std::invalid_argument);
    market.mu = 0.0;
    CHECK_THROWS_AS(validate(market), std::invalid_argument);
    market.mu = 0.25;
    market.cost.push_back(1.0);
    CHECK_THROWS_AS(validate(market), std::invalid_argument);
    CHECK_THROWS_AS(bertrand_nash_prices(LogitMarket{}), std::invalid_argument);
    const std::vector<double> prices{1.5, 1.5};
    CHECK_THROWS_AS(best_response_price(symmetric_logit_market(2), 2, prices), std::invalid_argument);
}

TEST_CASE("Calvano et al. baseline: Bertrand-Nash and monopoly prices and profits") {
    const LogitMarket market = symmetric_logit_market(2, 2.0, 1.0, 0.0, 0.25);
    const std::vector<double> pn = bertrand_nash_prices(market);
    const std::vector<double> pm = monopoly_prices(market);
    REQUIRE(pn.size() == 2);
    REQUIRE(pm.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(std::abs(pn[i] - 1.47293) < 1e-4);
        CHECK(std::abs(pm[i] - 1.92498) < 1e-4);
    }
    const std::vector<double> pin = profits(market, pn);
    const std::vector<double> pim = profits(market, pm);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(std::abs(pin[i] - 0.22293) < 1e-4);
        CHECK(std::abs(pim[i] - 0.33749) < 1e-4);
        // At the Nash price p - c = mu / (1 - q).
        const double q = shares(market, pn)[i];
        CHECK(pn[i] - 1.0 == doctest::Approx(0.25 / (1.0 - q)).epsilon(1e-12));
    }
}

TEST_CASE("best response is a fixed point at the Nash equilibrium and maximises own profit") {
    for (const LogitMarket& market : {symmetric_logit_market(2), symmetric_logit_market(4), asymmetric_market()}) {
        const std::vector<double> pn = bertrand_nash_prices(market);
        for (std::size_t i = 0; i < pn.size(); ++i) {
            CHECK(std::abs(best_response_price(market, i, pn) - pn[i]) < 1e-11);
        }
    }

    const LogitMarket market = asymmetric_market();
    const std::vector<double> rivals{1.6, 1.2, 2.4};
    for (std::size_t i = 0; i < rivals.size(); ++i) {
        const double br = best_response_price(market, i, rivals);
        std::vector<double> p = rivals;
        p[i] = br;
        const double best = profits(market, p)[i];
        for (double d : {-1e-3, -1e-5, 1e-5, 1e-3, 0.2, -0.2}) {
            p[i] = br + d;
            CHECK(profits(market, p)[i] < best);
        }
        // First-order condition to high accuracy.
        p[i] = br;
        const double q = shares(market, p)[i];
        CHECK(br - market.cost[i] == doctest::Approx(market.mu / (1.0 - q)).epsilon(1e-12));
    }
}

TEST_CASE("monopoly prices maximise joint profit, also for asymmetric firms") {
    const LogitMarket market = asymmetric_market();
    const std::vector<double> pm = monopoly_prices(market);
    const double best = joint_profit(market, pm);
    // Uniform markup.
    CHECK(pm[0] - market.cost[0] == doctest::Approx(pm[1] - market.cost[1]).epsilon(1e-13));
    CHECK(pm[0] - market.cost[0] == doctest::Approx(pm[2] - market.cost[2]).epsilon(1e-13));
    // Joint first-order conditions by central differences, and no profitable deviation.
    const double h = 1e-6;
    for (std::size_t i = 0; i < pm.size(); ++i) {
        std::vector<double> up = pm;
        std::vector<double> down = pm;
        up[i] += h;
        down[i] -= h;
        CHECK(std::abs((joint_profit(market, up) - joint_profit(market, down)) / (2 * h)) < 1e-7);
        for (double d : {-0.05, 0.05}) {
            std::vector<double> p = pm;
            p[i] += d;
            CHECK(joint_profit(market, p) < best);
        }
    }
    std::vector<double> all_up = pm;
    for (double& p : all_up) {
        p += 0.01;
    }
    CHECK(joint_profit(market, all_up) < best);

    // Collusion pays: joint profit at monopoly prices exceeds that at Nash prices.
    CHECK(best > joint_profit(market, bertrand_nash_prices(market)));
}
