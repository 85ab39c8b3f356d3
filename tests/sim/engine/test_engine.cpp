#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cmath>

#include "sim/engine/engine.hpp"
#include "tests/fixtures.hpp"

using namespace pricewar;
using pricewar::testing::small_market;
using pricewar::testing::strategy;

namespace {

const Table& series(const std::vector<Table>& group, const std::string& name) {
    for (const auto& t : group)
        if (t.name == name) return t;
    FAIL("no series " << name);
    return group.front();
}

double vendor_token_share(const RunRecord& r, std::size_t v, std::size_t from, std::size_t to) {
    const auto& tok = series(r.vendor_series, "tokens");
    double mine = 0, all = 0;
    for (std::size_t t = from; t < to; ++t)
        for (std::size_t w = 0; w < tok.cols; ++w) {
            all += tok.at(t, w);
            if (w == v) mine += tok.at(t, w);
        }
    return mine / all;
}

// A timeline event of `kind` for `offer` at `turn` (the caller fills in what the kind needs).
Event ev(int turn, Event::Kind kind, int offer) {
    Event e;
    e.turn = turn;
    e.kind = kind;
    e.offer = offer;
    return e;
}

}  // namespace

TEST_CASE("cash identity holds every turn for every vendor") {
    auto sc = small_market();
    auto& st = sc.vendors[1];
    st.fixed_cost = 2e5;  // a few turns of runway: rounds are sought, burn is cut
    st.raise_runway_turns = 30;
    st.raise_spacing = 3;
    st.round_runway_turns = 10;
    st.funding_intercept = 5;
    st.burn_cut_runway = 20;
    st.other_revenue = 5e4;
    st.other_revenue_growth = 0.5;
    st.quality_growth = 0.3;
    st.other_revenue_quality_elasticity = 1;
    sc.vendors[0].offers[0].strategy = strategy("penetration", {{"undercut", 0.2}});
    Simulation sim(sc, 7);
    std::vector<double> cash;
    for (const auto& v : sim.vendors())
        cash.push_back(v.cash);
    while (sim.step()) {
        for (std::size_t v = 0; v < sim.vendors().size(); ++v) {
            const auto& s = sim.vendors()[v];
            const auto& f = s.flows;
            const double expected = f.revenue + f.other_revenue + f.cross_subsidy + f.funding - f.inference_cost -
                                    f.gpu_opex - f.fixed_cost - f.capex;
            CHECK(s.cash - cash[v] == doctest::Approx(expected).epsilon(1e-12).scale(std::abs(cash[v])));
            cash[v] = s.cash;
        }
    }
    // The new flows were exercised.
    const auto r = sim.finish();
    double funding = 0, other = 0;
    for (std::size_t t = 0; t < static_cast<std::size_t>(r.turns); ++t) {
        funding += series(r.vendor_series, "funding").at(t, 1);
        other += series(r.vendor_series, "other_revenue").at(t, 1);
    }
    CHECK(funding > 0);
    CHECK(other > 0);
}

TEST_CASE("developers are conserved: unaware + inactive + on offers + self-hosting = population") {
    // A whole weight is counted and multiplied; a fractional one is added developer by developer.
    for (const double weight : {3.0, 2.5}) {
        CAPTURE(weight);
        auto sc = small_market(2500);
        sc.developers.weight = weight;
        Simulation sim(sc, 11);
        while (sim.step()) {
            const auto& d = sim.last_demand();
            CHECK(d.unaware + d.aware_inactive + d.on_offers + d.outside == doctest::Approx(2500 * weight));
            double on = 0, by_vendor = 0;
            for (const double x : d.developers)
                on += x;
            for (const double x : d.vendor_developers)
                by_vendor += x;
            CHECK(on == doctest::Approx(d.on_offers));
            CHECK(by_vendor == doctest::Approx(d.on_offers));
            if (weight == 3.0) {  // whole counts: each total is an exact multiple of the weight
                CHECK(std::fmod(d.on_offers, weight) == 0.0);
                CHECK(std::fmod(d.unaware, weight) == 0.0);
            }
        }
    }
}

TEST_CASE("with ample capacity and no free quota every request is served and paid at the offer's price") {
    auto sc = small_market(2000, 12);
    Simulation sim(sc, 5);
    while (sim.step()) {
        const auto& d = sim.last_demand();
        for (std::size_t o = 0; o < sim.offers().size(); ++o) {
            CAPTURE(o);
            CHECK(d.served_mtok[o] == d.requested_mtok[o]);
            CHECK(d.paid_mtok[o] == d.requested_mtok[o]);
            CHECK(d.free_mtok[o] == 0.0);
            CHECK(d.spend[o] == doctest::Approx(d.paid_mtok[o] * sim.offers()[o].price).epsilon(1e-12));
        }
    }
}

TEST_CASE("a run is a pure function of scenario and seed") {
    const auto sc = small_market();
    const auto a = run_scenario(sc, 42);
    const auto b = run_scenario(sc, 42);
    const auto c = run_scenario(sc, 43);
    bool all_equal = true, any_diff = false;
    for (std::size_t i = 0; i < a.vendor_series.size(); ++i) {
        all_equal = all_equal && a.vendor_series[i].values.size() == b.vendor_series[i].values.size();
        for (std::size_t k = 0; k < a.vendor_series[i].values.size(); ++k) {
            const double x = a.vendor_series[i].values[k], y = b.vendor_series[i].values[k];
            all_equal = all_equal && (x == y || (std::isnan(x) && std::isnan(y)));
            const double z = c.vendor_series[i].values[k];
            any_diff = any_diff || !(x == z || (std::isnan(x) && std::isnan(z)));
        }
    }
    CHECK(all_equal);
    CHECK(any_diff);
}

TEST_CASE("ceteris paribus, a vendor raising its price loses share") {
    auto sc = small_market(4000, 20);
    sc.developers.initial_aware = 1.0;
    const auto base = run_scenario(sc, 5);
    sc.vendors[1].offers[0].price_in *= 1.5;
    sc.vendors[1].offers[0].price_out *= 1.5;
    sc.vendors[1].offers[1].price_in *= 1.5;
    sc.vendors[1].offers[1].price_out *= 1.5;
    const auto dear = run_scenario(sc, 5);
    const double s0 = vendor_token_share(base, 1, 5, 20);
    const double s1 = vendor_token_share(dear, 1, 5, 20);
    MESSAGE("startup token share " << s0 << " at list prices, " << s1 << " at +50%");
    CHECK(s1 < s0);
}

TEST_CASE("Jevons: with elasticity > 1 total spend rises when every price falls; with < 1 it falls") {
    for (const double eps : {1.6, 0.4}) {
        auto sc = small_market(3000, 12);
        sc.developers.initial_aware = 1.0;
        sc.developers.elasticity = Distribution::constant(eps);
        sc.developers.value = Distribution::constant(1e6);  // no extensive margin: isolate the intensive one
        sc.market.outside.cost = kInf;
        for (auto& v : sc.vendors) {
            v.gpus = 1e9;
            for (auto& o : v.offers)
                o.free_quota_mtok = 0;
        }
        const auto base = run_scenario(sc, 9);
        for (auto& v : sc.vendors)
            for (auto& o : v.offers) {
                o.price_in *= 0.5;
                o.price_out *= 0.5;
            }
        const auto cheap = run_scenario(sc, 9);
        const auto& s0 = series(base.market_series, "total_spend");
        const auto& s1 = series(cheap.market_series, "total_spend");
        const auto& q0 = series(base.market_series, "total_tokens");
        const auto& q1 = series(cheap.market_series, "total_tokens");
        MESSAGE("elasticity " << eps << ": spend " << s0.at(11, 0) << " -> " << s1.at(11, 0) << ", tokens "
                              << q0.at(11, 0) << " -> " << q1.at(11, 0));
        CHECK(q1.at(11, 0) > q0.at(11, 0));
        if (eps > 1)
            CHECK(s1.at(11, 0) > s0.at(11, 0));
        else
            CHECK(s1.at(11, 0) < s0.at(11, 0));
    }
}

TEST_CASE("an exiting vendor keeps no developers and serves no tokens afterwards") {
    auto sc = small_market(3000, 40);
    sc.vendors[1].cash = 2e4;  // runs out within a few turns
    sc.vendors[1].fixed_cost = 1e4;
    Simulation sim(sc, 3);
    const auto r = sim.run();
    REQUIRE(r.exit_turn[1] >= 0);
    const auto& devs = series(r.vendor_series, "developers");
    const auto& tok = series(r.vendor_series, "tokens");
    const auto& alive = series(r.vendor_series, "alive");
    for (std::size_t t = static_cast<std::size_t>(r.exit_turn[1]) + 1; t < 40; ++t) {
        CHECK(devs.at(t, 1) == 0.0);
        CHECK(tok.at(t, 1) == 0.0);
        CHECK(alive.at(t, 1) == 0.0);
    }
    // Its developers moved elsewhere: the market keeps serving.
    CHECK(series(r.market_series, "total_tokens").at(39, 0) > 0.0);
}

TEST_CASE("capacity is never exceeded, and shortage rations and triggers GPU orders") {
    auto sc = small_market(4000, 30);
    sc.developers.initial_aware = 1.0;
    for (auto& v : sc.vendors) {
        v.gpus = 2;
        v.tokens_per_gpu = 500;
        v.gpu_lead_turns = 3;
        v.gpu_price = 1.0;
    }
    sc.market.gpu_supply = 5;
    const auto r = run_scenario(sc, 1);
    const auto& tok = series(r.vendor_series, "tokens");
    const auto& cap = series(r.vendor_series, "capacity");
    const auto& rationed = series(r.vendor_series, "rationed_share");
    const auto& gpus = series(r.vendor_series, "gpus");
    bool any_rationed = false;
    for (std::size_t t = 0; t < 30; ++t)
        for (std::size_t v = 0; v < 3; ++v) {
            CHECK(tok.at(t, v) <= cap.at(t, v) * (1 + 1e-12));
            any_rationed = any_rationed || rationed.at(t, v) > 0;
        }
    CHECK(any_rationed);
    // Deliveries are capped market-wide at 5 GPUs per turn.
    for (std::size_t t = 1; t < 30; ++t) {
        double delivered = 0;
        for (std::size_t v = 0; v < 3; ++v)
            delivered += gpus.at(t, v) - gpus.at(t - 1, v);
        CHECK(delivered <= 5.0 + 1e-9);
    }
    CHECK(gpus.at(29, 0) > 2.0);
}

TEST_CASE("cloud cross-subsidy equals attach revenue x margin x developers") {
    const auto r = run_scenario(small_market(), 4);
    const auto& cs = series(r.vendor_series, "cross_subsidy");
    const auto& devs = series(r.vendor_series, "developers");
    for (std::size_t t = 0; t < 30; ++t) {
        CHECK(cs.at(t, 0) == doctest::Approx(100 * 0.3 * devs.at(t, 0)));
        CHECK(cs.at(t, 1) == 0.0);
    }
}

TEST_CASE("unit cost falls at the yearly decline rate and cost shocks multiply it") {
    auto sc = small_market(500, 60);
    sc.market.cost_decline = 0.5;
    Event shock;
    shock.turn = 30;
    shock.kind = Event::Kind::cost_shock;
    shock.vendor = 1;
    shock.factor = 0.5;
    sc.events.push_back(shock);
    const auto r = run_scenario(sc, 2);
    const auto& c = series(r.offer_series, "unit_cost");
    CHECK(c.at(0, 0) == doctest::Approx(1.0));
    CHECK(c.at(52, 0) == doctest::Approx(std::pow(0.5, 52 * 7 / 365.0)));
    CHECK(c.at(52, 2) == doctest::Approx(0.5 * std::pow(0.5, 52 * 7 / 365.0)));
    CHECK(c.at(29, 2) == doctest::Approx(std::pow(0.5, 29 * 7 / 365.0)));
}

namespace {

// A startup whose traction is fed directly: developer and API-revenue share, revenues and costs.
Traction traction_of(const std::vector<double>& share, double coverage = 0.1, double margin = 0.3) {
    Traction t;
    for (const double x : share)
        t.update({.developer_share = x,
                  .api_revenue_share = x,
                  .api_revenue = 1e6 * x,
                  .other_revenue = 0,
                  .inference_cost = (1 - margin) * 1e6 * x,
                  .operating_cost = 1e6 * x / coverage},
                 8.0);
    return t;
}

}  // namespace

TEST_CASE("funding odds rise with traction and with the climate") {
    const MarketSpec m;
    const auto small = traction_of(std::vector<double>(40, 0.02));
    const auto large = traction_of(std::vector<double>(40, 0.10));
    std::vector<double> growing;
    for (int t = 0; t < 40; ++t)
        growing.push_back(0.02 * std::pow(1.05, t));
    const auto grows = traction_of(growing);
    CHECK(funding_probability(large, 1.0, m, 1.0) > funding_probability(small, 1.0, m, 1.0));
    CHECK(grows.developer_growth(m.traction_window) > 0.3);
    // Growth counts beyond its level: compare with a steady share at the growing one's final level.
    const auto steady_at_end = traction_of(std::vector<double>(40, growing.back()));
    CHECK(funding_probability(grows, 1.0, m, 1.0) > funding_probability(steady_at_end, 1.0, m, 1.0));
    // Better margins and coverage raise the odds.
    CHECK(funding_probability(traction_of(std::vector<double>(40, 0.05), 0.5, 0.3), 1.0, m, 1.0) >
          funding_probability(traction_of(std::vector<double>(40, 0.05), 0.1, 0.3), 1.0, m, 1.0));
    CHECK(funding_probability(traction_of(std::vector<double>(40, 0.05), 0.1, 0.6), 1.0, m, 1.0) >
          funding_probability(traction_of(std::vector<double>(40, 0.05), 0.1, 0.0), 1.0, m, 1.0));
    // The climate shifts the odds; a closed market funds no one.
    const double p1 = funding_probability(small, 1.0, m, 1.0), p05 = funding_probability(small, 1.0, m, 0.5);
    CHECK(p05 < p1);
    CHECK(p05 > 0);
    CHECK(funding_probability(small, 1.0, m, 0.0) == 0.0);
    // Logistic: log-odds move by vc_odds_elasticity per log of the climate.
    CHECK(std::log(p1 / (1 - p1)) - std::log(p05 / (1 - p05)) == doctest::Approx(m.vc_odds_elasticity * std::log(2.0)));
}

TEST_CASE("a crash and bounce in share does not raise the odds above a steady share") {
    const MarketSpec m;
    std::vector<double> steady(40, 0.05), bounce(40, 0.05);
    for (int t = 20; t < 26; ++t)
        bounce[static_cast<std::size_t>(t)] = 0.005;  // crash, then back to the old level
    for (int t = 26; t < 40; ++t) {
        CAPTURE(t);
        const auto a = traction_of(std::vector<double>(bounce.begin(), bounce.begin() + t + 1));
        const auto b = traction_of(std::vector<double>(steady.begin(), steady.begin() + t + 1));
        CHECK(a.developer_growth(m.traction_window) <= 1e-12);
        CHECK(funding_probability(a, 1.0, m, 1.0) <= funding_probability(b, 1.0, m, 1.0) + 1e-12);
    }
}

TEST_CASE("a startup with ample runway does not raise; a short one does, sized on burn and climate") {
    auto sc = small_market(1000, 40);
    auto& s = sc.vendors[1];
    s.fixed_cost = 1e5;
    s.raise_runway_turns = 26;
    s.raise_spacing = 5;
    s.round_runway_turns = 52;
    s.funding_intercept = 20;  // investors always say yes: the test is about need
    s.cash = 1e9;              // ~10,000 turns of runway
    auto r = run_scenario(sc, 1);
    for (std::size_t t = 0; t < 40; ++t)
        CHECK(series(r.vendor_series, "funding").at(t, 1) == 0.0);
    for (const auto& e : r.events)
        CHECK(e.kind != "raise");
    s.cash = 1e6;  // ~10 turns
    sc.market.vc_climate = 0.5;
    r = run_scenario(sc, 1);
    int raises = 0, last = -100;
    for (const auto& e : r.events)
        if (e.kind == "raise") {
            ++raises;
            CHECK(e.turn - last >= 5);
            last = e.turn;
            CHECK(e.description.find("probability") != std::string::npos);
            const auto t = static_cast<std::size_t>(e.turn);
            const double burn = series(r.vendor_series, "burn").at(t, 1);
            CHECK(series(r.vendor_series, "funding").at(t, 1) == doctest::Approx(52 * burn * 0.5));
            CHECK(series(r.vendor_series, "raise_probability").at(t, 1) > 0.99);
        }
    CHECK(raises >= 1);
    CHECK(r.exit_turn[1] == -1);
    int attempts = 0;  // the series holds a probability exactly at the attempts
    for (std::size_t t = 0; t < 40; ++t)
        attempts += std::isnan(series(r.vendor_series, "raise_probability").at(t, 1)) ? 0 : 1;
    CHECK(attempts == raises);
}

TEST_CASE("runway is cash over smoothed burn, and a burn cut lowers fixed cost and is recorded") {
    auto sc = small_market(1000, 40);
    auto& s = sc.vendors[1];
    s.cash = 6e6;  // ~30 turns of runway at first
    s.fixed_cost = 1e5;
    s.burn_cut_runway = 20;
    s.burn_cut_fraction = 0.25;
    s.burn_cut_cooldown = 10;
    s.quality_growth = 0.5;
    const auto r = run_scenario(sc, 4);
    const auto& fixed = series(r.vendor_series, "fixed_cost");
    const auto& runway = series(r.vendor_series, "runway");
    const auto& cash = series(r.vendor_series, "cash");
    const auto& burn = series(r.vendor_series, "burn");
    std::vector<int> cuts;
    for (const auto& e : r.events)
        if (e.kind == "burn_cut" && e.vendor == "startup") cuts.push_back(e.turn);
    REQUIRE(!cuts.empty());
    REQUIRE(cuts.front() >= 1);
    const auto c = static_cast<std::size_t>(cuts.front());
    CHECK(runway.at(c, 1) < 20);
    CHECK(runway.at(c, 1) == doctest::Approx(cash.at(c, 1) / burn.at(c, 1)));
    CHECK(fixed.at(c, 1) == doctest::Approx(1e5));
    CHECK(fixed.at(c + 1, 1) == doctest::Approx(0.75e5));
    for (std::size_t k = 1; k < cuts.size(); ++k)
        CHECK(cuts[k] - cuts[k - 1] >= 10);
    // Quality drifts more slowly after the cut: research spending fell by a quarter.
    const auto& q = series(r.offer_series, "quality");
    const double before = q.at(c, 2) / q.at(c - 1, 2), after = q.at(c + 2, 2) / q.at(c + 1, 2);
    CHECK(std::log(after) == doctest::Approx(0.75 * std::log(before)));
}

TEST_CASE("other revenue grows at its rate and with quality, and enters the books") {
    auto sc = small_market(500, 53);
    auto& s = sc.vendors[1];
    s.cash = 1e12;
    s.other_revenue = 1e5;
    s.other_revenue_growth = 1.0;  // doubles each year
    const auto r = run_scenario(sc, 2);
    const auto& o = series(r.vendor_series, "other_revenue");
    CHECK(o.at(0, 1) == doctest::Approx(1e5));
    CHECK(o.at(52, 1) == doctest::Approx(1e5 * std::pow(2.0, 52 * 7 / 365.0)));
    CHECK(o.at(10, 0) == 0.0);
    const auto& p = series(r.vendor_series, "profit");
    CHECK(p.at(5, 1) ==
          doctest::Approx(series(r.vendor_series, "revenue").at(5, 1) + o.at(5, 1) -
                          series(r.vendor_series, "inference_cost").at(5, 1) -
                          series(r.vendor_series, "gpu_opex").at(5, 1) -
                          series(r.vendor_series, "fixed_cost").at(5, 1) - series(r.vendor_series, "capex").at(5, 1)));
    // Tied to quality: a quality event doubling the best offer's quality doubles it at elasticity 1.
    s.other_revenue_growth = 0.0;
    s.other_revenue_quality_elasticity = 1.0;
    Event e;
    e.turn = 10;
    e.kind = Event::Kind::quality;
    e.offer = 3;  // startup.flagship, the best offer (1.1)
    e.quality = 2.2;
    sc.events.push_back(e);
    const auto r2 = run_scenario(sc, 2);
    CHECK(series(r2.vendor_series, "other_revenue").at(9, 1) == doctest::Approx(1e5));
    CHECK(series(r2.vendor_series, "other_revenue").at(10, 1) == doctest::Approx(2e5));
}

TEST_CASE("exits record their reason: shutdown, or withdrawal with no developers kept") {
    auto sc = small_market(2000, 40);
    auto& s = sc.vendors[1];
    s.cash = 2e4;
    s.fixed_cost = 1e4;
    auto r = run_scenario(sc, 3);
    REQUIRE(r.exit_turn[1] >= 0);
    CHECK(r.exit_reason[1] == 1);
    CHECK(r.exit_reason[0] == 0);
    CHECK(r.exit_reason[2] == 0);
    // Withdrawal: the API loses money on every token (price below unit cost), the firm has cash.
    sc = small_market(2000, 40);
    auto& w = sc.vendors[1];
    w.cash = 1e12;
    w.withdraw_horizon = 26;
    for (auto& o : w.offers)
        o.unit_cost = 3 * (0.75 * o.price_in + 0.25 * o.price_out);
    r = run_scenario(sc, 3);
    REQUIRE(r.exit_turn[1] >= 0);
    CHECK(r.exit_reason[1] == 2);
    bool recorded = false;
    for (const auto& e : r.events)
        recorded = recorded || (e.kind == "withdrawal" && e.vendor == "startup" && e.turn == r.exit_turn[1]);
    CHECK(recorded);
    const auto& devs = series(r.vendor_series, "developers");
    for (std::size_t t = static_cast<std::size_t>(r.exit_turn[1]) + 1; t < 40; ++t)
        CHECK(devs.at(t, 1) == 0.0);
    // A profitable API business is kept.
    sc = small_market(2000, 40);
    sc.vendors[1].cash = 1e12;
    sc.vendors[1].withdraw_horizon = 26;
    sc.vendors[1].fixed_cost = 1e9;  // the firm loses money, the API alone does not
    sc.vendors[1].gpus = 100;
    r = run_scenario(sc, 3);
    CHECK(r.exit_turn[1] == -1);
}

TEST_CASE("free quota is consumed before paid tokens") {
    auto sc = small_market(2000, 10);
    sc.developers.initial_aware = 1.0;
    sc.developers.reevaluate_prob = Distribution::constant(0.0);  // one choice each: one grant each
    for (auto& v : sc.vendors)
        for (auto& o : v.offers)
            o.free_quota_mtok = 1e9;  // never exhausted
    const auto r = run_scenario(sc, 8);
    const auto& rev = series(r.offer_series, "revenue");
    const auto& tok = series(r.offer_series, "tokens");
    double tokens = 0;
    for (std::size_t t = 0; t < 10; ++t)
        for (std::size_t o = 0; o < rev.cols; ++o) {
            CHECK(rev.at(t, o) == 0.0);
            tokens += tok.at(t, o);
        }
    CHECK(tokens > 0);
}

TEST_CASE("a free offer records a NaN gross margin, not 0") {
    auto sc = small_market(500, 3);
    sc.vendors[0].offers[0].price_in = 0;
    sc.vendors[0].offers[0].price_out = 0;
    const auto r = run_scenario(sc, 1);
    CHECK(std::isnan(series(r.offer_series, "gross_margin").at(0, 0)));
    CHECK(series(r.offer_series, "gross_margin").at(0, 1) == doctest::Approx((12.0 - 4.0) / 12.0));
}

TEST_CASE("timeline events: price, withdraw, launch, quality") {
    auto sc = small_market(800, 12);
    sc.vendors[2].offers[1].active = false;
    auto price = ev(2, Event::Kind::price, 0);
    price.price_in = 1.0;
    price.price_out = 3.0;
    auto launch = ev(4, Event::Kind::launch, 5);
    auto withdraw = ev(6, Event::Kind::withdraw, 3);
    auto quality = ev(8, Event::Kind::quality, 1);
    quality.quality = 1.4;
    sc.events = {price, launch, withdraw, quality};
    Simulation sim(sc, 1);
    const auto r = sim.run();
    const auto& p = series(r.offer_series, "price");
    CHECK(p.at(1, 0) == doctest::Approx(2.0));
    CHECK(p.at(2, 0) == doctest::Approx(0.75 * 1.0 + 0.25 * 3.0));
    const auto& devs = series(r.offer_series, "developers");
    CHECK(devs.at(3, 5) == 0.0);
    CHECK(devs.at(11, 5) > 0.0);
    CHECK(devs.at(7, 3) == 0.0);
    CHECK(sim.offers()[1].quality == doctest::Approx(1.4));
    CHECK(r.events.size() >= 4);
}

TEST_CASE("a run whose state becomes infinite stops with an error naming vendor and turn") {
    auto sc = small_market(500, 10);
    sc.vendors[0].cloud_attach_revenue = 1e306;  // cross-subsidy overflows the cash balance
    sc.vendors[0].cloud_margin = 1.0;
    Simulation sim(sc, 1);
    try {
        sim.run();
        FAIL("expected a NumericalError");
    } catch (const NumericalError& e) {
        const std::string what = e.what();
        MESSAGE(what);
        CHECK(what.find("vendor cloud") != std::string::npos);
        CHECK(what.find("turn ") != std::string::npos);
    }
}

TEST_CASE("the record has each offer's availability and quality per turn, and no price while not on sale") {
    auto sc = small_market(800, 12);
    sc.vendors[2].offers[1].active = false;  // offer 5: launched at turn 4
    auto launch = ev(4, Event::Kind::launch, 5);
    auto withdraw = ev(6, Event::Kind::withdraw, 3);
    auto quality = ev(8, Event::Kind::quality, 1);
    quality.quality = 1.4;
    sc.events = {launch, withdraw, quality};
    const auto r = run_scenario(sc, 1);
    const auto& available = series(r.offer_series, "available");
    const auto& q = series(r.offer_series, "quality");
    CHECK(available.units == "1");
    CHECK(q.units == "1");
    for (std::size_t t = 0; t < 12; ++t) {
        INFO("turn " << t);
        CHECK(available.at(t, 5) == (t >= 4 ? 1.0 : 0.0));
        CHECK(available.at(t, 3) == (t < 6 ? 1.0 : 0.0));
        CHECK(available.at(t, 0) == 1.0);
        CHECK(q.at(t, 1) == doctest::Approx(t >= 8 ? 1.4 : 1.0));
        for (std::size_t o = 0; o < r.offer_names.size(); ++o) {
            const bool sold = available.at(t, o) > 0.5;
            for (const char* name : {"price", "price_in", "price_out", "gross_margin"})
                CHECK(std::isnan(series(r.offer_series, name).at(t, o)) == !sold);
            if (!sold) CHECK(series(r.offer_series, "tokens").at(t, o) == 0.0);
        }
    }
}

TEST_CASE("an exiting vendor's offers are on sale at its exit turn and not after") {
    auto sc = small_market(3000, 40);
    sc.vendors[1].cash = 2e4;
    sc.vendors[1].fixed_cost = 1e4;
    const auto r = run_scenario(sc, 3);
    REQUIRE(r.exit_turn[1] >= 0);
    const auto exit = static_cast<std::size_t>(r.exit_turn[1]);
    const auto& available = series(r.offer_series, "available");
    const auto& price = series(r.offer_series, "price");
    for (const std::size_t o : {std::size_t{2}, std::size_t{3}}) {  // the startup's two offers
        CHECK(available.at(exit, o) == 1.0);
        CHECK(std::isfinite(price.at(exit, o)));
        for (std::size_t t = exit + 1; t < 40; ++t) {
            CHECK(available.at(t, o) == 0.0);
            CHECK(std::isnan(price.at(t, o)));
        }
    }
}

TEST_CASE("price index: 1 at turn 0, c after a uniform cut by c, 1 under a pure mix shift") {
    const std::size_t T = 16;
    SUBCASE("a uniform cut by c gives c") {
        const double c = 0.4;
        auto sc = small_market(2000, static_cast<int>(T));
        for (int o = 0; o < 6; ++o) {
            auto cut = ev(5, Event::Kind::price, o);
            const auto& spec = sc.vendors[static_cast<std::size_t>(o / 2)].offers[static_cast<std::size_t>(o % 2)];
            cut.price_in = c * spec.price_in;
            cut.price_out = c * spec.price_out;
            sc.events.push_back(cut);
        }
        const auto r = run_scenario(sc, 3);
        const auto& index = series(r.market_series, "price_index");
        CHECK(index.units == "1");
        CHECK(index.at(0, 0) == 1.0);
        for (std::size_t t = 1; t < T; ++t) {
            INFO("turn " << t);
            CHECK(index.at(t, 0) == doctest::Approx(t >= 5 ? c : 1.0).epsilon(1e-12));
        }
    }
    SUBCASE("developers moving to a cheaper offer at fixed prices leave it at 1 while the average falls") {
        auto sc = small_market(2000, static_cast<int>(T));
        sc.developers.initial_aware = 1.0;
        auto better = ev(2, Event::Kind::quality, 0);  // the cheapest offer (cloud.lite, 2/Mtok) improves
        better.quality = 1.5;
        sc.events = {better};
        const auto r = run_scenario(sc, 3);
        const auto& index = series(r.market_series, "price_index");
        const auto& avg = series(r.market_series, "avg_price");
        MESSAGE("average price " << avg.at(1, 0) << " at turn 1, " << avg.at(T - 1, 0) << " at turn " << T - 1);
        CHECK(avg.at(T - 1, 0) < 0.8 * avg.at(1, 0));
        for (std::size_t t = 0; t < T; ++t) {
            INFO("turn " << t);
            CHECK(index.at(t, 0) == 1.0);
        }
    }
}

TEST_CASE("price index: an offer that leaves is imputed from its tier's matched change, without a jump") {
    // Offers: 0 cloud.lite, 1 cloud.pro, 2 startup.lite, 3 startup.flagship, 4 foreign.mini (lite),
    // 5 foreign.top. startup.lite leaves at turn 3; the remaining lite offers are cut by half at 6.
    const std::size_t T = 10;
    auto sc = small_market(2000, static_cast<int>(T));
    sc.events.push_back(ev(3, Event::Kind::withdraw, 2));
    for (const int o : {0, 4}) {
        auto cut = ev(6, Event::Kind::price, o);
        const auto& spec = sc.vendors[static_cast<std::size_t>(o / 2)].offers[0];
        cut.price_in = 0.5 * spec.price_in;
        cut.price_out = 0.5 * spec.price_out;
        sc.events.push_back(cut);
    }
    const auto r = run_scenario(sc, 3);
    const auto& tokens = series(r.offer_series, "tokens");
    const auto& price = series(r.offer_series, "price");
    double base = 0, lite = 0;
    for (std::size_t o = 0; o < 6; ++o) {
        base += tokens.at(0, o) * price.at(0, o);
        if (o == 0 || o == 2 || o == 4) lite += tokens.at(0, o) * price.at(0, o);
    }
    REQUIRE(tokens.at(0, 2) > 0.0);
    const auto& index = series(r.market_series, "price_index");
    // Every lite price, the departed one's included, is halved. Dropping the departed offer
    // from both sums, or carrying its last price forward, would give other numbers.
    const double gone = tokens.at(0, 2) * price.at(0, 2);
    const double expected = (base - 0.5 * lite) / base;
    const double dropped = (base - gone - 0.5 * (lite - gone)) / (base - gone);
    const double carried = (base - 0.5 * (lite - gone)) / base;
    REQUIRE(std::abs(expected - dropped) > 1e-3);
    REQUIRE(std::abs(expected - carried) > 1e-3);
    for (std::size_t t = 0; t < T; ++t) {
        INFO("turn " << t);
        CHECK(index.at(t, 0) == doctest::Approx(t >= 6 ? expected : 1.0).epsilon(1e-12));
    }
}
