// Valid scenarios: values, defaults, order, round trip, numeric paths, suggestions.

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "agents/network.hpp"
#include "agents/strategy.hpp"
#include "helpers.hpp"
#include "sim/model/events.hpp"
#include "sim/scenario/schema.hpp"
#include "tests/scratch.hpp"

using namespace pricewar;
using pricewar::test::check_equal;
using pricewar::test::kMinimal;

namespace {

// Vendors are written out of alphabetical order on purpose: the file's order must be kept.
const std::string kFull = R"(name = "china-2024"
description = "The May 2024 price war, stylised"
seed = 42
turns = 52
turn_days = 7
currency = "CNY"

[market]
output_share = 0.3
cost_decline = 0.6
kappa = 0.05
p_ref = 20
gpu_supply = 500
vc_climate = 0.8
rationing_penalty = 2.5

[market.outside]
name = "qwen-open-weights"
quality = 0.6
cost = 3.5

[developers]
mode = "mean_field"
count = 20000
weight = 50
price_utility = "linear"
noise_scale = 0.5
network = "scale_free"
network_weight = 0.4
initial_aware = 0.2
p_innovation = 0.02
p_imitation = 0.25
mean_field_types = 32
value = { dist = "lognormal", median = 20, sigma = 1.0 }
base_usage = { dist = "uniform", low = 1, high = 3, max = 2.5 }
elasticity = { dist = "normal", mean = 1.3, sd = 0.2, min = 0 }
quality_weight = 2
switching_cost = { dist = "constant", value = 0.5 }
reevaluate_prob = { dist = "normal", mean = 0.1, sd = 0.05, min = 0, max = 1 }
budget = inf

[developers.network_params]
m = 4

[vendors.zhipu]
name = "Zhipu AI"
kind = "startup"
cash = 2e9
fixed_cost = 3e7
gpus = 2000
tokens_per_gpu = 150
gpu_price = 250000
gpu_opex = 1500
gpu_lead_turns = 8
target_utilisation = 0.85
max_gpu_order = 500
cost_decline = 0.7
loss_budget = 1e9
other_revenue = 2e6
other_revenue_growth = 0.5
raise_runway_turns = 20
round_runway_turns = 52
burn_cut_runway = 10
withdraw_horizon = 26

[vendors.zhipu.offers.glm4]
name = "GLM-4"
tier = "flagship"
quality = 1.0
price_in = 100
price_out = 100
unit_cost = 20
free_quota = 25
strategy = { name = "follower", reaction_turns = 2, margin_floor = -0.5 }

[vendors.zhipu.offers.glm4-air]
tier = "lite"
quality = 0.7
price_in = 1
price_out = 1
unit_cost = 0.6
strategy = "cost_plus"

[vendors.bytedance]
name = "Volcano Engine"
kind = "cloud"
cash = 1e11
cloud_attach_revenue = 300
cloud_margin = 0.3

[vendors.bytedance.offers.doubao-pro]
name = "Doubao Pro 32k"
quality = 0.9
price_in = 0.8
price_out = 2
unit_cost = 0.5

[vendors.bytedance.offers.doubao-lite]
tier = "lite"
quality = 0.5
price_in = 0.3
price_out = 0.6
unit_cost = 0.2
active = false

[vendors.openai]
kind = "foreign"
present = false

[vendors.openai.offers.gpt4o]
quality = 1.1
price_in = 36
price_out = 108
unit_cost = 15

[[events]]
turn = 10
kind = "price"
offer = "zhipu.glm4"
price_in = 5
note = "GLM-4 cut by 95%"

[[events]]
turn = 3
kind = "launch"
offer = "bytedance.doubao-lite"

[[events]]
turn = 10
kind = "cost_shock"
factor = 0.5

[[events]]
turn = 3
kind = "vendor_entry"
vendor = "openai"

[[events]]
turn = 20
kind = "gpu_supply"
value = 100

[[events]]
turn = 30
kind = "vc_climate"
value = 0.3

[[events]]
turn = 40
kind = "withdraw"
offer = "zhipu.glm4-air"

[[events]]
turn = 41
kind = "quality"
offer = "bytedance.doubao-pro"
quality = 1.05

[[events]]
turn = 42
kind = "cost_shock"
vendor = "zhipu"
factor = 0.8

[output]
surplus_sample = 500
)";

double strategy_default(const std::string& strategy, const std::string& param) {
    const StrategyInfo* info = find_strategy(strategy);
    REQUIRE(info != nullptr);
    for (const auto& p : info->params)
        if (p.name == param) return p.default_value;
    FAIL("no such parameter");
    return 0.0;
}

}  // namespace

TEST_CASE("a full scenario parses with its values") {
    const Scenario s = parse_scenario(kFull, "full.toml");
    CHECK(s.name == "china-2024");
    CHECK(s.description == "The May 2024 price war, stylised");
    CHECK(s.seed == 42);
    CHECK(s.turns == 52);
    CHECK(s.turn_days == 7.0);
    CHECK(s.currency == "CNY");
    CHECK(s.source_path == "full.toml");
    CHECK(s.source_toml == kFull);

    CHECK(s.market.output_share == 0.3);
    CHECK(s.market.cost_decline == 0.6);
    CHECK(s.market.kappa == 0.05);
    CHECK(s.market.p_ref == 20.0);
    CHECK(s.market.gpu_supply == 500.0);
    CHECK(s.market.vc_climate == 0.8);
    CHECK(s.market.rationing_penalty == 2.5);
    CHECK(s.market.outside.name == "qwen-open-weights");
    CHECK(s.market.outside.quality == 0.6);
    CHECK(s.market.outside.cost == 3.5);

    const auto& d = s.developers;
    CHECK(d.mode == DemandMode::mean_field);
    CHECK(d.count == 20000);
    CHECK(d.weight == 50.0);
    CHECK(d.price_utility == PriceUtility::linear);
    CHECK(d.noise_scale == 0.5);
    CHECK(d.network == "scale_free");
    CHECK(d.network_params.at("m") == 4.0);
    CHECK(d.network_weight == 0.4);
    CHECK(d.initial_aware == 0.2);
    CHECK(d.p_innovation == 0.02);
    CHECK(d.p_imitation == 0.25);
    CHECK(d.mean_field_types == 32);
    CHECK(d.value.kind == Distribution::Kind::lognormal);
    CHECK(d.value.a == 20.0);
    CHECK(d.value.b == 1.0);
    CHECK(d.value.clip_min == -kInf);
    CHECK(d.value.clip_max == kInf);
    CHECK(d.base_usage.kind == Distribution::Kind::uniform);
    CHECK(d.base_usage.a == 1.0);
    CHECK(d.base_usage.b == 3.0);
    CHECK(d.base_usage.clip_max == 2.5);
    CHECK(d.elasticity.kind == Distribution::Kind::normal);
    CHECK(d.elasticity.a == 1.3);
    CHECK(d.elasticity.b == 0.2);
    CHECK(d.elasticity.clip_min == 0.0);
    CHECK(d.quality_weight.kind == Distribution::Kind::constant);
    CHECK(d.quality_weight.a == 2.0);
    CHECK(d.switching_cost.kind == Distribution::Kind::constant);
    CHECK(d.switching_cost.a == 0.5);
    CHECK(d.reevaluate_prob.kind == Distribution::Kind::normal);
    CHECK(d.reevaluate_prob.clip_min == 0.0);
    CHECK(d.reevaluate_prob.clip_max == 1.0);
    CHECK(d.budget.a == kInf);
    CHECK(pricewar::test::same(d.price_weight, DeveloperSpec{}.price_weight));  // default

    REQUIRE(s.vendors.size() == 3);
    CHECK(s.vendors[0].id == "zhipu");  // file order, not alphabetical
    CHECK(s.vendors[1].id == "bytedance");
    CHECK(s.vendors[2].id == "openai");

    const auto& z = s.vendors[0];
    CHECK(z.name == "Zhipu AI");
    CHECK(z.kind == VendorKind::startup);
    CHECK(z.cash == 2e9);
    CHECK(z.fixed_cost == 3e7);
    CHECK(z.gpus == 2000.0);
    CHECK(z.tokens_per_gpu == 150.0);
    CHECK(z.gpu_price == 250000.0);
    CHECK(z.gpu_opex == 1500.0);
    CHECK(z.gpu_lead_turns == 8);
    CHECK(z.target_utilisation == 0.85);
    CHECK(z.max_gpu_order == 500.0);
    REQUIRE(z.cost_decline.has_value());
    CHECK(*z.cost_decline == 0.7);
    CHECK(z.loss_budget == 1e9);
    CHECK(z.other_revenue == 2e6);
    CHECK(z.other_revenue_growth == 0.5);
    CHECK(z.raise_runway_turns == 20);
    CHECK(z.round_runway_turns == 52);
    CHECK(z.burn_cut_runway == 10);
    CHECK(z.burn_cut_fraction == 0.2);  // default
    CHECK(z.withdraw_horizon == 26);
    CHECK(z.present);
    REQUIRE(z.offers.size() == 2);
    CHECK(z.offers[0].id == "glm4");
    CHECK(z.offers[0].name == "GLM-4");
    CHECK(z.offers[0].tier == "flagship");
    CHECK(z.offers[0].quality == 1.0);
    CHECK(z.offers[0].price_in == 100.0);
    CHECK(z.offers[0].price_out == 100.0);
    CHECK(z.offers[0].unit_cost == 20.0);
    CHECK(z.offers[0].free_quota_mtok == 25.0);
    CHECK(z.offers[0].active);
    CHECK(z.offers[0].strategy.name == "follower");
    CHECK(z.offers[0].strategy.params.at("reaction_turns") == 2.0);
    CHECK(z.offers[0].strategy.params.at("margin_floor") == -0.5);
    // Undeclared ones come from the registry's defaults; every declared one is present.
    CHECK(z.offers[0].strategy.params.at("quality_band") == strategy_default("follower", "quality_band"));
    CHECK(z.offers[0].strategy.params.size() == find_strategy("follower")->params.size());
    CHECK(z.offers[1].id == "glm4-air");
    CHECK(z.offers[1].name == "glm4-air");  // defaults to the id
    CHECK(z.offers[1].tier == "lite");
    CHECK(z.offers[1].strategy.name == "cost_plus");
    CHECK(z.offers[1].strategy.params.at("margin") == strategy_default("cost_plus", "margin"));

    const auto& b = s.vendors[1];
    CHECK(b.kind == VendorKind::cloud);
    CHECK(b.cloud_attach_revenue == 300.0);
    CHECK(b.cloud_margin == 0.3);
    CHECK(b.offers[0].id == "doubao-pro");  // file order within the vendor too
    CHECK(b.offers[0].tier == "pro");       // default tier
    CHECK(b.offers[0].strategy.name == "static");
    CHECK(!b.offers[1].active);

    const auto& o = s.vendors[2];
    CHECK(o.name == "openai");
    CHECK(o.kind == VendorKind::foreign);
    CHECK(!o.present);
    const VendorSpec defaults;
    CHECK(o.cash == defaults.cash);
    CHECK(o.gpu_lead_turns == defaults.gpu_lead_turns);
    CHECK(o.target_utilisation == defaults.target_utilisation);
    CHECK(o.loss_budget == kInf);
    CHECK(!o.cost_decline.has_value());

    // Sorted by turn, file order kept among equal turns.
    REQUIRE(s.events.size() == 9);
    CHECK(s.events[0].turn == 3);
    CHECK(s.events[0].kind == Event::Kind::launch);
    CHECK(s.events[0].offer ==
          3);  // flattened: zhipu.glm4, zhipu.glm4-air, bytedance.doubao-pro, bytedance.doubao-lite
    CHECK(s.events[0].vendor == 1);
    CHECK(!s.events[0].price_in.has_value());
    CHECK(s.events[1].kind == Event::Kind::vendor_entry);
    CHECK(s.events[1].vendor == 2);
    CHECK(s.events[1].offer == -1);
    CHECK(s.events[2].kind == Event::Kind::price);
    CHECK(s.events[2].turn == 10);
    CHECK(s.events[2].offer == 0);
    CHECK(s.events[2].price_in == 5.0);
    CHECK(!s.events[2].price_out.has_value());
    CHECK(s.events[2].note == "GLM-4 cut by 95%");
    CHECK(s.events[3].kind == Event::Kind::cost_shock);
    CHECK(s.events[3].vendor == -1);  // every vendor
    CHECK(s.events[3].factor == 0.5);
    CHECK(s.events[4].kind == Event::Kind::gpu_supply);
    CHECK(s.events[4].value == 100.0);
    CHECK(s.events[5].kind == Event::Kind::vc_climate);
    CHECK(s.events[5].value == 0.3);
    CHECK(s.events[6].kind == Event::Kind::withdraw);
    CHECK(s.events[6].offer == 1);
    CHECK(s.events[7].kind == Event::Kind::quality);
    CHECK(s.events[7].quality == 1.05);
    CHECK(s.events[8].vendor == 0);
    CHECK(s.events[8].factor == 0.8);

    CHECK(s.output.surplus_sample == 500);
}

TEST_CASE("a minimal scenario gets every default") {
    const Scenario s = parse_scenario(kMinimal, "minimal.toml");
    const Scenario d;
    CHECK(s.seed == 1);
    CHECK(s.turns == 104);
    CHECK(s.turn_days == 7.0);
    CHECK(s.currency == "CNY");
    CHECK(s.market.output_share == 0.25);
    CHECK(s.market.cost_decline == 0.5);
    CHECK(s.market.kappa == 0.1);
    CHECK(s.market.p_ref == 10.0);
    CHECK(s.market.gpu_supply == kInf);
    CHECK(s.market.vc_climate == 1.0);
    CHECK(s.market.rationing_penalty == 1.0);
    CHECK(s.market.outside.cost == kInf);
    CHECK(s.market.outside.name == d.market.outside.name);
    CHECK(s.developers.count == 100);
    CHECK(s.developers.mode == DemandMode::agent);
    CHECK(s.developers.weight == 1.0);
    CHECK(s.developers.price_utility == PriceUtility::log);
    CHECK(s.developers.network == "small_world");
    const NetworkInfo* net = find_network("small_world");
    REQUIRE(net != nullptr);
    CHECK(s.developers.network_params.size() == net->params.size());
    for (const auto& p : net->params)
        CHECK(s.developers.network_params.at(p.name) == p.default_value);
    CHECK(pricewar::test::same(s.developers.value, Distribution::constant(kInf)));
    CHECK(pricewar::test::same(s.developers.reevaluate_prob, d.developers.reevaluate_prob));
    REQUIRE(s.vendors.size() == 1);
    CHECK(s.vendors[0].name == "alpha");
    CHECK(s.vendors[0].offers[0].name == "one");
    CHECK(s.vendors[0].offers[0].tier == "pro");
    CHECK(s.vendors[0].offers[0].free_quota_mtok == 0.0);
    CHECK(s.vendors[0].offers[0].active);
    CHECK(s.vendors[0].offers[0].strategy.name == "static");
    CHECK(s.events.empty());
    CHECK(s.output.surplus_sample == 2000);
}

TEST_CASE("integers are accepted where floats are expected, integral floats where integers are") {
    const Scenario s = parse_scenario(pricewar::test::edited("count = 100", "count = 100.0\nweight = 3"), "t.toml");
    CHECK(s.developers.count == 100);
    CHECK(s.developers.weight == 3.0);
}

TEST_CASE("resolved_toml round-trips") {
    SUBCASE("full scenario") {
        const Scenario s = parse_scenario(kFull, "full.toml");
        const std::string text = resolved_toml(s);
        const Scenario again = parse_scenario(text, "resolved.toml");
        check_equal(s, again);
        CHECK(resolved_toml(again) == text);  // a fixed point
    }
    SUBCASE("minimal scenario, awkward numbers and strings") {
        Scenario s = parse_scenario(kMinimal, "minimal.toml");
        s.description = "quotes \" backslash \\ tab \t newline \n unicode \xe4\xbb\xb7\xe6\xa0\xbc";
        s.vendors[0].cash = 0.1 + 0.2;
        s.vendors[0].fixed_cost = 1.2345678901234567e19;
        s.vendors[0].gpus = 5e-324;
        s.vendors[0].offers[0].price_in = 1.0 / 3.0;
        s.market.kappa = 1e-300;
        s.seed = 18446744073709551615ULL;  // above the largest TOML integer
        const Scenario again = parse_scenario(resolved_toml(s), "resolved.toml");
        check_equal(s, again);
    }
    SUBCASE("overrides are applied and recorded") {
        const Scenario s = parse_scenario(kMinimal, "minimal.toml", {"vendors.alpha.cash=5e8", "turns=10"});
        const std::string text = resolved_toml(s);
        CHECK(text.find("# --set vendors.alpha.cash=5e8") != std::string::npos);
        CHECK(text.find("cash = 500000000\n") != std::string::npos);
        const Scenario again = parse_scenario(text, "resolved.toml");
        check_equal(s, again);
        CHECK(again.turns == 10);
    }
}

TEST_CASE("seeds") {
    CHECK(parse_scenario(pricewar::test::edited("name = \"minimal\"", "name = \"m\"\nseed = 0"), "t").seed == 0);
    CHECK(parse_scenario(kMinimal, "t", {"seed=18446744073709551615"}).seed == 18446744073709551615ULL);
    const auto e = pricewar::test::error_of(kMinimal, {"seed=18446744073709551616"});
    CHECK(e.key == "seed");
    CHECK(e.column == 6);
}

TEST_CASE("load_scenario reads a file") {
    const test::ScratchDir dir;
    const std::filesystem::path path = dir.file("scenario.toml");
    {
        std::ofstream out(path);
        out << kMinimal;
    }
    const Scenario s = load_scenario(path.string(), {"developers.count=7"});
    CHECK(s.developers.count == 7);
    CHECK(s.source_path == path.string());
    CHECK(check_numeric_path(path.string(), "vendors.alpha.cash").empty());
}

TEST_CASE("check_numeric_path") {
    const Scenario s = parse_scenario(kFull, "full.toml");
    CHECK(check_numeric_path(s, "vendors.zhipu.cash") == "");
    CHECK(check_numeric_path(s, "vendors.zhipu.offers.glm4.strategy.margin_floor") == "");
    CHECK(check_numeric_path(s, "vendors.zhipu.offers.glm4-air.strategy.margin") == "");  // string strategy
    CHECK(check_numeric_path(s, "vendors.bytedance.cost_decline") == "");                 // optional, unset
    CHECK(check_numeric_path(s, "developers.value.median") == "");
    CHECK(check_numeric_path(s, "developers.value.min") == "");
    CHECK(check_numeric_path(s, "developers.quality_weight") == "");
    CHECK(check_numeric_path(s, "developers.network_params.m") == "");
    CHECK(check_numeric_path(s, "market.outside.cost") == "");
    CHECK(check_numeric_path(s, "developers.count") == "");
    CHECK(check_numeric_path(s, "vendors.zhipu.kind") == "is a string, not a number");
    CHECK(check_numeric_path(s, "vendors.zhipu") == "is a table, not a number (expected one of its numeric keys)");
    CHECK(check_numeric_path(s, "vendors.zhpiu.cash") ==
          "no such numeric key in this scenario (did you mean 'vendors.zhipu.cash'?)");
    CHECK(check_numeric_path(s, "developers.value.sigm") ==
          "no such numeric key in this scenario (did you mean 'developers.value.sigma'?)");
    CHECK(check_numeric_path(s, "nothing.like.this") == "no such numeric key in this scenario");
    CHECK(check_numeric_path(s, "events[0].price_in").find("events cannot be varied") != std::string::npos);

    const auto paths = numeric_paths(s);
    REQUIRE(!paths.empty());
    CHECK(paths.front() == "seed");  // resolved_toml order
    // Every path accepts a --set of a number.
    for (const auto& p : {"vendors.zhipu.offers.glm4-air.strategy.margin", "vendors.bytedance.cost_decline",
                          "developers.value.min", "market.outside.cost"}) {
        CAPTURE(p);
        CHECK_NOTHROW((void)parse_scenario(kFull, "full.toml", {std::string(p) + "=0.1"}));
    }
    CHECK(check_numeric_path("/nonexistent/dir/x.toml", "seed").find(":0:0: (file): cannot read:") !=
          std::string::npos);
}

TEST_CASE("nearest_key") {
    const std::vector<std::string> keys = {"price_in", "price_out", "unit_cost", "quality", "rationing_penalty"};
    CHECK(nearest_key("prce_in", keys) == "price_in");
    CHECK(nearest_key("pirce_out", keys) == "price_out");          // transposition
    CHECK(nearest_key("Quality", keys) == "quality");              // case
    CHECK(nearest_key("rationing", keys) == "rationing_penalty");  // unique abbreviation
    CHECK(nearest_key("price", keys) == "");                       // ambiguous abbreviation
    CHECK(nearest_key("zzz", keys) == "");
    CHECK(nearest_key("x", {"k", "m"}) == "");
    CHECK(nearest_key("", keys) == "");
}

TEST_CASE("throw_at reports the node's position") {
    const toml::table t = toml::parse("a = 1\nb = \"x\"\n", std::string_view("f.toml"));
    bool thrown = false;
    try {
        throw_at(*t.get("b"), "f.toml", "b", "bad");
    } catch (const InputError& e) {
        thrown = true;
        CHECK(std::string(e.what()) == "f.toml:2:5: b: bad");
        CHECK(e.line == 2);
        CHECK(e.column == 5);
    }
    CHECK(thrown);
}

// ----- the schema ----------------------------------------------------------------------------

namespace {

template <class S>
void check_written(const schema::Fields<S>& fields, const toml::table* table, const std::string& where) {
    REQUIRE(table != nullptr);
    for (const auto& f : fields) {
        if (!f.get || f.type == schema::Type::optional_number || f.omit_if_empty) continue;
        CAPTURE(where + f.key);
        CHECK(table->contains(f.key));
    }
}

}  // namespace

TEST_CASE("every declared key with a value is in the resolved scenario, so sweeps and --set reach it") {
    const Scenario s = parse_scenario(kFull, "full.toml");
    const toml::table t = parse_toml(resolved_toml(s), "resolved.toml");
    check_written(schema::top_fields(), &t, "");
    check_written(schema::market_fields(), t["market"].as_table(), "market.");
    check_written(schema::outside_fields(), t["market"]["outside"].as_table(), "market.outside.");
    check_written(schema::developer_fields(), t["developers"].as_table(), "developers.");
    check_written(schema::output_fields(), t["output"].as_table(), "output.");
    for (const auto& v : s.vendors) {
        check_written(schema::vendor_fields(), t["vendors"][v.id].as_table(), "vendors." + v.id + ".");
        for (const auto& o : v.offers)
            check_written(schema::offer_fields(), t["vendors"][v.id]["offers"][o.id].as_table(),
                          "vendors." + v.id + ".offers." + o.id + ".");
    }
}

TEST_CASE("a value changed in any declared field is a difference the schema reports") {
    const Scenario a = parse_scenario(kFull, "full.toml");
    Scenario b = a;
    CHECK(schema::scenario_differences(a, b).empty());
    b.market.kappa += 1.0;
    b.vendors.back().offers.front().free_quota_mtok += 1.0;
    b.developers.switching_cost.a += 0.5;
    const auto d = schema::scenario_differences(a, b);
    REQUIRE(d.size() == 3);
    CHECK(d[0] == "market.kappa");
    CHECK(d[1] == "developers.switching_cost");
    CHECK(d[2] == "vendors." + a.vendors.back().id + ".offers." + a.vendors.back().offers.front().id + ".free_quota");
}

TEST_CASE("start_date: a calendar date, written only when set") {
    const Scenario none = parse_scenario(kMinimal, "minimal.toml");
    CHECK(none.start_date.empty());
    CHECK(resolved_toml(none).find("start_date") == std::string::npos);
    const Scenario dated = parse_scenario(kMinimal, "minimal.toml", {"start_date=\"2024-04-29\""});
    CHECK(dated.start_date == "2024-04-29");
    CHECK(resolved_toml(dated).find("start_date = \"2024-04-29\"") != std::string::npos);
    CHECK(parse_scenario(kMinimal, "m.toml", {"start_date=\"2024-02-29\""}).start_date == "2024-02-29");  // leap
    for (const char* bad : {"2023-02-29", "2024-13-01", "2024-4-29", "29.04.2024", "2024-04-29x"}) {
        CAPTURE(bad);
        const InputError e = pricewar::test::error_of(kMinimal, {std::string("start_date=\"") + bad + "\""});
        CHECK(e.key == "start_date");
        CHECK(e.problem.find("expected a calendar date") != std::string::npos);
    }
}

TEST_CASE("event kinds: one table, in Event::Kind order, named by it") {
    const auto& kinds = event_kinds().all();
    REQUIRE(kinds.size() == 8);
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        CHECK(static_cast<std::size_t>(kinds[i].kind) == i);
        CHECK(kinds[i].name == to_string(kinds[i].kind));
    }
    CHECK(event_kinds().unknown("prise") ==
          "unknown event kind 'prise' (expected one of: price, launch, withdraw, quality, cost_shock, gpu_supply, "
          "vc_climate, vendor_entry; did you mean 'price'?)");
}

TEST_CASE("registries give one unknown-name message") {
    CHECK(strategy_registry().unknown("folower").find("unknown strategy 'folower' (expected one of: static,") == 0);
    CHECK(strategy_registry().unknown("folower").find("did you mean 'follower'?)") != std::string::npos);
    CHECK(network_registry().unknown("smallworld").find("unknown network 'smallworld'") == 0);
    CHECK(network_registry().unknown("smallworld").find("did you mean 'small_world'?") != std::string::npos);
}

TEST_CASE("key reference lists every declared key with its default") {
    const std::string md = schema::key_reference(true);
    for (const auto& f : schema::vendor_fields())
        CHECK(md.find("`vendors.<id>." + f.key + "`") != std::string::npos);
    CHECK(md.find("| `developers.count` | integer | **required** | in [1, 50000000] |") != std::string::npos);
    CHECK(md.find("| `market.kappa` | number | `0.1` | >= 0 | currency/Mtok |") != std::string::npos);
    CHECK(md.find("`strategy.match_ratio`") != std::string::npos);
    CHECK(md.find("`developers.network_params.rewire`") != std::string::npos);
}
