// --set KEY=VALUE overrides.

#include <doctest/doctest.h>

#include "agents/strategy.hpp"
#include "helpers.hpp"

using namespace pricewar;
using pricewar::test::edited;
using pricewar::test::error_of;
using pricewar::test::kMinimal;

namespace {

Scenario with(const std::vector<std::string>& overrides, const std::string& text = kMinimal) {
    return parse_scenario(text, "test.toml", overrides);
}

void check_set(const InputError& e, int column, const std::string& key) {
    CHECK(e.file == "--set");
    CHECK(e.line == 1);
    CHECK(e.column == column);
    CHECK(e.key == key);
}

const std::string kStringStrategy = edited("unit_cost = 1", "unit_cost = 1\nstrategy = \"cost_plus\"");

}  // namespace

TEST_CASE("--set on an existing key") {
    const Scenario s = with({"vendors.alpha.offers.one.price_in=0.5", "developers.count=2e3", "turns = 12"});
    CHECK(s.vendors[0].offers[0].price_in == 0.5);
    CHECK(s.developers.count == 2000);
    CHECK(s.turns == 12);
    // The last override of a key wins.
    CHECK(with({"turns=5", "turns=6"}).turns == 6);
    // VALUE is TOML: numbers, inf, booleans, quoted strings (which may hold '=').
    const Scenario t = with({"vendors.alpha.offers.one.active=true", "description=\"a = b\"", "market.gpu_supply=inf"});
    CHECK(t.description == "a = b");
    CHECK(t.market.gpu_supply == kInf);
    // Text that is not TOML is a string.
    CHECK(with({"name=Price war, baseline"}).name == "Price war, baseline");
    CHECK(with({"vendors.alpha.kind=cloud"}).vendors[0].kind == VendorKind::cloud);
}

TEST_CASE("--set creates keys and optional tables") {
    const Scenario s =
        with({"vendors.alpha.cash=1e9", "market.outside.cost=2.5", "market.outside.quality=0.4",
              "developers.network_params.k=4", "output.surplus_sample=0",
              "developers.value={ dist = \"lognormal\", median = 20, sigma = 1 }", "developers.elasticity=1.5"});
    CHECK(s.vendors[0].cash == 1e9);
    CHECK(s.market.outside.cost == 2.5);
    CHECK(s.market.outside.quality == 0.4);
    CHECK(s.developers.network_params.at("k") == 4.0);
    CHECK(s.output.surplus_sample == 0);
    CHECK(s.developers.value.kind == Distribution::Kind::lognormal);
    CHECK(s.developers.value.a == 20.0);
    CHECK(s.developers.elasticity.a == 1.5);
    // A distribution parameter inside a distribution table of the file.
    const Scenario d =
        with({"developers.value.median=7"},
             edited("count = 100", "count = 100\nvalue = { dist = \"lognormal\", median = 20, sigma = 1 }"));
    CHECK(d.developers.value.a == 7.0);
}

TEST_CASE("--set of a strategy parameter") {
    SUBCASE("on a plain strategy name") {
        const Scenario s = with({"vendors.alpha.offers.one.strategy.margin=0.3"}, kStringStrategy);
        CHECK(s.vendors[0].offers[0].strategy.name == "cost_plus");
        CHECK(s.vendors[0].offers[0].strategy.params.at("margin") == 0.3);
    }
    SUBCASE("on a strategy table") {
        const Scenario s = with({"vendors.alpha.offers.one.strategy.margin_floor=-0.2"},
                                edited("unit_cost = 1", "unit_cost = 1\nstrategy = { name = \"follower\" }"));
        CHECK(s.vendors[0].offers[0].strategy.params.at("margin_floor") == -0.2);
    }
    SUBCASE("choosing the strategy where the file has none") {
        const Scenario s =
            with({"vendors.alpha.offers.one.strategy.name=cost_plus", "vendors.alpha.offers.one.strategy.margin=0.1"});
        CHECK(s.vendors[0].offers[0].strategy.name == "cost_plus");
        CHECK(s.vendors[0].offers[0].strategy.params.at("margin") == 0.1);
    }
    SUBCASE("a parameter where the file has no strategy is checked against \"static\"") {
        const auto e = error_of(kMinimal, {"vendors.alpha.offers.one.strategy.margin=0.1"});
        check_set(e, 35, "vendors.alpha.offers.one.strategy.margin");
        CHECK(e.problem == "unknown parameter 'margin' for strategy 'static' (it takes no parameters)");
    }
    SUBCASE("an unknown name in the file keeps its file position") {
        const auto e = error_of(edited("cost_plus", "cost_pluss", kStringStrategy),
                                {"vendors.alpha.offers.one.strategy.margin=0.3"});
        CHECK(e.file == "test.toml");
        CHECK(e.line == 11);
        CHECK(e.column == 12);
        CHECK(e.key == "vendors.alpha.offers.one.strategy.name");
    }
    SUBCASE("an unknown parameter points at the --set key") {
        const auto e = error_of(kStringStrategy, {"vendors.alpha.offers.one.strategy.margn=0.3"});
        check_set(e, 35, "vendors.alpha.offers.one.strategy.margn");
        CHECK(e.problem == "unknown parameter 'margn' for strategy 'cost_plus' (did you mean 'margin'?)");
    }
}

TEST_CASE("--set with a bad value") {
    const auto e = error_of(kMinimal, {"vendors.alpha.cash=-5"});
    check_set(e, 20, "vendors.alpha.cash");
    CHECK(std::string(e.what()) == "--set:1:20: vendors.alpha.cash: must be >= 0 (got -5)");

    const auto s = error_of(kMinimal, {"turns=10", "developers.count=lots"});
    check_set(s, 18, "developers.count");
    CHECK(s.problem == "expected an integer, got string");

    const auto n = error_of(kMinimal, {"market.kappa = nan"});
    check_set(n, 16, "market.kappa");
    CHECK(n.problem == "nan is not allowed (expected a number >= 0)");

    const auto t = error_of(kMinimal, {"developers.value={ dist = \"normal\", mean = 1, sd = -1 }"});
    check_set(t, 18, "developers.value.sd");

    // A shorter horizon can strand an event: reported where the event is.
    const auto h = error_of(kMinimal + "[[events]]\nturn = 50\nkind = \"vc_climate\"\nvalue = 0.5\n", {"turns=20"});
    CHECK(h.file == "test.toml");
    CHECK(h.line == 12);
    CHECK(h.key == "events[0].turn");
}

TEST_CASE("--set of an unknown key") {
    const auto e = error_of(kMinimal, {"vendors.alpha.csh=5"});
    check_set(e, 15, "vendors.alpha.csh");
    CHECK(std::string(e.what()) == "--set:1:15: vendors.alpha.csh: unknown key 'csh' (did you mean 'cash'?)");

    const auto t = error_of(kMinimal, {"vendors.alpah.cash=5"});
    check_set(t, 9, "vendors.alpah");
    CHECK(t.problem == "no such table in the scenario (did you mean 'alpha'?)");

    const auto top = error_of(kMinimal, {"markt.kappa=1"});
    check_set(top, 1, "markt");

    const auto leaf = error_of(kMinimal, {"vendors.alpha.kind.x=1"});
    check_set(leaf, 15, "vendors.alpha.kind");
    CHECK(leaf.problem == "is a string, not a table");

    const auto arr =
        error_of(kMinimal + "[[events]]\nturn = 1\nkind = \"vc_climate\"\nvalue = 0.5\n", {"events.turn=2"});
    check_set(arr, 1, "events");
}

TEST_CASE("--set syntax") {
    const auto e = error_of(kMinimal, {"turns"});
    check_set(e, 1, "turns");
    CHECK(e.problem == "expected KEY=VALUE (e.g. vendors.deepseek.cash=1e9)");
    check_set(error_of(kMinimal, {"=3"}), 1, "=3");
    check_set(error_of(kMinimal, {"vendors..cash=3"}), 9, "vendors..cash");
    check_set(error_of(kMinimal, {"vendors.a b.cash=3"}), 9, "vendors.a b.cash");
}
