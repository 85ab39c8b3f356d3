#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "agents/network.hpp"
#include "agents/strategy.hpp"
#include "sim/engine/engine.hpp"
#include "sim/model/series.hpp"
#include "tests/fixtures.hpp"

using namespace pricewar;
using pricewar::testing::offer;
using pricewar::testing::strategy;
using pricewar::testing::vendor;

namespace {

// Golden duopoly: a rival whose scripted price path is known, and one offer priced by the
// strategy under test. Prices are checked turn by turn against the rule.
// Eight turns, 400 developers who all know every offer and value tokens far above any price,
// no network, constant costs: a market where only prices move.
Scenario two_offer_market(const char* name) {
    Scenario sc;
    sc.name = name;
    sc.turns = 8;
    sc.market.cost_decline = 0.0;
    sc.developers.count = 400;
    sc.developers.network = "none";
    sc.developers.initial_aware = 1.0;
    sc.developers.value = Distribution::constant(1e6);
    return sc;
}

Scenario duopoly(const StrategySpec& s, double own_price, double own_cost) {
    Scenario sc = two_offer_market("golden");
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

// Two offers of one vendor each, the follower's (offer 1) at quality 1.0, list 10, cost 1.
// The rival's offer 0 is changed by the caller (quality, availability, events).
Scenario rival_and_follower(const StrategySpec& s) {
    Scenario sc = two_offer_market("observed-row");
    sc.vendors.push_back(vendor("rival", VendorKind::startup, 1e9, {offer("m", "pro", 1.0, 10.0, 1.0)}));
    sc.vendors.push_back(vendor("me", VendorKind::startup, 1e12, {offer("m", "pro", 1.0, 10.0, 1.0, s)}));
    return sc;
}

Event rival_event(int turn, Event::Kind kind) {
    Event e;
    e.turn = turn;
    e.kind = kind;
    e.offer = 0;
    return e;
}

// The duopoly with "me" a cloud vendor earning `subsidy` CNY per developer per turn.
Scenario subsidised_duopoly(const StrategySpec& s, double own_price, double own_cost, double subsidy) {
    Scenario sc = duopoly(s, own_price, own_cost);
    auto& me = sc.vendors[1];
    me.kind = VendorKind::cloud;
    me.cloud_attach_revenue = subsidy;
    me.cloud_margin = 1.0;
    return sc;
}

const Table& series_named(const RunRecord& r, const std::string& name) {
    for (const auto& t : r.offer_series)
        if (t.name == name) return t;
    FAIL("no offer series " << name);
    return r.offer_series.front();
}

// Subsidised unit cost of offer 1 at turn t (t >= 1) from the record of turn t - 1:
// c - (cross-subsidy per developer) / (Mtok per developer of the offer).
double subsidised_cost(const RunRecord& r, std::size_t t, double cost, double subsidy) {
    const double tokens = series_named(r, "tokens").at(t - 1, 1);
    const double devs = series_named(r, "developers").at(t - 1, 1);
    REQUIRE(tokens > 0.0);
    REQUIRE(devs > 0.0);
    return cost - subsidy / (tokens / devs);
}

const ParamSpec& param_spec(const std::string& strategy_name, const std::string& param) {
    const auto* info = find_strategy(strategy_name);
    REQUIRE(info != nullptr);
    for (const auto& p : info->params)
        if (p.name == param) return p;
    FAIL(strategy_name << " has no parameter " << param);
    return info->params.front();
}

std::vector<double> own_prices(const Scenario& sc) {
    Simulation sim(sc, 1);
    const auto r = sim.run();
    std::vector<double> out;
    for (std::size_t t = 0; t < static_cast<std::size_t>(sc.turns); ++t)
        out.push_back(r.offer_series[outputs::offer_index("price")].at(t, 1));
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

TEST_CASE("golden: penetration reacts to the rival's price seen reaction_turns ago") {
    const auto s = strategy("penetration", {{"reaction_turns", 3}, {"undercut", 0.25}, {"min_price", 3.5}});
    // Rival 4 from t2, seen at t5 (row 2): 3 -> min 3.5. With one turn of lag it was t3.
    check_path(own_prices(duopoly(s, 8.0, 1.0)), {8, 8, 8, 8, 8, 3.5, 3.5, 3.5});
}

TEST_CASE("follower: match_ratio can peg a flagship to a rival priced a hundred times lower") {
    CHECK(param_spec("follower", "match_ratio").max_value >= 1000);
    // Rival 10 -> 4 at t2: ratio 1.5 keeps 8 (list), then 6 from t3; a ratio of 100 against a
    // rival at 0.06 gives 6 as well.
    const auto s = strategy("follower", {{"match_ratio", 100.0}, {"margin_floor", 0.0}});
    auto sc = duopoly(s, 8.0, 1.0);
    sc.events[0].price_in = sc.events[0].price_out = 0.06;
    check_path(own_prices(sc), {8, 8, 8, 6, 6, 6, 8, 8});
}

TEST_CASE("observed row: an offer not on sale at the observed turn is not a rival (no pre-launch list price)") {
    // Rival list price 3 while not on sale, launched at t3 at 6. Lag 2: t4 sees row 2, where it
    // was not on sale; t5 sees row 3 (6).
    auto sc = rival_and_follower(strategy("follower", {{"reaction_turns", 2}, {"margin_floor", 0.0}}));
    sc.vendors[0].offers[0].active = false;
    sc.vendors[0].offers[0].price_in = sc.vendors[0].offers[0].price_out = 3.0;
    auto launch = rival_event(3, Event::Kind::launch);
    launch.price_in = launch.price_out = 6.0;
    sc.events = {launch};
    check_path(own_prices(sc), {10, 10, 10, 10, 10, 6, 6, 6});
    // The record has no price for the rival before its launch.
    const auto r = run_scenario(sc, 1);
    for (std::size_t t = 0; t < 3; ++t) {
        CHECK(std::isnan(series_named(r, "price").at(t, 0)));
        CHECK(series_named(r, "available").at(t, 0) == 0.0);
    }
    CHECK(series_named(r, "price").at(3, 0) == doctest::Approx(6.0));
    CHECK(series_named(r, "available").at(3, 0) == 1.0);
}

TEST_CASE("observed row: a rival is judged by its quality at the observed turn, with that turn's price") {
    // Rival at quality 0.5 (outside the band of 0.25) and price 2 until t3, when an upgrade to
    // 1.0 comes with a price of 6. Lag 2: t4 sees row 2 (quality 0.5: not comparable), t5 row 3.
    auto sc = rival_and_follower(strategy("follower", {{"reaction_turns", 2}, {"margin_floor", 0.0}}));
    sc.vendors[0].offers[0].quality = 0.5;
    sc.vendors[0].offers[0].price_in = sc.vendors[0].offers[0].price_out = 2.0;
    auto upgrade = rival_event(3, Event::Kind::quality);
    upgrade.quality = 1.0;
    auto price = rival_event(3, Event::Kind::price);
    price.price_in = price.price_out = 6.0;
    sc.events = {upgrade, price};
    check_path(own_prices(sc), {10, 10, 10, 10, 10, 6, 6, 6});
    const auto r = run_scenario(sc, 1);
    CHECK(series_named(r, "quality").at(2, 0) == doctest::Approx(0.5));
    CHECK(series_named(r, "quality").at(3, 0) == doctest::Approx(1.0));
}

TEST_CASE("cross-subsidy: a cloud follower's margin floor is on the subsidised unit cost") {
    // Cost 3, margin floor 0, ratio 0.5: the rival at 4 (from t2, seen from t3) asks for 2.
    // Without cross-subsidy the floor is 3; with it the floor is c - s / (Mtok per developer).
    const double cost = 3.0, subsidy = 0.6;
    const auto s = strategy("follower", {{"match_ratio", 0.5}, {"margin_floor", 0.0}});
    check_path(own_prices(duopoly(s, 8.0, cost)), {8, 5, 5, 3, 3, 3, 3, 3});
    const auto sc = subsidised_duopoly(s, 8.0, cost, subsidy);
    const auto r = run_scenario(sc, 1);
    const auto& price = series_named(r, "price");
    const std::vector<double> rival = {10, 10, 4, 4, 4, 6, 6, 6};
    for (std::size_t t = 1; t < 8; ++t) {
        INFO("turn " << t);
        const double floor = std::max(0.0, subsidised_cost(r, t, cost, subsidy));
        CHECK(price.at(t, 1) == doctest::Approx(std::max(std::min(8.0, 0.5 * rival[t - 1]), floor)));
    }
    // The subsidy binds between the match (2) and the unsubsidised floor (3).
    CHECK(price.at(3, 1) > 2.0);
    CHECK(price.at(3, 1) < 3.0);
}

TEST_CASE("cross-subsidy: once the loss budget is spent the restored margin is on the unit cost") {
    // Loss budget 0: spent at turn 0 (fixed cost). The restored margin 0 on cost 3 is the floor
    // whatever the cross-subsidy.
    const auto s = strategy("follower", {{"match_ratio", 0.5}, {"margin_floor", -1.0}, {"restore_margin", 0.0}});
    auto sc = subsidised_duopoly(s, 8.0, 3.0, 0.6);
    sc.vendors[1].loss_budget = 0.0;
    check_path(own_prices(sc), {8, 5, 5, 3, 3, 3, 3, 3});
}

TEST_CASE("cross-subsidy: penetration's margin floor is on the subsidised unit cost") {
    const double cost = 3.0, subsidy = 0.6;
    const auto s = strategy("penetration", {{"undercut", 0.5}, {"margin_floor", 0.0}});
    // Unsubsidised: the rival at 4 (seen at t3) asks for 2; the floor is the cost, 3.
    check_path(own_prices(duopoly(s, 8.0, cost)), {8, 8, 8, 3, 3, 3, 3, 3});
    const auto r = run_scenario(subsidised_duopoly(s, 8.0, cost, subsidy), 1);
    const auto& price = series_named(r, "price");
    const std::vector<double> rival = {10, 10, 4, 4, 4, 6, 6, 6};
    double own = 8.0;
    for (std::size_t t = 1; t < 8; ++t) {
        INFO("turn " << t);
        const double floor = std::max(0.0, subsidised_cost(r, t, cost, subsidy));
        const double target = rival[t - 1] <= own ? 0.5 * rival[t - 1] : own;
        own = std::max(target, floor);
        CHECK(price.at(t, 1) == doctest::Approx(own));
    }
    CHECK(price.at(3, 1) > 2.0);
    CHECK(price.at(3, 1) < 3.0);
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
