#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <utility>

#include "agents/agent_demand.hpp"
#include "sim/engine/engine.hpp"
#include "sim/model/rng.hpp"
#include "sim/model/series.hpp"
#include "tests/fixtures.hpp"

using namespace pricewar;
using pricewar::testing::offer;
using pricewar::testing::strategy;
using pricewar::testing::vendor;

namespace {

Scenario logit_duopoly(const StrategySpec& s, int turns) {
    return testing::logit_duopoly(s, s, turns);
}

double logit_share(double p_own, double p_other) {
    const double e1 = std::exp((2 - p_own) / 0.25), e2 = std::exp((2 - p_other) / 0.25);
    return e1 / (e1 + e2 + 1.0);
}

}  // namespace

TEST_CASE("mean-field mode gives exactly the logit demand of the algorithmic-pricing literature") {
    auto sc = logit_duopoly(strategy("static"), 3);
    sc.vendors[1].offers[0].price_in = sc.vendors[1].offers[0].price_out = 1.5;
    const auto r = run_scenario(sc, 1);
    const auto& tokens = r.offer_series[outputs::offer_index("tokens")];
    REQUIRE(tokens.name == "tokens");
    CHECK(tokens.at(2, 0) == doctest::Approx(logit_share(1.8, 1.5)).epsilon(1e-12));
    CHECK(tokens.at(2, 1) == doctest::Approx(logit_share(1.5, 1.8)).epsilon(1e-12));
}

TEST_CASE("best_response converges to the Bertrand-Nash price 1.47293 of the logit duopoly") {
    const auto r = run_scenario(logit_duopoly(strategy("best_response"), 40), 1);
    const auto& price = r.offer_series[outputs::offer_index("price")];
    MESSAGE("best-response prices at turn 39: " << price.at(39, 0) << ", " << price.at(39, 1));
    CHECK(price.at(39, 0) == doctest::Approx(1.47293).epsilon(1e-4 / 1.47293));
    CHECK(price.at(39, 1) == doctest::Approx(1.47293).epsilon(1e-4 / 1.47293));
}

TEST_CASE("joint-profit maximisation gives the monopoly price 1.92498") {
    const auto r = run_scenario(logit_duopoly(strategy("best_response", {{"objective", 1}}), 60), 1);
    const auto& price = r.offer_series[outputs::offer_index("price")];
    MESSAGE("joint-profit prices at turn 59: " << price.at(59, 0) << ", " << price.at(59, 1));
    CHECK(price.at(59, 0) == doctest::Approx(1.92498).epsilon(1e-4 / 1.92498));
    CHECK(price.at(59, 1) == doctest::Approx(1.92498).epsilon(1e-4 / 1.92498));
}

TEST_CASE("agent mode converges to mean-field shares as the population grows (error ~ 1/sqrt(N))") {
    auto make = [](DemandMode mode, std::int64_t n) {
        auto sc = logit_duopoly(strategy("static"), 12);
        sc.vendors[1].offers[0].price_in = sc.vendors[1].offers[0].price_out = 1.6;
        sc.developers.mode = mode;
        sc.developers.count = n;
        return sc;
    };
    const auto mf = run_scenario(make(DemandMode::mean_field, 1), 1);
    double previous = kInf;
    for (const std::int64_t n : {1000, 10000, 100000}) {
        double sq = 0;
        int cells = 0;
        for (std::uint64_t seed = 1; seed <= 4; ++seed) {
            const auto ag = run_scenario(make(DemandMode::agent, n), seed);
            for (std::size_t t = 1; t < 12; ++t)
                for (std::size_t o = 0; o < 2; ++o) {
                    const double share =
                        ag.offer_series[outputs::offer_index("developers")].at(t, o) / static_cast<double>(n);
                    const double diff = share - mf.offer_series[outputs::offer_index("developers")].at(t, o);
                    sq += diff * diff;
                    ++cells;
                }
        }
        const double rms = std::sqrt(sq / cells);
        const double binomial_sd = std::sqrt(0.35 * 0.65 / static_cast<double>(n));
        MESSAGE("N = " << n << ": RMS share error " << rms << ", binomial sd " << binomial_sd << ", ratio "
                       << rms / binomial_sd);
        CHECK(rms < 2.0 * binomial_sd);
        CHECK(rms < previous);
        previous = rms;
    }
}

TEST_CASE("a scenario where every offer uses q_learning runs as the Calvano et al. repeated game") {
    auto sc = logit_duopoly(strategy("q_learning"), 10);
    const auto r = run_scenario(sc, 12345);
    MESSAGE("profit gain " << r.market_summary_value("profit_gain") << ", converged after "
                           << r.market_summary_value("convergence_period") << " periods, cycle length "
                           << r.market_summary_value("cycle_length"));
    CHECK(r.market_summary_value("converged") == 1.0);
    for (const auto& t : r.offer_series)
        for (const double x : t.values)
            CHECK_MESSAGE(std::isfinite(x), t.name);  // the cycle fills every series
    CHECK(r.market_summary_value("nash_profit") == doctest::Approx(0.2229267).epsilon(1e-6));
    CHECK(r.market_summary_value("monopoly_profit") == doctest::Approx(0.3374905).epsilon(1e-6));
    const double gain = r.market_summary_value("profit_gain");
    CHECK(gain > -0.5);
    CHECK(gain < 1.2);
    // Mixing q_learning with a market strategy is rejected, naming the reason.
    sc.vendors[1].offers[0].strategy = strategy("static");
    CHECK_THROWS_WITH_AS(run_scenario(sc, 1), doctest::Contains("repeated-game"), std::invalid_argument);
}

TEST_CASE("UniformStream draws exactly the sequence of Rng::uniform, across its batches") {
    Rng rng(42, Stream::choice);
    UniformStream stream(42, Stream::choice);
    for (int i = 0; i < 3 * static_cast<int>(UniformStream::kBatch) + 7; ++i) {
        CAPTURE(i);
        REQUIRE(stream() == rng.uniform());
    }
}

TEST_CASE("agent mode: developers with an infinite value leave an offer taken off sale") {
    // The logit duopoly's developers can afford any price (value = +inf); offer one.m is
    // withdrawn at turn 3. Its developers must re-choose: none is left on it afterwards.
    auto sc = testing::logit_duopoly(testing::strategy("static"), testing::strategy("static"), 6);
    sc.developers.mode = DemandMode::agent;
    sc.developers.count = 400;
    Event w;
    w.turn = 3;
    w.kind = Event::Kind::withdraw;
    w.offer = 0;
    sc.events = {w};
    const auto r = run_scenario(sc, 1);
    const Table* developers = nullptr;
    for (const auto& t : r.offer_series)
        if (t.name == "developers") developers = &t;
    REQUIRE(developers != nullptr);
    CHECK(developers->at(2, 0) > 0.0);
    for (std::size_t t = 3; t < 6; ++t) {
        INFO("turn " << t);
        CHECK(developers->at(t, 0) == 0.0);
        CHECK(developers->at(t, 1) > 0.0);
    }
}

TEST_CASE("agent-mode forecasts: the vendor scope gives the vendor's offers exactly what the market scope gives") {
    // A vendor's objective reads only its own offers' forecasts, so the vendor scope skips
    // the rivals' (docs/model.md, "Forecasts"); the offers it keeps must not change.
    const auto sc = testing::small_market(3000, 4);
    AgentDemand demand(sc, 11);
    OfferBoard board;
    for (const auto& v : sc.vendors)
        for (const auto& o : v.offers) {
            board.price.push_back(0.5 * (o.price_in + o.price_out));
            board.quality.push_back(o.quality);
            board.free_quota.push_back(0.0);
            board.vendor.push_back(static_cast<int>(&v - sc.vendors.data()));
            board.available.push_back(1);
        }
    board.vendors = static_cast<int>(sc.vendors.size());
    board.vendor_rationed.assign(sc.vendors.size(), 0);
    board.outside_price = sc.market.outside.cost;
    board.outside_quality = sc.market.outside.quality;
    DemandTotals totals;
    totals.reset(board.price.size(), sc.vendors.size());
    demand.choose(0, board, totals);
    std::vector<DemandForecast> by_vendor, by_market;
    for (const double p : {0.5, 2.0, 8.0}) {
        demand.forecast(board, 0, p, ForecastScope::vendor, by_vendor);
        demand.forecast(board, 0, p, ForecastScope::market, by_market);
        INFO("price " << p);
        for (std::size_t o = 0; o < board.price.size(); ++o) {
            INFO("offer " << o);
            if (board.vendor[o] == board.vendor[0]) {
                CHECK(by_vendor[o].developers == by_market[o].developers);
                CHECK(by_vendor[o].tokens_mtok == by_market[o].tokens_mtok);
                CHECK(by_vendor[o].developers > 0.0);
            } else {
                CHECK(by_vendor[o].developers == 0.0);
                CHECK(by_market[o].developers > 0.0);
            }
        }
    }
    // The priced offer's forecast falls with its price; its sibling gains (substitutes).
    demand.forecast(board, 0, 0.5, ForecastScope::vendor, by_vendor);
    demand.forecast(board, 0, 8.0, ForecastScope::vendor, by_market);
    CHECK(by_vendor[0].developers > by_market[0].developers);
    CHECK(by_vendor[1].developers < by_market[1].developers);
}

TEST_CASE("peer_update: in order, a strong network term cascades round the ring within a turn; lagged, it waits") {
    // Every developer chooses at turn 0 between two identical offers (and self-hosting) on a
    // ring where each neighbour on a vendor adds 10 utils. In index order, developer 1 sees
    // developer 0's choice, developer 2 sees developer 1's, and so on: the whole ring follows
    // developer 0 within the turn. With last turn's choices nobody is on anything yet, so the
    // turn-0 choices are independent logit draws (docs/model.md, "Choice").
    auto make = [](PeerUpdate update) {
        auto sc = testing::logit_duopoly(strategy("static"), strategy("static"), 2);
        auto& d = sc.developers;
        d.mode = DemandMode::agent;
        d.count = 2000;
        d.network = "small_world";
        d.network_params = {{"k", 2.0}, {"rewire", 0.0}};
        d.network_weight = 5.0;  // gamma / mu / degree = 10 utils per neighbour
        d.reevaluate_prob = Distribution::constant(0.0);
        d.peer_update = update;
        return sc;
    };
    const double n = 2000.0;
    const double logit = std::exp(0.8) / (2.0 * std::exp(0.8) + 1.0);  // (2 - 1.8) / 0.25 against 0
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        INFO("seed " << seed);
        const auto in_order = run_scenario(make(PeerUpdate::sequential), seed);
        const auto lagged = run_scenario(make(PeerUpdate::lagged), seed);
        const auto& in_order_devs = in_order.offer_series[outputs::offer_index("developers")];
        const auto& lagged_devs = lagged.offer_series[outputs::offer_index("developers")];
        const double a = in_order_devs.at(0, 0) / n, b = in_order_devs.at(0, 1) / n;
        CHECK(std::max({a, b, 1.0 - a - b}) > 0.95);  // one option takes (nearly) the whole ring
        CHECK(lagged_devs.at(0, 0) / n == doctest::Approx(logit).epsilon(0.06 / logit));
        CHECK(lagged_devs.at(0, 1) / n == doctest::Approx(logit).epsilon(0.06 / logit));
    }
}

TEST_CASE("peer_update = lagged: the same run on one, two or three threads") {
    // 140,000 agents are nine chunks of the choice pass (agents/agent_demand.hpp): each chunk
    // draws from its own streams and adds its own sums, in chunk order, so the threads that
    // run the chunks cannot change a bit of the result.
    auto sc = testing::logit_duopoly(strategy("static"), strategy("static"), 6);
    auto& d = sc.developers;
    d.mode = DemandMode::agent;
    d.count = 140000;
    d.weight = 0.37;  // sums of fractional weights depend on their order
    d.initial_aware = 0.3;
    d.network = "small_world";
    d.network_weight = 1.0;
    d.reevaluate_prob = {Distribution::Kind::uniform, 0.0, 0.4, -kInf, kInf};
    d.switching_cost = Distribution::constant(0.3);
    d.peer_update = PeerUpdate::lagged;
    sc.vendors[1].offers[0].price_in = sc.vendors[1].offers[0].price_out = 1.6;
    const auto one = run_scenario(sc, 5, 1);
    for (const int threads : {2, 3}) {
        INFO(threads << " threads");
        const auto many = run_scenario(sc, 5, threads);
        for (const auto& [a, b] :
             {std::pair{&one.offer_series, &many.offer_series}, std::pair{&one.vendor_series, &many.vendor_series},
              std::pair{&one.market_series, &many.market_series}})
            for (std::size_t k = 0; k < a->size(); ++k) {
                INFO((*a)[k].name);
                const auto& x = (*a)[k].values;
                const auto& y = (*b)[k].values;
                bool same = x.size() == y.size();  // bit for bit: NaN marks "not defined" in some series
                for (std::size_t i = 0; same && i < x.size(); ++i)
                    same = std::bit_cast<std::uint64_t>(x[i]) == std::bit_cast<std::uint64_t>(y[i]);
                CHECK(same);
            }
    }
    // Not a constant market: developers moved between the offers after turn 0.
    const auto& devs = one.offer_series[outputs::offer_index("developers")];
    CHECK(devs.at(5, 1) != devs.at(1, 1));
}
