#include "agents/learning/q_learning.hpp"
#include "sim/model/rng.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

using namespace pricewar::learning;

namespace {

template <class F>
std::string invalid_argument_message(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

bool same_result(const SessionResult& a, const SessionResult& b) {
    return a.converged == b.converged && a.periods == b.periods && a.limit_cycle == b.limit_cycle &&
           a.profit_gain == b.profit_gain && a.profit_gain_per_agent == b.profit_gain_per_agent &&
           a.cycle_prices_mean == b.cycle_prices_mean && a.cycle_profit_mean == b.cycle_profit_mean;
}

}  // namespace

TEST_CASE("the kernel's draws: Rng::below is reproducible, in range and uniform") {
    pricewar::Rng a(42);
    pricewar::Rng b(42);
    pricewar::Rng c(43);
    bool differs = false;
    for (int k = 0; k < 1000; ++k) {
        const std::uint32_t x = a.below(1000);
        CHECK(x == b.below(1000));
        differs = differs || x != c.below(1000);
    }
    CHECK(differs);
    std::vector<int> counts(15, 0);
    for (int k = 0; k < 150000; ++k) {
        const std::uint32_t v = a.below(15);
        REQUIRE(v < 15u);
        ++counts[v];
    }
    for (int count : counts)
        CHECK(std::abs(count - 10000) < 500);  // about 5 standard deviations
    CHECK(a.below(1) == 0u);
}

TEST_CASE("invalid Q-learning configurations are rejected with a clear message") {
    const QLearningConfig ok;
    CHECK_NOTHROW(validate(ok));

    auto message_for = [](auto mutate) {
        QLearningConfig c;
        mutate(c);
        return invalid_argument_message([&] { validate(c); });
    };
    CHECK(message_for([](QLearningConfig& c) { c.n_agents = 1; }).find("n_agents") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.grid_size = 1; }).find("grid_size") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.memory = 0; }).find("memory") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.xi = -0.1; }).find("xi") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.alpha = 0.0; }).find("alpha") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.alpha = 1.5; }).find("alpha") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.beta = -1.0; }).find("beta") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.delta = 1.0; }).find("delta") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.convergence_window = 0; }).find("convergence_window") !=
          std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.max_periods = 0; }).find("max_periods") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.n_agents = 3; }).find("n_agents") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) { c.market.mu = -1.0; }).find("mu") != std::string::npos);
    CHECK(message_for([](QLearningConfig& c) {
              c.n_agents = 6;
              c.market = symmetric_logit_market(6);
          }).find("too large") != std::string::npos);

    QLearningConfig bad;
    bad.grid_size = 0;
    CHECK_THROWS_AS(run_q_learning_session(bad, 1), std::invalid_argument);
}

TEST_CASE("price grid spans the Nash-monopoly interval widened by xi") {
    const LogitMarket market = symmetric_logit_market(2);
    const auto grids = price_grids(market, 15, 0.1);
    REQUIRE(grids.size() == 2);
    REQUIRE(grids[0].size() == 15);
    const double pn = bertrand_nash_prices(market)[0];
    const double pm = monopoly_prices(market)[0];
    CHECK(grids[0].front() == doctest::Approx(pn - 0.1 * (pm - pn)).epsilon(1e-14));
    CHECK(grids[0].back() == doctest::Approx(pm + 0.1 * (pm - pn)).epsilon(1e-14));
    for (std::size_t a = 1; a < 15; ++a) {
        CHECK(grids[0][a] - grids[0][a - 1] == doctest::Approx(1.2 * (pm - pn) / 14.0).epsilon(1e-10));
    }
    CHECK(grids[0] == grids[1]);
}

TEST_CASE("profit gain on a hand-built greedy cycle") {
    // xi = 0 and m = 3: the grid is {p^N, (p^N + p^M)/2, p^M}.
    const LogitMarket market = symmetric_logit_market(2);
    const auto grids = price_grids(market, 3, 0.0);
    const std::vector<double> pin = profits(market, bertrand_nash_prices(market));
    const std::vector<double> pim = profits(market, monopoly_prices(market));

    // State index s = a_0 + 3 a_1 (memory 1).  From (2,2) the agents move to (0,1), then
    // alternate between (1,0) and (0,1) for ever; every other state leads to (2,2).
    auto idx = [](int a0, int a1) { return static_cast<std::size_t>(a0 + 3 * a1); };
    std::vector<int> greedy(2 * 9, 2);
    greedy[0 * 9 + idx(2, 2)] = 0;
    greedy[1 * 9 + idx(2, 2)] = 1;
    greedy[0 * 9 + idx(0, 1)] = 1;
    greedy[1 * 9 + idx(0, 1)] = 0;
    greedy[0 * 9 + idx(1, 0)] = 0;
    greedy[1 * 9 + idx(1, 0)] = 1;

    const auto cycle = greedy_limit_cycle(greedy, 2, 3, 1, idx(2, 2));
    const std::vector<std::vector<int>> expected{{1, 0}, {0, 1}};
    CHECK(cycle == expected);

    const CycleOutcome out = evaluate_cycle(market, grids, cycle, pin, pim);
    const double p_lo = grids[0][0];
    const double p_mid = grids[0][1];
    const std::vector<double> first{p_mid, p_lo};
    const std::vector<double> second{p_lo, p_mid};
    const double pi0 = 0.5 * (profits(market, first)[0] + profits(market, second)[0]);
    const double pi1 = 0.5 * (profits(market, first)[1] + profits(market, second)[1]);
    CHECK(out.mean_profit[0] == doctest::Approx(pi0).epsilon(1e-12));
    CHECK(out.mean_profit[1] == doctest::Approx(pi1).epsilon(1e-12));
    CHECK(out.mean_price[0] == doctest::Approx(0.5 * (p_lo + p_mid)).epsilon(1e-12));
    const double d0 = (pi0 - pin[0]) / (pim[0] - pin[0]);
    const double d1 = (pi1 - pin[1]) / (pim[1] - pin[1]);
    CHECK(out.profit_gain[0] == doctest::Approx(d0).epsilon(1e-12));
    CHECK(out.profit_gain[1] == doctest::Approx(d1).epsilon(1e-12));
    CHECK(out.mean_profit_gain == doctest::Approx(0.5 * (d0 + d1)).epsilon(1e-12));
    CHECK(out.profit_gain[0] == doctest::Approx(out.profit_gain[1]).epsilon(1e-12));  // symmetric cycle
    CHECK(out.industry_profit_gain == doctest::Approx(out.mean_profit_gain).epsilon(1e-12));

    // Every other state leads to (2,2), the monopoly point, which is not a fixed point here.
    const auto from_elsewhere = greedy_limit_cycle(greedy, 2, 3, 1, idx(1, 1));
    CHECK(from_elsewhere == expected);

    // Fixed points at the grid ends give Delta = 1 (monopoly) and 0 (Nash) exactly.
    const std::vector<std::vector<int>> collusive{{2, 2}};
    const std::vector<std::vector<int>> competitive{{0, 0}};
    CHECK(evaluate_cycle(market, grids, collusive, pin, pim).mean_profit_gain == doctest::Approx(1.0).epsilon(1e-9));
    CHECK(std::abs(evaluate_cycle(market, grids, competitive, pin, pim).mean_profit_gain) < 1e-9);
    CHECK(profit_gain(0.3, 0.2, 0.4) == doctest::Approx(0.5));
}

TEST_CASE("greedy limit cycle with memory 2 (tit-for-tat)") {
    // n = 2, m = 2, memory 2: 16 states, s = 4 * older profile + latest profile,
    // profile = a_0 + 2 a_1.  Each agent copies the rival's latest action.
    std::vector<int> greedy(2 * 16);
    for (std::size_t s = 0; s < 16; ++s) {
        const std::size_t latest = s % 4;
        greedy[0 * 16 + s] = static_cast<int>(latest / 2);  // rival 1's last action
        greedy[1 * 16 + s] = static_cast<int>(latest % 2);  // rival 0's last action
    }
    const auto cycle = greedy_limit_cycle(greedy, 2, 2, 2, 1);  // older (0,0), latest (1,0)
    const std::vector<std::vector<int>> expected{{1, 0}, {0, 1}};
    CHECK(cycle == expected);
    const auto steady = greedy_limit_cycle(greedy, 2, 2, 2, 3 * 4 + 3);  // (1,1) twice
    CHECK(steady == std::vector<std::vector<int>>{{1, 1}});
    CHECK_THROWS_AS(greedy_limit_cycle(greedy, 2, 2, 2, 16), std::invalid_argument);
    CHECK_THROWS_AS(greedy_limit_cycle(greedy, 2, 2, 1, 0), std::invalid_argument);
}

TEST_CASE("a session is a pure function of (config, seed)") {
    const QLearningConfig config;
    const SessionResult a = run_q_learning_session(config, 7);
    const SessionResult b = run_q_learning_session(config, 7);
    CHECK(same_result(a, b));
    const SessionResult c = run_q_learning_session(config, 8);
    CHECK(c.periods != a.periods);

    CHECK(a.converged);
    CHECK_FALSE(a.limit_cycle.empty());
    CHECK(a.nash_profit == doctest::Approx(0.22293).epsilon(1e-4));
    CHECK(a.monopoly_profit == doctest::Approx(0.33749).epsilon(1e-4));
    for (const auto& profile : a.limit_cycle) {
        REQUIRE(profile.size() == 2);
        for (int action : profile) {
            CHECK(action >= 0);
            CHECK(action < 15);
        }
    }
}

TEST_CASE("sessions with three agents and with memory 2 run and report consistent outcomes") {
    SUBCASE("three agents") {
        QLearningConfig config;
        config.n_agents = 3;
        config.grid_size = 5;
        config.beta = 2e-5;
        config.market = symmetric_logit_market(3);
        const SessionResult r = run_q_learning_session(config, 3);
        CHECK(r.converged);
        REQUIRE_FALSE(r.limit_cycle.empty());
        CHECK(r.limit_cycle.front().size() == 3);
        CHECK(r.profit_gain_per_agent.size() == 3);
        CHECK(std::isfinite(r.profit_gain));
        CHECK(r.profit_gain > -1.0);
        CHECK(r.profit_gain < 1.5);
    }
    SUBCASE("memory 2") {
        QLearningConfig config;
        config.grid_size = 5;
        config.memory = 2;
        config.beta = 2e-5;
        const SessionResult r = run_q_learning_session(config, 5);
        CHECK(r.converged);
        REQUIRE_FALSE(r.limit_cycle.empty());
        CHECK(std::isfinite(r.profit_gain));
    }
    SUBCASE("asymmetric costs") {
        QLearningConfig config;
        config.beta = 2e-5;
        config.market.cost = {1.0, 0.9};
        const SessionResult r = run_q_learning_session(config, 6);
        CHECK(r.converged);
        REQUIRE(r.price_grid.size() == 2);
        CHECK(r.price_grid[0] != r.price_grid[1]);
        CHECK(r.nash_profit_per_agent[1] > r.nash_profit_per_agent[0]);
        CHECK(std::isfinite(r.industry_profit_gain));
        CHECK(r.industry_profit_gain < 1.5);
    }
    SUBCASE("a session cut short by max_periods reports non-convergence") {
        QLearningConfig config;
        config.max_periods = 1000;
        const SessionResult r = run_q_learning_session(config, 9);
        CHECK_FALSE(r.converged);
        CHECK(r.periods == 1000);
        CHECK_FALSE(r.limit_cycle.empty());
    }
}

TEST_CASE("baseline batch reproduces the average profit gain of Calvano et al. (2020)") {
    const QLearningConfig config;  // alpha = 0.15, beta = 4e-6, delta = 0.95, m = 15, xi = 0.1
    constexpr int sessions = 40;
    double sum = 0.0;
    double sum_sq = 0.0;
    double periods = 0.0;
    int converged = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < sessions; ++k) {
        const SessionResult r = run_q_learning_session(config, 1000 + static_cast<std::uint64_t>(k));
        converged += r.converged ? 1 : 0;
        sum += r.profit_gain;
        sum_sq += r.profit_gain * r.profit_gain;
        periods += static_cast<double>(r.periods);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double mean = sum / sessions;
    const double sd = std::sqrt((sum_sq - sessions * mean * mean) / (sessions - 1));
    const double se = sd / std::sqrt(static_cast<double>(sessions));
    MESSAGE("sessions: " << sessions << ", converged: " << converged << ", mean profit gain: " << mean << ", sd: " << sd
                         << ", se: " << se << ", mean periods to convergence: " << periods / sessions
                         << ", seconds per session: " << seconds / sessions);
    CHECK(converged == sessions);
    CHECK(std::abs(mean - 0.849) < 4.0 * se);
}
