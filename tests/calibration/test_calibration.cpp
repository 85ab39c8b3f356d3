// Stylised facts of the 2024 Chinese LLM API price war, measured on
// scenarios/china-2024/endogenous.toml over many seeds, and the counterfactual table of
// docs/calibration.md. Every figure is printed. A fact is asserted on the mean over seeds
// (SF6 on its frequency over seeds), with the thresholds of the facts as stated in
// docs/calibration.md; the share of seeds in which each fact holds is printed beside it.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "agents/strategy.hpp"
#include "sim/engine/engine.hpp"
#include "sim/scenario/loader.hpp"

using namespace pricewar;

namespace {

constexpr int kSeeds = 40;                 // replicates per scenario (rules.toml)
constexpr int kPricedSeeds = 12;           // replicates of the scenarios priced from incentives
constexpr std::uint64_t kFirstSeed = 101;  // seeds kFirstSeed .. kFirstSeed + kSeeds - 1
constexpr int kWindow = 8;                 // "within 8 turns" of DeepSeek's cut
constexpr int kResponseWindow = 4;         // "within 4 turns" (SF1)
constexpr int kCompareTurn = 52;           // counterfactual comparison turn (one year)

const std::vector<std::string> kGiants = {"bytedance", "alibaba", "baidu", "tencent"};
const std::vector<std::string> kHoldouts = {"01ai", "baichuan", "moonshot", "minimax"};
const std::string kChallenger = "deepseek";

// The scenario files; PRICEWAR_CALIBRATION_DIR points the test at edited copies (the
// sensitivity runs of docs/calibration.md).
std::string scenario_path(const std::string& name) {
    const char* dir = std::getenv("PRICEWAR_CALIBRATION_DIR");
    const std::string base =
        dir != nullptr && *dir != '\0' ? std::string(dir) : std::string(PRICEWAR_SOURCE_DIR) + "/scenarios/china-2024";
    return base + "/" + name + ".toml";
}

struct Stats {
    double mean = 0, sd = 0, min = 0, max = 0;
};

Stats stats(const std::vector<double>& x) {
    Stats s;
    if (x.empty()) return s;
    s.mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
    double ss = 0;
    for (const double v : x)
        ss += (v - s.mean) * (v - s.mean);
    s.sd = x.size() > 1 ? std::sqrt(ss / static_cast<double>(x.size() - 1)) : 0.0;
    s.min = *std::min_element(x.begin(), x.end());
    s.max = *std::max_element(x.begin(), x.end());
    return s;
}

std::string pm(const Stats& s, int digits = 3) {
    return fmt::format("{:.{}g} ± {:.{}g}", s.mean, digits, s.sd, 2);
}
std::string pct(const Stats& s) {
    return fmt::format("{:.1f} % ± {:.1f}", 100 * s.mean, 100 * s.sd);
}

const Table& series(const std::vector<Table>& group, const std::string& name) {
    for (const auto& t : group)
        if (t.name == name) return t;
    FAIL("the run record has no series '" << name << "'");
    return group.front();
}

int vendor_index(const RunRecord& r, const std::string& id) {
    const auto it = std::find(r.vendor_names.begin(), r.vendor_names.end(), id);
    REQUIRE_MESSAGE(it != r.vendor_names.end(), "no vendor '" << id << "' in the scenario");
    return static_cast<int>(it - r.vendor_names.begin());
}

// List price (blended) of a flattened offer at a turn as the scenario sets it: its scenario
// prices, then every price or launch event with a price up to that turn. The recorded price
// series has no price while an offer is not on sale (NaN).
double list_price_at(const Scenario& sc, int offer, int turn) {
    const auto idx = sc.offer_index();
    const auto [v, o] = idx[static_cast<std::size_t>(offer)];
    const auto& spec = sc.vendors[static_cast<std::size_t>(v)].offers[static_cast<std::size_t>(o)];
    double in = spec.price_in, out = spec.price_out;
    for (const auto& e : sc.events)
        if (e.offer == offer && e.turn <= turn && (e.kind == Event::Kind::price || e.kind == Event::Kind::launch)) {
            in = e.price_in.value_or(in);
            out = e.price_out.value_or(out);
        }
    return blended_price(in, out, sc.market.output_share);
}

bool on_sale(const RunRecord& r, std::size_t offer, int turn) {
    return series(r.offer_series, "available").at(static_cast<std::size_t>(turn), offer) > 0.5;
}

// Where the war starts: the turn and offer of the challenger's scripted price event.
struct Trigger {
    int turn = -1;
    int offer = -1;
};

Trigger find_trigger(const Scenario& sc) {
    Trigger t;
    for (const auto& e : sc.events) {
        const bool priced =
            (e.kind == Event::Kind::price || e.kind == Event::Kind::launch) && (e.price_in || e.price_out);
        if (priced && e.vendor >= 0 && sc.vendors[static_cast<std::size_t>(e.vendor)].id == kChallenger) {
            t = {e.turn, e.offer};
            break;
        }
    }
    REQUIRE_MESSAGE(t.turn >= 1, "the scenario has no scripted price move by '" << kChallenger << "'");
    return t;
}

// Rivals whose quality is within this band are comparable: the pricing rules' default.
double comparable_band() {
    const auto* info = find_strategy("follower");
    REQUIRE(info != nullptr);
    for (const auto& p : info->params)
        if (p.name == "quality_band") return p.default_value;
    FAIL("follower declares no quality_band");
    return 0.0;
}

// Relative price fall from price p0 to price p1 (1 = free, 0 = unchanged, < 0 = a rise).
double fall(double p0, double p1) {
    return p0 > 0 ? 1.0 - p1 / p0 : 0.0;
}

// Relative price fall of an offer on sale at both turns.
double fall(const Table& price, std::size_t offer, int from, int to) {
    return fall(price.at(static_cast<std::size_t>(from), offer), price.at(static_cast<std::size_t>(to), offer));
}

// Everything the facts need from one run.
struct RunFacts {
    std::vector<double> giant_cut;  // SF1: best cut of a comparable offer, per giant
    int giants_cutting = 0;
    std::vector<double> holdout_cut;  // SF2: largest flagship cut within the window, per holdout
    double token_ratio = 0, avg_price_ratio = 0, spend_ratio = 0;  // SF3
    double deepseek_min_margin = 0;                                // SF4
    double flagship_fall = 0, lite_fall = 0;                       // SF5
    double flagship_fall_52 = 0, lite_fall_52 = 0;
    bool giant_exit = false, giants_serving = true, startup_exit = false;  // SF6
    int startup_exits = 0;
    double alibaba_developer_ratio = 0, baidu_token_ratio = 0, prewar_tokens = 0;  // calibration targets
    std::vector<int> budget_spent_turn;  // per giant: turn whose books take the AI unit past its loss budget; -1 never
    std::vector<double> subsidy_per_mtok_9, subsidy_per_mtok_52;  // per giant: cross-subsidy / tokens served
};

double tier_mean_fall(const RunRecord& r, const std::string& tier, int from, int to) {
    const auto& price = series(r.offer_series, "price");
    double sum = 0;
    int n = 0;
    for (std::size_t o = 0; o < r.offer_names.size(); ++o) {
        if (r.offer_tiers[o] != tier || !on_sale(r, o, from) || !on_sale(r, o, to)) continue;
        sum += fall(price, o, from, to);
        ++n;
    }
    REQUIRE_MESSAGE(n > 0, "no live '" << tier << "' offers");
    return sum / n;
}

RunFacts measure(const Scenario& sc, const RunRecord& r) {
    const Trigger trig = find_trigger(sc);
    const int pre = trig.turn - 1;
    const int respond = trig.turn + kResponseWindow;
    const int window = trig.turn + kWindow;
    REQUIRE(r.turns > std::max(kCompareTurn, window));
    const auto& price = series(r.offer_series, "price");
    const auto& margin = series(r.offer_series, "gross_margin");
    const auto& offer_devs = series(r.offer_series, "developers");
    const auto& vendor_tokens = series(r.vendor_series, "tokens");
    const auto& tokens = series(r.market_series, "total_tokens");
    const auto& avg = series(r.market_series, "avg_price");
    const auto& spend = series(r.market_series, "total_spend");
    const auto& quality = series(r.offer_series, "quality");
    const double band = comparable_band();
    const double challenger_q = quality.at(static_cast<std::size_t>(trig.turn), static_cast<std::size_t>(trig.offer));
    RunFacts f;

    // SF1: a giant cuts when one of its offers comparable to the challenger's is >= 80 % cheaper
    // than at turn `pre` (an offer launched later counts from the list price the scenario gave
    // it at `pre`).
    for (const auto& id : kGiants) {
        const int v = vendor_index(r, id);
        double best = -kInf;
        for (std::size_t o = 0; o < r.offer_names.size(); ++o) {
            const auto t = static_cast<std::size_t>(respond);
            if (r.offer_vendor[o] != v || !on_sale(r, o, respond) ||
                std::abs(quality.at(t, o) - challenger_q) > band + 1e-12)
                continue;
            const double before = on_sale(r, o, pre) ? price.at(static_cast<std::size_t>(pre), o)
                                                     : list_price_at(sc, static_cast<int>(o), pre);
            best = std::max(best, fall(before, price.at(t, o)));
        }
        REQUIRE_MESSAGE(best > -kInf, id << " has no offer on sale comparable to the challenger's");
        f.giant_cut.push_back(best);
        f.giants_cutting += best >= 0.8 ? 1 : 0;
    }
    // SF2: the largest cut of each holdout's flagship at any turn of the window.
    for (const auto& id : kHoldouts) {
        const int v = vendor_index(r, id);
        double worst = 0;
        bool has_flagship = false;
        for (std::size_t o = 0; o < r.offer_names.size(); ++o) {
            if (r.offer_vendor[o] != v || r.offer_tiers[o] != "flagship") continue;
            has_flagship = true;
            for (int t = trig.turn; t <= window; ++t)
                if (on_sale(r, o, pre) && on_sale(r, o, t)) worst = std::max(worst, fall(price, o, pre, t));
        }
        REQUIRE_MESSAGE(has_flagship, id << " has no flagship offer");
        f.holdout_cut.push_back(worst);
    }
    // SF3: the Jevons test.
    const auto p = static_cast<std::size_t>(pre), w = static_cast<std::size_t>(window);
    f.token_ratio = tokens.at(w, 0) / tokens.at(p, 0);
    f.avg_price_ratio = avg.at(w, 0) / avg.at(p, 0);
    f.spend_ratio = spend.at(w, 0) / spend.at(p, 0);
    f.prewar_tokens = tokens.at(p, 0);
    // SF4: DeepSeek's gross margin on its offer, from its cut to the horizon.
    f.deepseek_min_margin = kInf;
    for (int t = trig.turn; t < r.turns; ++t)
        f.deepseek_min_margin = std::min(f.deepseek_min_margin,
                                         margin.at(static_cast<std::size_t>(t), static_cast<std::size_t>(trig.offer)));
    // SF5: average relative fall by tier.
    f.flagship_fall = tier_mean_fall(r, "flagship", pre, window);
    f.lite_fall = tier_mean_fall(r, "lite", pre, window);
    f.flagship_fall_52 = tier_mean_fall(r, "flagship", pre, kCompareTurn);
    f.lite_fall_52 = tier_mean_fall(r, "lite", pre, kCompareTurn);
    // SF6: exits over the horizon.
    const auto last = static_cast<std::size_t>(r.turns - 1);
    for (const auto& id : kGiants) {
        const auto v = static_cast<std::size_t>(vendor_index(r, id));
        f.giant_exit = f.giant_exit || r.exit_turn[v] >= 0;
        f.giants_serving = f.giants_serving && vendor_tokens.at(last, v) > 0.0;
    }
    for (std::size_t v = 0; v < r.vendor_names.size(); ++v)
        if (r.vendor_kinds[v] == "startup" && r.exit_turn[v] >= 0) ++f.startup_exits;
    f.startup_exit = f.startup_exits > 0;
    // Calibration targets (reported, not asserted): Alibaba's developers two months after the
    // cut, Baidu's served tokens a quarter after.
    const int ali = vendor_index(r, "alibaba"), baidu = vendor_index(r, "baidu");
    double ali_before = 0, ali_after = 0;
    for (std::size_t o = 0; o < r.offer_names.size(); ++o)
        if (r.offer_vendor[o] == ali) {
            ali_before += offer_devs.at(p, o);
            ali_after += offer_devs.at(w, o);
        }
    f.alibaba_developer_ratio = ali_after / ali_before;
    f.baidu_token_ratio = vendor_tokens.at(static_cast<std::size_t>(pre + 13), static_cast<std::size_t>(baidu)) /
                          vendor_tokens.at(p, static_cast<std::size_t>(baidu));
    // Loss budgets: the AI unit's cumulative profit excludes cross-subsidy (docs/model.md, "Vendors").
    const auto& profit = series(r.vendor_series, "profit");
    const auto& subsidy = series(r.vendor_series, "cross_subsidy");
    for (const auto& id : kGiants) {
        const auto v = static_cast<std::size_t>(vendor_index(r, id));
        const double budget = sc.vendors[v].loss_budget;
        double ai = 0;
        int spent = -1;
        for (int t = 0; t < r.turns && spent < 0; ++t) {
            ai += profit.at(static_cast<std::size_t>(t), v) - subsidy.at(static_cast<std::size_t>(t), v);
            if (-ai > budget) spent = t;
        }
        f.budget_spent_turn.push_back(spent);
        f.subsidy_per_mtok_9.push_back(subsidy.at(w, v) / vendor_tokens.at(w, v));
        f.subsidy_per_mtok_52.push_back(subsidy.at(static_cast<std::size_t>(kCompareTurn), v) /
                                        vendor_tokens.at(static_cast<std::size_t>(kCompareTurn), v));
    }
    return f;
}

std::vector<RunRecord> run_seeds(const Scenario& sc, int seeds = kSeeds) {
    std::vector<RunRecord> out;
    out.reserve(static_cast<std::size_t>(seeds));
    for (int i = 0; i < seeds; ++i)
        out.push_back(run_scenario(sc, kFirstSeed + static_cast<std::uint64_t>(i)));
    return out;
}

template <class F>
Stats over(const std::vector<RunFacts>& facts, F get) {
    std::vector<double> x;
    x.reserve(facts.size());
    for (const auto& f : facts)
        x.push_back(get(f));
    return stats(x);
}

}  // namespace

TEST_CASE("the pre-war prices are a rest point: without DeepSeek's cut and OpenAI's release nobody cuts") {
    // rules.toml: by the calibration of the rules; endogenous.toml: by coordination on the
    // focal prices, which no comparable rival breaks.
    for (const char* name : {"rules", "endogenous"}) {
        INFO(name);
        // Keep only the launches, at their list prices, make the challenger static and drop
        // OpenAI's release: every offer on sale at turn 0 must then keep its pre-war price.
        Scenario sc = load_scenario(scenario_path(name));
        const int quiet_turns = 12;
        sc.turns = quiet_turns;
        std::erase_if(sc.events, [](const Event& e) { return e.kind != Event::Kind::launch; });
        for (auto& e : sc.events)
            e.price_in = e.price_out = std::nullopt;
        for (auto& v : sc.vendors)
            if (v.id == kChallenger)
                for (auto& o : v.offers)
                    o.strategy = StrategySpec{};
        std::vector<bool> on_sale;
        for (const auto& v : sc.vendors)
            for (const auto& o : v.offers)
                on_sale.push_back(o.active);
        const RunRecord r = run_scenario(sc, kFirstSeed);
        const auto& price = series(r.offer_series, "price");
        for (std::size_t o = 0; o < r.offer_names.size(); ++o) {
            if (!on_sale[o]) continue;
            for (int t = 1; t < quiet_turns; ++t) {
                INFO("offer " << r.offer_names[o] << " at turn " << t);
                CHECK(price.at(static_cast<std::size_t>(t), o) == doctest::Approx(price.at(0, o)));
            }
        }
    }
}

// The baseline runs, made once and shared by the subcases (doctest re-enters the test case
// body once per subcase).
struct Baseline {
    Scenario scenario;
    std::vector<RunRecord> runs;
    std::vector<RunFacts> facts;
};

const Baseline& baseline() {
    static const Baseline b = [] {
        Baseline out;
        out.scenario = load_scenario(scenario_path("rules"));
        out.runs = run_seeds(out.scenario);
        for (const auto& r : out.runs)
            out.facts.push_back(measure(out.scenario, r));
        return out;
    }();
    return b;
}

TEST_CASE("stylised facts of the 2024 price war, in-sample (rules.toml: reaction rules fitted to May 2024)") {
    const Scenario& sc = baseline().scenario;
    REQUIRE(sc.turns >= 104);
    const auto& runs = baseline().runs;
    const auto& facts = baseline().facts;

    SUBCASE("setting") {
        MESSAGE(fmt::format("{} seeds, {} developers x weight {}; DeepSeek cuts at turn {}", kSeeds,
                            sc.developers.count, sc.developers.weight, find_trigger(sc).turn));
    }
    SUBCASE("SF1: at least 3 of the 4 cloud giants cut a DeepSeek-comparable offer by >= 80 % within 4 turns") {
        for (std::size_t g = 0; g < kGiants.size(); ++g)
            MESSAGE(fmt::format("SF1 {:<10} largest cut of a comparable offer: {}", kGiants[g],
                                pct(over(facts, [&](const RunFacts& f) { return f.giant_cut[g]; }))));
        const Stats n = over(facts, [](const RunFacts& f) { return static_cast<double>(f.giants_cutting); });
        const Stats holds = over(facts, [](const RunFacts& f) { return f.giants_cutting >= 3 ? 1.0 : 0.0; });
        MESSAGE(fmt::format("SF1 giants cutting >= 80 %: {} (min {:g}); holds in {:.0f} % of seeds", pm(n), n.min,
                            100 * holds.mean));
        CHECK(n.mean >= 3);
    }
    SUBCASE("SF2: no holdout startup cuts its flagship by more than 30 % within 8 turns") {
        for (std::size_t h = 0; h < kHoldouts.size(); ++h) {
            const Stats c = over(facts, [&](const RunFacts& f) { return f.holdout_cut[h]; });
            const Stats holds = over(facts, [&](const RunFacts& f) { return f.holdout_cut[h] <= 0.30 ? 1.0 : 0.0; });
            MESSAGE(fmt::format("SF2 {:<10} largest flagship cut: {} (max {:.1f} %); at most 30 % in {:.0f} % of seeds",
                                kHoldouts[h], pct(c), 100 * c.max, 100 * holds.mean));
            CHECK(c.mean <= 0.30);
        }
    }
    SUBCASE("SF3: tokens at least double within 8 turns while the average price falls; spend falls less (Jevons)") {
        const Stats q = over(facts, [](const RunFacts& f) { return f.token_ratio; });
        const Stats p = over(facts, [](const RunFacts& f) { return f.avg_price_ratio; });
        const Stats s = over(facts, [](const RunFacts& f) { return f.spend_ratio; });
        MESSAGE(fmt::format("SF3 pre-war volume {} Mtok/week",
                            pm(over(facts, [](const RunFacts& f) { return f.prewar_tokens; }))));
        MESSAGE(fmt::format("SF3 total tokens x{}  average price x{}  total spend x{}", pm(q), pm(p), pm(s)));
        MESSAGE(fmt::format("SF3 change: tokens {:+.0f} %, average price {:+.1f} %, spend {:+.1f} %",
                            100 * (q.mean - 1), 100 * (p.mean - 1), 100 * (s.mean - 1)));
        const Stats holds = over(facts, [](const RunFacts& f) {
            return f.token_ratio >= 2 && f.avg_price_ratio < 1 && f.spend_ratio > f.avg_price_ratio ? 1.0 : 0.0;
        });
        MESSAGE(fmt::format("SF3 holds in {:.0f} % of seeds", 100 * holds.mean));
        CHECK(q.mean >= 2.0);
        CHECK(p.mean < 1.0);
        CHECK(1.0 - s.mean < 1.0 - p.mean);
    }
    SUBCASE("SF4: DeepSeek's gross margin stays above 50 %") {
        const Stats m = over(facts, [](const RunFacts& f) { return f.deepseek_min_margin; });
        MESSAGE(fmt::format("SF4 DeepSeek's lowest gross margin from its cut to the horizon: {} (min {:.3f})", pm(m),
                            m.min));
        CHECK(m.mean > 0.5);
    }
    SUBCASE("SF5: flagship prices fall less, in percent, than lite prices") {
        const Stats fl = over(facts, [](const RunFacts& f) { return f.flagship_fall; });
        const Stats li = over(facts, [](const RunFacts& f) { return f.lite_fall; });
        const Stats holds = over(facts, [](const RunFacts& f) { return f.flagship_fall < f.lite_fall ? 1.0 : 0.0; });
        MESSAGE(fmt::format("SF5 mean fall within 8 turns: flagship {}, lite {}; holds in {:.0f} % of seeds", pct(fl),
                            pct(li), 100 * holds.mean));
        MESSAGE(fmt::format("SF5 mean fall by turn {}: flagship {}, lite {}", kCompareTurn,
                            pct(over(facts, [](const RunFacts& f) { return f.flagship_fall_52; })),
                            pct(over(facts, [](const RunFacts& f) { return f.lite_fall_52; }))));
        CHECK(fl.mean < li.mean);
    }
    SUBCASE("SF6: over 104 turns no cloud giant exits; a startup exits in more than 20 % of seeds") {
        const Stats ge = over(facts, [](const RunFacts& f) { return f.giant_exit ? 1.0 : 0.0; });
        const Stats gs = over(facts, [](const RunFacts& f) { return f.giants_serving ? 1.0 : 0.0; });
        const Stats se = over(facts, [](const RunFacts& f) { return f.startup_exit ? 1.0 : 0.0; });
        const Stats n = over(facts, [](const RunFacts& f) { return static_cast<double>(f.startup_exits); });
        MESSAGE(fmt::format(
            "SF6 seeds with a giant exit: {:.0f} %; with every giant still serving at the horizon: {:.0f} %",
            100 * ge.mean, 100 * gs.mean));
        MESSAGE(fmt::format("SF6 seeds with a startup exit: {:.0f} %; startup exits per run {}", 100 * se.mean, pm(n)));
        for (std::size_t v = 0; v < runs.front().vendor_names.size(); ++v) {
            if (runs.front().vendor_kinds[v] != "startup") continue;
            std::vector<double> exits;
            for (const auto& r : runs)
                exits.push_back(r.exit_turn[v] >= 0 ? 1.0 : 0.0);
            MESSAGE(fmt::format("SF6   {:<10} exits in {:.0f} % of seeds", runs.front().vendor_names[v],
                                100 * stats(exits).mean));
        }
        CHECK(ge.max == 0.0);
        CHECK(gs.min == 1.0);
        CHECK(se.mean > 0.2);
    }
    SUBCASE("giants' cross-subsidy and loss budgets (reported, not asserted)") {
        for (std::size_t g = 0; g < kGiants.size(); ++g)
            MESSAGE(fmt::format("cross-subsidy per Mtok served {:<10} turn {}: {} CNY/Mtok; turn {}: {} CNY/Mtok",
                                kGiants[g], find_trigger(sc).turn + kWindow,
                                pm(over(facts, [&](const RunFacts& f) { return f.subsidy_per_mtok_9[g]; })),
                                kCompareTurn,
                                pm(over(facts, [&](const RunFacts& f) { return f.subsidy_per_mtok_52[g]; }))));
        for (std::size_t g = 0; g < kGiants.size(); ++g) {
            std::vector<double> spent;
            for (const auto& f : facts)
                if (f.budget_spent_turn[g] >= 0) spent.push_back(f.budget_spent_turn[g]);
            const Stats s = stats(spent);
            MESSAGE(fmt::format("loss budget {:<10} spent in {:.0f} % of seeds, at turn {} (min {:g}, max {:g})",
                                kGiants[g],
                                100.0 * static_cast<double>(spent.size()) / static_cast<double>(facts.size()),
                                spent.empty() ? std::string("-") : pm(s), s.min, s.max));
        }
    }
    SUBCASE("calibration targets (reported, not asserted)") {
        MESSAGE(
            fmt::format("Alibaba developers, 8 turns after the cut / before: x{} (reported: paying customers 90 k -> "
                        "230 k in two months, x2.6)",
                        pm(over(facts, [](const RunFacts& f) { return f.alibaba_developer_ratio; }))));
        MESSAGE(
            fmt::format("Baidu tokens served, 13 turns after the cut / before: x{} (reported: API calls +150 % quarter "
                        "on quarter, x2.5)",
                        pm(over(facts, [](const RunFacts& f) { return f.baidu_token_ratio; }))));
    }
}

TEST_CASE("stylised facts out of sample (endogenous.toml: prices from incentives)") {
    // No vendor that reacted in 2024 has a constant fitted to its reaction, so each fact
    // either emerges from the vendors' incentives or does not; docs/calibration.md reports
    // both. The checks pin the documented outcome, whichever way it went.
    const Scenario sc = load_scenario(scenario_path("endogenous"));
    std::vector<RunFacts> facts;
    std::vector<RunRecord> runs = run_seeds(sc, kPricedSeeds);
    for (const auto& r : runs)
        facts.push_back(measure(sc, r));
    const Stats n = over(facts, [](const RunFacts& f) { return static_cast<double>(f.giants_cutting); });
    std::string giants;
    for (std::size_t g = 0; g < kGiants.size(); ++g)
        giants +=
            fmt::format(" {} {}", kGiants[g], pct(over(facts, [&](const RunFacts& f) { return f.giant_cut[g]; })));
    MESSAGE(fmt::format("{} seeds. SF1 giants cutting >= 80 %: {} (min {:g});{}", kPricedSeeds, pm(n), n.min, giants));
    for (std::size_t h = 0; h < kHoldouts.size(); ++h)
        MESSAGE(fmt::format("SF2 {:<10} largest flagship cut: {} (input: premium stance)", kHoldouts[h],
                            pct(over(facts, [&](const RunFacts& f) { return f.holdout_cut[h]; }))));
    const Stats q = over(facts, [](const RunFacts& f) { return f.token_ratio; });
    const Stats p = over(facts, [](const RunFacts& f) { return f.avg_price_ratio; });
    const Stats sp = over(facts, [](const RunFacts& f) { return f.spend_ratio; });
    MESSAGE(fmt::format("SF3 total tokens x{}  average price x{}  total spend x{}", pm(q), pm(p), pm(sp)));
    const Stats m = over(facts, [](const RunFacts& f) { return f.deepseek_min_margin; });
    MESSAGE(fmt::format("SF4 DeepSeek's lowest gross margin: {} (input: its scripted price over its cost)", pm(m)));
    const Stats fl = over(facts, [](const RunFacts& f) { return f.flagship_fall; });
    const Stats li = over(facts, [](const RunFacts& f) { return f.lite_fall; });
    MESSAGE(fmt::format("SF5 mean fall within 8 turns: flagship {}, lite {}; by turn {}: flagship {}, lite {}", pct(fl),
                        pct(li), kCompareTurn, pct(over(facts, [](const RunFacts& f) { return f.flagship_fall_52; })),
                        pct(over(facts, [](const RunFacts& f) { return f.lite_fall_52; }))));
    const Stats ge = over(facts, [](const RunFacts& f) { return f.giant_exit ? 1.0 : 0.0; });
    const Stats se = over(facts, [](const RunFacts& f) { return f.startup_exit ? 1.0 : 0.0; });
    MESSAGE(fmt::format("SF6 seeds with a giant exit {:.0f} %, with a startup exit {:.0f} %", 100 * ge.mean,
                        100 * se.mean));
    for (std::size_t v = 0; v < runs.front().vendor_names.size(); ++v) {
        if (runs.front().vendor_kinds[v] != "startup") continue;
        std::vector<double> exits;
        for (const auto& r : runs)
            exits.push_back(r.exit_turn[v] >= 0 ? 1.0 : 0.0);
        MESSAGE(fmt::format("SF6   {:<10} exits in {:.0f} % of seeds", runs.front().vendor_names[v],
                            100 * stats(exits).mean));
    }
    MESSAGE(fmt::format("Alibaba developers x{} (reported x2.6); Baidu tokens x{} (reported x2.5)",
                        pm(over(facts, [](const RunFacts& f) { return f.alibaba_developer_ratio; })),
                        pm(over(facts, [](const RunFacts& f) { return f.baidu_token_ratio; }))));
    // Documented outcomes (docs/calibration.md, "Prices from incentives").
    CHECK(n.mean >= 3);    // SF1 emerges
    CHECK(q.mean >= 2.0);  // SF3 emerges
    CHECK(p.mean < 1.0);
    CHECK(1.0 - sp.mean < 1.0 - p.mean);
    CHECK(ge.max == 0.0);      // SF6, giants: by the engine (clouds never exit)
    CHECK(fl.mean < li.mean);  // SF5 emerges: the flagship moves are not among the estimation moments
}

TEST_CASE("the same measures on the recorded history (history.toml, reported only)") {
    // The history is scripted, so its prices are data; what the model adds is the demand
    // response to them. Printed beside the endogenous figures in docs/calibration.md.
    const Scenario sc = load_scenario(scenario_path("history"));
    std::vector<RunFacts> facts;
    for (const auto& r : run_seeds(sc))
        facts.push_back(measure(sc, r));
    std::string giants;
    for (std::size_t g = 0; g < kGiants.size(); ++g)
        giants += fmt::format(" {} {:.1f} %", kGiants[g],
                              100 * over(facts, [&](const RunFacts& f) { return f.giant_cut[g]; }).mean);
    MESSAGE(fmt::format("history SF1 giants cutting >= 80 %: {};{}",
                        pm(over(facts, [](const RunFacts& f) { return static_cast<double>(f.giants_cutting); })),
                        giants));
    double holdout = 0;
    for (const auto& f : facts)
        holdout = std::max(holdout, *std::max_element(f.holdout_cut.begin(), f.holdout_cut.end()));
    MESSAGE(fmt::format("history SF2 largest holdout flagship cut: {:.1f} %", 100 * holdout));
    MESSAGE(fmt::format("history SF3 total tokens x{}  average price x{}  total spend x{}",
                        pm(over(facts, [](const RunFacts& f) { return f.token_ratio; })),
                        pm(over(facts, [](const RunFacts& f) { return f.avg_price_ratio; })),
                        pm(over(facts, [](const RunFacts& f) { return f.spend_ratio; }))));
    MESSAGE(fmt::format("history SF4 DeepSeek's lowest gross margin: {}",
                        pm(over(facts, [](const RunFacts& f) { return f.deepseek_min_margin; }))));
    MESSAGE(fmt::format("history SF5 mean fall within 8 turns: flagship {}, lite {}",
                        pct(over(facts, [](const RunFacts& f) { return f.flagship_fall; })),
                        pct(over(facts, [](const RunFacts& f) { return f.lite_fall; }))));
    MESSAGE(fmt::format("history SF6 seeds with a startup exit: {:.0f} %",
                        100 * over(facts, [](const RunFacts& f) { return f.startup_exit ? 1.0 : 0.0; }).mean));
    MESSAGE(fmt::format("history Alibaba developers x{}, Baidu tokens x{}",
                        pm(over(facts, [](const RunFacts& f) { return f.alibaba_developer_ratio; })),
                        pm(over(facts, [](const RunFacts& f) { return f.baidu_token_ratio; }))));
}

TEST_CASE("first responses: endogenous prices against the recorded history") {
    // Prices of the offers that moved in May-July 2024, history.toml (scripted) against
    // rules.toml (fitted rules) and endogenous.toml (incentives), at the turns after the
    // moves. Printed for docs/calibration.md.
    const RunRecord h = run_scenario(load_scenario(scenario_path("history")), kFirstSeed);
    const RunRecord r = run_scenario(load_scenario(scenario_path("rules")), kFirstSeed);
    const RunRecord e = run_scenario(load_scenario(scenario_path("endogenous")), kFirstSeed);
    REQUIRE(h.offer_names == e.offer_names);
    REQUIRE(h.offer_names == r.offer_names);
    const auto& hp = series(h.offer_series, "price");
    const auto& rp = series(r.offer_series, "price");
    const auto& ep = series(e.offer_series, "price");
    const std::vector<int> turns = {0, 1, 2, 3, 5, 9, 13};
    auto shown = [](double p) { return std::isnan(p) ? std::string("-") : fmt::format("{:.3g}", p); };
    std::string header = "| offer |";
    for (const int t : turns)
        header += fmt::format(" t{} |", t);
    MESSAGE((header + " (blended CNY/Mtok, history / rules / endogenous; - = not on sale)"));
    for (std::size_t o = 0; o < h.offer_names.size(); ++o) {
        std::string row = "| " + h.offer_names[o] + " |";
        for (const int t : turns) {
            const auto ts = static_cast<std::size_t>(t);
            row += fmt::format(" {} / {} / {} |", shown(hp.at(ts, o)), shown(rp.at(ts, o)), shown(ep.at(ts, o)));
        }
        MESSAGE(row);
    }
}

TEST_CASE("startup survival agrees across agent counts and with mean-field mode") {
    // docs/calibration.md, "Convergence in the number of agents": the same population of teams
    // (count x weight) at 4,000 and 8,000 agents, and in mean-field mode, on rules.toml (the
    // startup-finance mechanism under fixed pricing rules).
    const Scenario base = load_scenario(scenario_path("rules"));
    const double teams = static_cast<double>(base.developers.count) * base.developers.weight;
    auto survival = [&](std::int64_t count, DemandMode mode) {
        Scenario sc = base;
        sc.developers.count = count;
        sc.developers.weight = teams / static_cast<double>(count);
        sc.developers.mode = mode;
        std::vector<double> x;
        for (const auto& r : run_seeds(sc))
            x.push_back(r.market_summary_value("startup_survival_share"));
        return stats(x).mean;
    };
    const double s4 = survival(4000, DemandMode::agent), s8 = survival(8000, DemandMode::agent);
    const double mf = survival(4000, DemandMode::mean_field);
    MESSAGE(
        fmt::format("startup survival t104 over {} seeds: 4,000 agents {:.3f}, 8,000 agents {:.3f}, mean field {:.3f}",
                    kSeeds, s4, s8, mf));
    // Tolerance 0.05: about 2.5 standard errors of a difference of two 40-seed means.
    CHECK(std::abs(s4 - s8) < 0.05);
    CHECK(std::abs(s8 - mf) < 0.05);
}
