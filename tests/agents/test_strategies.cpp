#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cmath>

#include "agents/network.hpp"
#include "agents/strategy.hpp"
#include "sim/engine/engine.hpp"
#include "tests/fixtures.hpp"

using namespace pricewar;
using pricewar::testing::offer;
using pricewar::testing::strategy;
using pricewar::testing::vendor;

namespace {

// Golden duopoly: a rival whose scripted price path is known, and one offer priced by the
// strategy under test. Prices are checked turn by turn against the rule.
Scenario duopoly(const StrategySpec& s, double own_price, double own_cost) {
    Scenario sc;
    sc.name = "golden";
    sc.turns = 8;
    sc.market.cost_decline = 0.0;
    sc.developers.count = 400;
    sc.developers.network = "none";
    sc.developers.initial_aware = 1.0;
    sc.developers.value = Distribution::constant(1e6);
    sc.vendors.push_back(vendor("rival", VendorKind::cloud, 1e9, {offer("m", "pro", 1.0, 10.0, 1.0)}));
    sc.vendors.push_back(vendor("me", VendorKind::startup, 1e12, {offer("m", "pro", 1.0, own_price, own_cost, s)}));
    // Rival path: 10 until turn 2, 4 from turn 2, 6 from turn 5.
    Event a;
    a.turn = 2;
    a.kind = Event::Kind::price;
    a.offer = 0;
    a.price_in = 4.0;
    a.price_out = 4.0;
    Event b = a;
    b.turn = 5;
    b.price_in = 6.0;
    b.price_out = 6.0;
    sc.events = {a, b};
    return sc;
}

std::vector<double> own_prices(const Scenario& sc) {
    Simulation sim(sc, 1);
    const auto r = sim.run();
    std::vector<double> out;
    for (std::size_t t = 0; t < static_cast<std::size_t>(sc.turns); ++t)
        out.push_back(r.offer_series[0].at(t, 1));
    return out;
}

void check_path(const std::vector<double>& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t t = 0; t < got.size(); ++t) {
        INFO("turn " << t);
        CHECK(got[t] == doctest::Approx(want[t]));
    }
}

}  // namespace

TEST_CASE("registry: every strategy has a name, help and well-formed parameters") {
    for (const auto& s : strategy_registry()) {
        CHECK(!s.name.empty());
        CHECK(!s.help.empty());
        for (const auto& p : s.params) {
            CHECK(p.min_value <= p.default_value);
            CHECK(p.default_value <= p.max_value);
            CHECK(!p.help.empty());
        }
        CHECK(find_strategy(s.name) == &s);
    }
    CHECK(find_strategy("no_such_strategy") == nullptr);
}

TEST_CASE("golden: static holds its price") {
    check_path(own_prices(duopoly(strategy("static"), 8.0, 1.0)), {8, 8, 8, 8, 8, 8, 8, 8});
}

TEST_CASE("golden: cost_plus prices at cost / (1 - margin) from turn 1") {
    check_path(own_prices(duopoly(strategy("cost_plus", {{"margin", 0.5}}), 8.0, 1.5)), {8, 3, 3, 3, 3, 3, 3, 3});
}

TEST_CASE("golden: follower matches the rival after reaction_turns, above its floor, below list") {
    // Rival: 10,10,4,4,4,6,6,6 (turn 2 cut, turn 5 rise). Reaction 2 turns, ratio 0.9,
    // margin floor 0.5 on cost 2 -> floor 4.
    const auto s = strategy("follower", {{"reaction_turns", 2}, {"match_ratio", 0.9}, {"margin_floor", 0.5}});
    // t1 sees row 0 (10 -> 9 < list 8? no: list 8) -> 8; t2 sees row 0 -> 8; t3 sees row 1 (10) -> 8;
    // t4 sees row 2 (4 -> 3.6, floor 4) -> 4; t5 row 3 (4) -> 4; t6 row 4 (4) -> 4; t7 row 5 (6 -> 5.4).
    check_path(own_prices(duopoly(s, 8.0, 2.0)), {8, 8, 8, 8, 4, 4, 4, 5.4});
}

TEST_CASE("golden: a cloud follower with a negative margin floor sells below cost") {
    const auto s = strategy("follower", {{"reaction_turns", 1}, {"match_ratio", 0.5}, {"margin_floor", -1.0}});
    // cost 3, margin floor -1 -> floor 1.5; rival 4 from t2 -> seen at t3: 0.5*4 = 2.
    check_path(own_prices(duopoly(s, 8.0, 3.0)), {8, 5, 5, 2, 2, 2, 3, 3});
}

TEST_CASE("golden: penetration undercuts the cheapest comparable rival down to min_price") {
    const auto s = strategy("penetration", {{"undercut", 0.25}, {"min_price", 3.5}});
    // t1: rival 10 > own 8: hold 8. t3: rival 4 <= 8 -> 3 -> min 3.5. t6: rival 6 > 3.5: hold.
    check_path(own_prices(duopoly(s, 8.0, 1.0)), {8, 8, 8, 3.5, 3.5, 3.5, 3.5, 3.5});
}

TEST_CASE("golden: premium holds while its share is high and cuts at most max_cut below the share floor") {
    auto held = duopoly(strategy("premium", {{"max_cut", 0.1}, {"share_floor", 0.0}}), 8.0, 1.0);
    check_path(own_prices(held), {8, 8, 8, 8, 8, 8, 8, 8});
    auto cutting =
        duopoly(strategy("premium", {{"max_cut", 0.1}, {"share_floor", 1.1}, {"margin_floor", 0.75}}), 8.0, 1.0);
    // Rival cheaper from t2 (seen at t3): 8 -> 7.2 -> 6.48 -> 5.832 ... floor 4 (cost 1 / 0.25).
    // t6 sees rival 6 > own 5.832: premium never raises, it holds.
    check_path(own_prices(cutting), {8, 8, 8, 7.2, 6.48, 5.832, 5.832, 5.832});
}

TEST_CASE("networks: registry generators give symmetric graphs of the requested size") {
    for (const auto& info : network_registry()) {
        std::map<std::string, double> given;
        const auto g = info.build(2000, resolve_params(info.params, given), 99);
        CHECK(g.nodes() == 2000);
        for (std::int64_t i = 0; i < g.nodes(); ++i)
            for (auto k = g.offsets[i]; k < g.offsets[i + 1]; ++k) {
                const auto j = g.targets[k];
                CHECK(j != i);
                bool back = false;
                for (auto l = g.offsets[j]; l < g.offsets[j + 1]; ++l)
                    back = back || g.targets[l] == i;
                CHECK(back);
            }
        if (info.name == "none")
            CHECK(g.edges() == 0);
        else
            CHECK(g.edges() > 2000);
    }
}
