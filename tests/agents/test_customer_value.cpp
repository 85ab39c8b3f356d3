#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "sim/engine/engine.hpp"
#include "sim/model/series.hpp"
#include "tests/fixtures.hpp"

using namespace pricewar;
using pricewar::testing::offer;
using pricewar::testing::strategy;
using pricewar::testing::vendor;

namespace {

constexpr double kMyopic = 1e12;  // a discount rate that puts zero weight on the future

Scenario logit_market(const StrategySpec& s1, const StrategySpec& s2, int turns) {
    return testing::logit_duopoly(s1, s2, turns);
}

Scenario symmetric(const StrategySpec& s, int turns) {
    return logit_market(s, s, turns);
}

const Table& offer_table(const RunRecord& r, const std::string& name) {
    for (const auto& t : r.offer_series)
        if (t.name == name) return t;
    FAIL("no offer series " << name);
    return r.offer_series.front();
}

// A new market: few developers aware at first, awareness spreading, switching costs and
// infrequent re-evaluation lock developers in.
Scenario new_market_with_lockin(double discount_rate, int turns) {
    auto sc = symmetric(strategy("customer_value", {{"discount_rate", discount_rate}}), turns);
    auto& d = sc.developers;
    d.mean_field_types = 32;
    d.value = {Distribution::Kind::lognormal, 3.0, 0.5, 0.0, kInf};  // finite: a price can lose the base
    d.initial_aware = 0.02;
    d.p_innovation = 0.02;
    d.p_imitation = 0.3;
    d.switching_cost = Distribution::constant(0.5);
    d.reevaluate_prob = Distribution::constant(0.1);
    return sc;
}

}  // namespace

TEST_CASE("customer_value: myopic (zero weight on the future) reaches the Bertrand-Nash price 1.47293") {
    const auto r = run_scenario(symmetric(strategy("customer_value", {{"discount_rate", kMyopic}}), 40), 1);
    const auto& price = offer_table(r, "price");
    MESSAGE("myopic customer_value prices at turn 39: " << price.at(39, 0) << ", " << price.at(39, 1));
    CHECK(price.at(39, 0) == doctest::Approx(1.47293).epsilon(1e-4 / 1.47293));
    CHECK(price.at(39, 1) == doctest::Approx(1.47293).epsilon(1e-4 / 1.47293));
}

TEST_CASE("customer_value: without switching costs and with re-evaluation every turn the base has no value") {
    // A developer won today is no more likely to be on the offer tomorrow: any discount rate
    // gives the Nash price.
    const auto r = run_scenario(symmetric(strategy("customer_value", {{"discount_rate", 0.1}}), 40), 1);
    CHECK(offer_table(r, "price").at(39, 0) == doctest::Approx(1.47293).epsilon(1e-4 / 1.47293));
}

TEST_CASE("customer_value: with switching costs it prices below the myopic price early, then above it") {
    // Penetration then harvest (Klemperer 1987): in a new market with lock-in the
    // forward-looking price starts below the price of the same market without switching
    // costs (the static Nash price, where a base is worth nothing) and ends above it once the
    // installed base is built. At every turn it stays below the price of a vendor maximising
    // only this turn's profit, which harvests its locked-in developers at once.
    const int turns = 80;
    // A discount rate of 10 per year (0.83 per weekly turn): a high-hazard, cash-hungry vendor.
    const auto patient = run_scenario(new_market_with_lockin(10.0, turns), 1);
    const auto myopic = run_scenario(new_market_with_lockin(kMyopic, turns), 1);
    auto no_lockin = new_market_with_lockin(10.0, turns);
    no_lockin.developers.switching_cost = Distribution::constant(0.0);
    no_lockin.developers.reevaluate_prob = Distribution::constant(1.0);
    const auto nash = run_scenario(no_lockin, 1);
    const auto& pp = offer_table(patient, "price");
    const auto& pm = offer_table(myopic, "price");
    const double static_nash = offer_table(nash, "price").at(turns - 1, 0);
    for (const std::size_t t : {1, 2, 3, 5, 10, 20, 40, 79})
        MESSAGE("turn " << t << ": forward-looking " << pp.at(t, 0) << ", myopic " << pm.at(t, 0)
                        << ", static Nash without lock-in " << static_nash);
    const auto last = static_cast<std::size_t>(turns) - 1;
    CHECK(pp.at(5, 0) < static_nash);  // penetration
    CHECK(pp.at(5, 0) < pm.at(5, 0));
    CHECK(pp.at(last, 0) > static_nash);  // harvest
    CHECK(pp.at(last, 0) < pm.at(last, 0));
}

TEST_CASE("customer_value: more incremental cloud value gives a lower price") {
    auto priced = [](double attach) {
        auto sc = symmetric(strategy("customer_value"), 40);
        auto& v = sc.vendors[0];
        v.kind = VendorKind::cloud;
        v.cloud_attach_revenue = attach;
        v.cloud_margin = 1.0;
        return offer_table(run_scenario(sc, 1), "price").at(39, 0);
    };
    const double none = priced(0.0), some = priced(0.1), more = priced(0.3);
    MESSAGE("price with cloud value 0, 0.1, 0.3 per developer: " << none << ", " << some << ", " << more);
    CHECK(some < none);
    CHECK(more < some);
}

TEST_CASE("customer_value: with capacity binding it does not cut and rises toward clearing") {
    // Vendor one starts cheap (1.0) with capacity for 0.3 of the market's tokens and no GPU orders.
    auto sc = logit_market(strategy("customer_value"), strategy("static"), 12);
    auto& v = sc.vendors[0];
    v.offers[0].price_in = v.offers[0].price_out = 1.0;
    v.gpus = 0.3;
    v.tokens_per_gpu = 1.0;
    v.max_gpu_order = 0.0;
    const auto r = run_scenario(sc, 1);
    const auto& price = offer_table(r, "price");
    const auto& rationed = r.vendor_series[outputs::vendor_index("rationed_share")];
    const auto unconstrained = run_scenario(logit_market(strategy("customer_value"), strategy("static"), 12), 1);
    const auto& free_price = offer_table(unconstrained, "price");
    CHECK(rationed.at(0, 0) > 0.0);  // rationed at turn 0
    for (std::size_t t = 1; t < 12; ++t) {
        INFO("turn " << t);
        if (rationed.at(t - 1, 0) > 0.0) CHECK(price.at(t, 0) >= price.at(t - 1, 0));  // no cut while rationed
        CHECK(price.at(t, 0) >= free_price.at(t, 0) - 1e-9);
    }
    MESSAGE("capacity-bound price at turn 11: " << price.at(11, 0) << " (rationed share " << rationed.at(11, 0)
                                                << "), unconstrained " << free_price.at(11, 0));
    CHECK(price.at(11, 0) > free_price.at(11, 0));
    CHECK(rationed.at(11, 0) < 1e-6);  // the price clears the capacity
}

TEST_CASE("customer_value: coordinating vendors hold focal prices until a maverick's cut, then price for value") {
    auto market = [](bool maverick_cuts, int punishment) {
        const auto s = strategy("customer_value", {{"coordinate", 1}, {"punishment_turns", punishment}});
        auto sc = symmetric(s, 20);
        auto m = vendor("maverick", VendorKind::startup, 1e12, {offer("m", "pro", 2.0, 1.8, 1.0)});
        m.fixed_cost = 0;
        m.gpu_opex = 0;
        sc.vendors.push_back(m);
        if (maverick_cuts) {
            Event cut;
            cut.turn = 5;
            cut.kind = Event::Kind::price;
            cut.offer = 2;
            cut.price_in = cut.price_out = 1.2;
            sc.events = {cut};
        }
        return run_scenario(sc, 1);
    };
    const auto peace = market(false, 0);
    for (std::size_t t = 0; t < 20; ++t)
        for (std::size_t o = 0; o < 2; ++o)
            CHECK(offer_table(peace, "price").at(t, o) == doctest::Approx(1.8));
    const auto war = market(true, 0);
    const auto& p = offer_table(war, "price");
    for (std::size_t t = 0; t <= 5; ++t)
        CHECK(p.at(t, 0) == doctest::Approx(1.8));  // the cut at turn 5 is seen at turn 6
    for (std::size_t t = 6; t < 20; ++t) {
        INFO("turn " << t);
        CHECK(p.at(t, 0) < 1.7);
        CHECK(p.at(t, 1) < 1.7);
    }
    MESSAGE("war prices at turn 19: " << p.at(19, 0) << " against the maverick's 1.2");
    // A punishment phase of 4 turns: back to the focal price from turn 10.
    const auto phase = market(true, 4);
    CHECK(offer_table(phase, "price").at(7, 0) < 1.7);
    CHECK(offer_table(phase, "price").at(10, 0) == doctest::Approx(1.8));
}

TEST_CASE("customer_value: with multimarket contact a cut in one tier ends coordination in every tier of the vendor") {
    // Vendor "one" sells a pro offer (quality 2.0, the maverick's class) and a lite offer
    // (quality 1.0, outside the maverick's band). The maverick cuts at turn 5: the pro offer
    // leaves its focal price either way; the lite offer only with multimarket contact.
    auto lite_price_after_cut = [](int multimarket) {
        const auto s =
            strategy("customer_value", {{"coordinate", 1}, {"quality_band", 0.5}, {"multimarket", multimarket}});
        auto sc = symmetric(s, 12);
        sc.vendors[0].offers.push_back(offer("lite", "lite", 1.0, 1.8, 0.5, s));
        auto m = vendor("maverick", VendorKind::startup, 1e12, {offer("m", "pro", 2.0, 1.8, 1.0)});
        m.fixed_cost = 0;
        m.gpu_opex = 0;
        sc.vendors.push_back(m);
        Event cut;
        cut.turn = 5;
        cut.kind = Event::Kind::price;
        cut.offer = 3;  // one.m, one.lite, two.m, maverick.m
        cut.price_in = cut.price_out = 1.2;
        sc.events = {cut};
        const auto r = run_scenario(sc, 1);
        const auto& p = offer_table(r, "price");
        CHECK(p.at(5, 1) == doctest::Approx(1.8));  // the cut is seen from turn 6
        CHECK(p.at(8, 0) < 1.7);                    // the pro offer is at war in both cases
        return p.at(8, 1);
    };
    const double separate = lite_price_after_cut(0), joint = lite_price_after_cut(1);
    MESSAGE("lite price at turn 8: " << separate << " without, " << joint << " with multimarket contact");
    CHECK(separate == doctest::Approx(1.8));
    CHECK(std::abs(joint - 1.8) > 0.05);
}

TEST_CASE("a scripted price holds in its turn; strategies act from the next turn") {
    auto sc = symmetric(strategy("best_response"), 6);
    Event e;
    e.turn = 3;
    e.kind = Event::Kind::price;
    e.offer = 0;
    e.price_in = e.price_out = 1.25;
    sc.events = {e};
    const auto r = run_scenario(sc, 1);
    CHECK(offer_table(r, "price").at(3, 0) == 1.25);
    CHECK(offer_table(r, "price").at(4, 0) != 1.25);
}

TEST_CASE("deviation_gain is about 0 at the logit duopoly's Nash prices and positive away from them") {
    auto at_prices = [](double p1, double p2) {
        auto sc = symmetric(strategy("static"), 6);
        sc.vendors[0].offers[0].price_in = sc.vendors[0].offers[0].price_out = p1;
        sc.vendors[1].offers[0].price_in = sc.vendors[1].offers[0].price_out = p2;
        sc.output.deviation_every = 2;
        sc.output.deviation_horizon = 10;
        return run_scenario(sc, 1);
    };
    const auto nash = at_prices(1.47293, 1.47293);
    const auto& g = nash.vendor_series[outputs::vendor_index("deviation_gain")];
    CHECK(std::isnan(g.at(1, 0)));  // not a checked turn
    CHECK(g.at(2, 0) >= 0.0);
    const double share = nash.market_summary_value("max_deviation_gain_share");
    MESSAGE("at Nash: max deviation gain " << nash.market_summary_value("max_deviation_gain") << " (share " << share
                                           << ")");
    CHECK(share < 1e-6);
    const auto off = at_prices(1.9, 1.47293);
    const auto& h = off.vendor_series[outputs::vendor_index("deviation_gain")];
    MESSAGE("vendor one at 1.9: deviation gain " << h.at(2, 0) << ", vendor two " << h.at(2, 1) << " (share "
                                                 << off.market_summary_value("max_deviation_gain_share") << ")");
    CHECK(h.at(2, 0) > 0.01);
    CHECK(off.market_summary_value("max_deviation_gain_share") > 0.05);
}

TEST_CASE("incremental cross-subsidy: cloud value only for developers won, after a lag, retained; pricing counts it") {
    auto market = [](std::optional<double> prob) {
        auto sc = new_market_with_lockin(10.0, 30);
        auto& v = sc.vendors[0];
        v.kind = VendorKind::cloud;
        v.cloud_attach_revenue = 0.5;
        v.cloud_margin = 0.8;
        v.cloud_adoption_prob = prob;
        v.cloud_adoption_lag = 2;
        v.cloud_retention = 0.9;
        return run_scenario(sc, 1);
    };
    const auto r = market(0.3);
    const auto& devs = r.vendor_series[outputs::vendor_index("developers")];
    const auto& cs = r.vendor_series[outputs::vendor_index("cross_subsidy")];
    const auto& cash = r.vendor_series[outputs::vendor_index("cash")];
    const auto& profit = r.vendor_series[outputs::vendor_index("profit")];
    std::vector<double> won;
    double adopters = 0.0, last = 0.0;
    for (std::size_t t = 0; t < 30; ++t) {
        won.push_back(0.3 * std::max(0.0, devs.at(t, 0) - last));
        last = devs.at(t, 0);
        adopters = 0.9 * adopters + (t >= 2 ? won[t - 2] : 0.0);
        INFO("turn " << t);
        CHECK(cs.at(t, 0) == doctest::Approx(0.5 * 0.8 * adopters).epsilon(1e-12));
        if (t > 0) CHECK(cash.at(t, 0) - cash.at(t - 1, 0) == doctest::Approx(profit.at(t, 0)).epsilon(1e-9));
    }
    CHECK(cs.at(1, 0) == 0.0);  // nothing adopted within the lag
    CHECK(cs.at(29, 0) > 0.0);
    CHECK(cs.at(29, 0) < 0.5 * 0.8 * devs.at(29, 0));  // less than crediting every active developer
    // Pricing counts the expected cloud value of a developer won (attach x margin x adoption
    // probability): in the logit duopoly a lower probability gives a higher price.
    auto priced = [](std::optional<double> prob) {
        auto sc = symmetric(strategy("customer_value"), 40);
        auto& v = sc.vendors[0];
        v.kind = VendorKind::cloud;
        v.cloud_attach_revenue = 0.5;
        v.cloud_margin = 0.8;
        v.cloud_adoption_prob = prob;
        return offer_table(run_scenario(sc, 1), "price").at(39, 0);
    };
    const double p_incr = priced(0.3), p_every = priced(std::nullopt);
    MESSAGE("logit duopoly price: adoption probability 0.3 " << p_incr << ", every developer " << p_every);
    CHECK(p_incr > p_every);
    CHECK(p_incr < 1.47293);
    const auto all = market(std::nullopt);
    const auto& cs_all = all.vendor_series[outputs::vendor_index("cross_subsidy")];
    CHECK(cs_all.at(29, 0) ==
          doctest::Approx(0.5 * 0.8 * all.vendor_series[outputs::vendor_index("developers")].at(29, 0)));
}

TEST_CASE("an exit: both demand modes agree on post-exit shares and switches at large N") {
    auto make = [](DemandMode mode) {
        auto sc = logit_market(strategy("static"), strategy("static"), 6);
        auto& d = sc.developers;
        d.mode = mode;
        d.count = 100000;
        d.switching_cost = Distribution::constant(0.5);
        d.reevaluate_prob = Distribution::constant(0.1);
        // Finite values: in agent mode an offer not on sale has an infinite viability
        // threshold, which an infinite value reaches.
        d.value = Distribution::constant(1e6);
        sc.vendors[1].offers[0].price_in = sc.vendors[1].offers[0].price_out = 1.6;
        // A startup without cash exits at turn 0; its developers re-choose at turn 1.
        auto gone = vendor("gone", VendorKind::startup, 0.0, {offer("m", "pro", 2.0, 1.5, 1.0)});
        sc.vendors.push_back(gone);
        return run_scenario(sc, 3);
    };
    const auto mf = make(DemandMode::mean_field);
    const auto ag = make(DemandMode::agent);
    const auto& devs_mf = mf.vendor_series[outputs::vendor_index("developers")];
    const auto& devs_ag = ag.vendor_series[outputs::vendor_index("developers")];
    REQUIRE(devs_mf.at(0, 2) > 10000.0);  // it had developers when it exited
    CHECK(mf.vendor_series[outputs::vendor_index("alive")].at(1, 2) == 0.0);
    CHECK(ag.vendor_series[outputs::vendor_index("alive")].at(1, 2) == 0.0);
    for (std::size_t t = 1; t < 6; ++t)
        for (std::size_t v = 0; v < 2; ++v) {
            INFO("turn " << t << " vendor " << v);
            const double sd = std::sqrt(0.5 * 0.5 * 100000.0);
            CHECK(std::abs(devs_ag.at(t, v) - devs_mf.at(t, v)) < 4.0 * sd);
        }
    const auto& sw_mf = mf.market_series[outputs::market_index("switches")];
    const auto& sw_ag = ag.market_series[outputs::market_index("switches")];
    MESSAGE("switches at turn 1: mean-field " << sw_mf.at(1, 0) << ", agents " << sw_ag.at(1, 0)
                                              << "; developers of the exited vendor " << devs_mf.at(0, 2));
    // The exited vendor's developers change vendor, paying the switching cost, in both modes.
    CHECK(sw_mf.at(1, 0) > devs_mf.at(0, 2));
    CHECK(sw_ag.at(1, 0) == doctest::Approx(sw_mf.at(1, 0)).epsilon(0.03));
}

TEST_CASE("an offer launched without a price is priced by its strategy in its launch turn") {
    auto sc = symmetric(strategy("best_response"), 6);
    sc.vendors[0].offers[0].active = false;
    Event e;
    e.turn = 3;
    e.kind = Event::Kind::launch;
    e.offer = 0;
    sc.events = {e};
    const auto r = run_scenario(sc, 1);
    CHECK(std::isnan(offer_table(r, "price").at(2, 0)));
    CHECK(offer_table(r, "price").at(3, 0) != doctest::Approx(1.8));  // not the list price
}

TEST_CASE("equilibrium diagnostics do not change the run") {
    auto sc = new_market_with_lockin(10.0, 12);
    sc.developers.mode = DemandMode::agent;
    sc.developers.count = 2000;
    const auto plain = run_scenario(sc, 7);
    sc.output.deviation_every = 3;
    const auto checked = run_scenario(sc, 7);
    for (const char* name : {"price", "tokens", "developers"}) {
        INFO(name);
        CHECK(offer_table(plain, name).values == offer_table(checked, name).values);
    }
    CHECK(std::isfinite(checked.vendor_series[outputs::vendor_index("deviation_gain")].at(3, 0)));
}
