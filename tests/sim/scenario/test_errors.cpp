// Bad input: every error names file:line:col, the full dotted key and the problem.

#include <doctest/doctest.h>

#include "helpers.hpp"

using namespace pricewar;
using pricewar::test::edited;
using pricewar::test::error_of;
using pricewar::test::kMinimal;

namespace {

void check_at(const InputError& e, int line, int column, const std::string& key) {
    CHECK(e.file == "test.toml");
    CHECK(e.line == line);
    CHECK(e.column == column);
    CHECK(e.key == key);
}

}  // namespace

TEST_CASE("syntax error: toml++'s position and description") {
    const auto e = error_of("name = \"x\"\nturns = = 3\n");
    check_at(e, 2, 9, "(syntax)");
    CHECK(std::string(e.what()).rfind("test.toml:2:9: (syntax): ", 0) == 0);
    CHECK(!e.problem.empty());
}

TEST_CASE("wrong type") {
    const auto e = error_of(edited("price_in = 2", "price_in = \"cheap\""));
    check_at(e, 8, 12, "vendors.alpha.offers.one.price_in");
    CHECK(std::string(e.what()) == "test.toml:8:12: vendors.alpha.offers.one.price_in: expected a number, got string");

    CHECK(error_of(edited("count = 100", "count = 1.5")).problem == "must be an integer (got 1.5)");
    CHECK(error_of(edited("kind = \"startup\"", "kind = 3")).problem ==
          "expected one of \"cloud\", \"startup\" or \"foreign\", got integer");
    CHECK(error_of(edited("[vendors.alpha.offers.one]", "[vendors.alpha.offers.one]\nactive = 1")).problem ==
          "expected a boolean (true or false), got integer");
    CHECK(error_of(edited("name = \"minimal\"", "name = \"m\"\nmarket = 3")).problem ==
          "expected a table, got integer");
    const auto ev = error_of("events = 3\n" + kMinimal);
    check_at(ev, 1, 10, "events");
    CHECK(ev.problem == "expected an array of tables ([[events]]), got integer");
}

TEST_CASE("unknown key with a suggestion") {
    const auto e = error_of(edited("price_in = 2", "prce_in = 2"));
    check_at(e, 8, 1, "vendors.alpha.offers.one.prce_in");
    CHECK(std::string(e.what()) ==
          "test.toml:8:1: vendors.alpha.offers.one.prce_in: unknown key 'prce_in' (did you mean 'price_in'?)");

    const auto top = error_of(edited("name = \"minimal\"", "name = \"m\"\nturnz = 3"));
    check_at(top, 2, 1, "turnz");
    CHECK(top.problem == "unknown key 'turnz' (did you mean 'turns'?)");

    const auto none = error_of(edited("count = 100", "count = 100\n[market]\nzzz = 1"));
    check_at(none, 5, 1, "market.zzz");
    CHECK(none.problem.rfind("unknown key 'zzz' (expected one of: output_share, cost_decline,", 0) == 0);
}

TEST_CASE("missing required key: reported at the table that lacks it") {
    const auto e = error_of(edited("kind = \"startup\"\n", ""));
    check_at(e, 4, 1, "vendors.alpha.kind");
    CHECK(std::string(e.what()) ==
          "test.toml:4:1: vendors.alpha.kind: missing required key 'kind' (expected \"cloud\", \"startup\" or "
          "\"foreign\")");

    const auto q = error_of(edited("quality = 1\n", ""));
    check_at(q, 6, 1, "vendors.alpha.offers.one.quality");
    CHECK(q.problem == "missing required key 'quality' (expected a capability index, in [0, 10])");

    const auto n = error_of(edited("name = \"minimal\"\n", ""));
    check_at(n, 1, 1, "name");

    const auto c = error_of(edited("count = 100\n", ""));
    check_at(c, 2, 1, "developers.count");
    CHECK(c.problem == "missing required key 'count' (expected an integer in [1, 50000000])");
}

TEST_CASE("out of range") {
    const auto e = error_of(edited("price_in = 2", "price_in = -3"));
    check_at(e, 8, 12, "vendors.alpha.offers.one.price_in");
    CHECK(std::string(e.what()) == "test.toml:8:12: vendors.alpha.offers.one.price_in: must be >= 0 (got -3)");

    CHECK(error_of(edited("quality = 1", "quality = 10.5")).problem == "must be in [0, 10] (got 10.5)");
    CHECK(error_of(edited("count = 100", "count = 50000001")).problem == "must be in [1, 50000000] (got 50000001)");
    CHECK(error_of(edited("count = 100", "count = 0")).problem == "must be in [1, 50000000] (got 0)");
    CHECK(error_of(edited("name = \"minimal\"", "name = \"m\"\nturns = 0")).problem ==
          "must be in [1, 100000] (got 0)");
    CHECK(error_of(edited("name = \"minimal\"", "name = \"m\"\nseed = -1")).problem == "must be >= 0 (got -1)");
    CHECK(error_of(edited("name = \"minimal\"", "name = \"m\"\nturn_days = 0")).problem == "must be > 0 (got 0)");
    CHECK(error_of(edited("kind = \"startup\"", "kind = \"startup\"\ntarget_utilisation = 0")).problem ==
          "must be in (0, 1] (got 0)");
    CHECK(error_of(edited("count = 100", "count = 100\n[market]\ncost_decline = 1")).problem ==
          "must be in [0, 1) (got 1)");
    CHECK(error_of(edited("kind = \"startup\"", "kind = \"startup\"\ncloud_attach_revenue = 10")).problem ==
          "only a cloud vendor earns attach revenue (expected 0 for kind \"startup\", or kind = \"cloud\")");
    CHECK(error_of(edited("kind = \"startup\"", "kind = \"clod\"")).problem ==
          "invalid value \"clod\" (expected \"cloud\", \"startup\" or \"foreign\"; did you mean \"cloud\"?)");
}

TEST_CASE("nan is rejected everywhere") {
    const auto e = error_of(edited("price_in = 2", "price_in = nan"));
    check_at(e, 8, 12, "vendors.alpha.offers.one.price_in");
    CHECK(e.problem == "nan is not allowed (expected a number >= 0)");
    CHECK(error_of(edited("count = 100", "count = nan")).problem ==
          "nan is not allowed (expected an integer in [1, 50000000])");
    CHECK(error_of(edited("count = 100", "count = 100\nvalue = nan")).key == "developers.value");
    CHECK(error_of(edited("one]", "one]\nstrategy = { name = \"cost_plus\", margin = nan }")).key ==
          "vendors.alpha.offers.one.strategy.margin");
}

TEST_CASE("inf is rejected except where allowed") {
    const auto e = error_of(edited("unit_cost = 1", "unit_cost = inf"));
    check_at(e, 10, 13, "vendors.alpha.offers.one.unit_cost");
    CHECK(std::string(e.what()) == "test.toml:10:13: vendors.alpha.offers.one.unit_cost: must be finite (got inf)");
    CHECK(error_of(edited("count = 100", "count = inf")).problem == "must be an integer (got inf)");
    CHECK(error_of(edited("unit_cost = 1", "unit_cost = -inf")).problem == "must be finite (got -inf)");
    // Allowed: gpu_supply, outside cost, loss_budget, max_gpu_order, value, budget.
    const Scenario s =
        parse_scenario(edited("kind = \"startup\"", "kind = \"startup\"\nloss_budget = inf\nmax_gpu_order = inf",
                              edited("count = 100",
                                     "count = 100\nvalue = inf\nbudget = inf\n[market]\ngpu_supply = inf\n"
                                     "[market.outside]\ncost = inf")),
                       "t.toml");
    CHECK(s.vendors[0].loss_budget == kInf);
    CHECK(error_of(edited("count = 100", "count = 100\n[market]\ngpu_supply = -inf")).problem ==
          "must be >= 0 or inf (got -inf)");
}

TEST_CASE("unknown strategy name, with a suggestion") {
    const auto e = error_of(edited("one]", "one]\nstrategy = \"folower\""));
    check_at(e, 7, 12, "vendors.alpha.offers.one.strategy");
    CHECK(e.problem.rfind("unknown strategy 'folower' (expected one of: static, ", 0) == 0);
    CHECK(e.problem.find("; did you mean 'follower'?)") != std::string::npos);

    const auto t = error_of(edited("one]", "one]\nstrategy = { name = \"cost_pluss\" }"));
    check_at(t, 7, 21, "vendors.alpha.offers.one.strategy.name");
    CHECK(t.problem.find("did you mean 'cost_plus'?") != std::string::npos);

    const auto m = error_of(edited("one]", "one]\nstrategy = { margin = 0.2 }"));
    check_at(m, 7, 12, "vendors.alpha.offers.one.strategy.name");
    CHECK(m.problem.rfind("missing required key 'name' (expected one of: static, ", 0) == 0);
    CHECK(error_of(edited("one]", "one]\nstrategy = 3")).problem ==
          "expected a strategy name or a table { name = \"...\", ... }, got integer");
}

TEST_CASE("unknown or bad strategy parameter") {
    const auto e = error_of(edited("one]", "one]\nstrategy = { name = \"follower\", reaction_turn = 2 }"));
    check_at(e, 7, 33, "vendors.alpha.offers.one.strategy.reaction_turn");
    CHECK(e.problem == "unknown parameter 'reaction_turn' for strategy 'follower' (did you mean 'reaction_turns'?)");

    CHECK(error_of(edited("one]", "one]\nstrategy = { name = \"static\", margin = 2 }")).problem ==
          "unknown parameter 'margin' for strategy 'static' (it takes no parameters)");
    CHECK(error_of(edited("one]", "one]\nstrategy = { name = \"follower\", reaction_turns = 1.5 }")).problem ==
          "must be an integer (got 1.5)");
    CHECK(error_of(edited("one]", "one]\nstrategy = { name = \"follower\", reaction_turns = 0 }")).problem ==
          "must be in [1, 520] (got 0)");
}

TEST_CASE("unknown network and network parameters") {
    const auto e = error_of(edited("count = 100", "count = 100\nnetwork = \"smallworld\""));
    check_at(e, 4, 11, "developers.network");
    CHECK(e.problem ==
          "unknown network 'smallworld' (expected one of: small_world, scale_free, erdos_renyi, none; "
          "did you mean 'small_world'?)");

    const auto p = error_of(edited("count = 100", "count = 100\nnetwork = \"scale_free\"\nnetwork_params = { n = 3 }"));
    check_at(p, 5, 20, "developers.network_params.n");
    CHECK(p.problem == "unknown parameter 'n' for network 'scale_free' (expected one of: m)");
    CHECK(
        error_of(edited("count = 100", "count = 100\nnetwork = \"scale_free\"\nnetwork_params = { mm = 3 }")).problem ==
        "unknown parameter 'mm' for network 'scale_free' (did you mean 'm'?)");
    CHECK(error_of(edited("count = 100", "count = 100\nnetwork = \"none\"\n[developers.network_params]\nk = 2"))
              .problem == "unknown parameter 'k' for network 'none' (it takes no parameters)");
    CHECK(error_of(edited("count = 100", "count = 100\n[developers.network_params]\nk = 2.5")).problem ==
          "must be an integer (got 2.5)");
}

TEST_CASE("event naming an unknown offer or vendor") {
    const auto e =
        error_of(kMinimal + "[[events]]\nturn = 1\nkind = \"price\"\noffer = \"alpha.onee\"\nprice_in = 1\n");
    check_at(e, 14, 9, "events[0].offer");
    CHECK(std::string(e.what()) ==
          "test.toml:14:9: events[0].offer: unknown offer 'alpha.onee' (did you mean 'alpha.one'?)");

    const auto v =
        error_of(kMinimal + "[[events]]\nturn = 1\nkind = \"cost_shock\"\nvendor = \"beta\"\nfactor = 0.5\n");
    check_at(v, 14, 10, "events[0].vendor");
    CHECK(v.problem == "unknown vendor 'beta' (expected one of: alpha)");

    const auto m = error_of(kMinimal + "[[events]]\nturn = 1\nkind = \"withdraw\"\n");
    check_at(m, 11, 1, "events[0].offer");
    const auto k =
        error_of(kMinimal + "[[events]]\nturn = 1\nkind = \"withdraw\"\noffer = \"alpha.one\"\nfactor = 2\n");
    check_at(k, 15, 1, "events[0].factor");
    CHECK(k.problem == "key 'factor' does not apply to a withdraw event (expected turn, kind, offer, note)");
    const auto pr = error_of(kMinimal + "[[events]]\nturn = 1\nkind = \"price\"\noffer = \"alpha.one\"\n");
    check_at(pr, 11, 1, "events[0].price_in");
}

TEST_CASE("event past the horizon") {
    const auto e = error_of(edited("name = \"minimal\"", "name = \"m\"\nturns = 10") +
                            "[[events]]\nturn = 10\nkind = \"vc_climate\"\nvalue = 0.5\n");
    check_at(e, 13, 8, "events[0].turn");
    CHECK(e.problem == "must be in [0, 9] (got 10; the horizon is turns = 10)");
    CHECK(error_of(kMinimal + "[[events]]\nturn = -1\nkind = \"vc_climate\"\nvalue = 0.5\n").problem ==
          "must be >= 0 (got -1)");
}

TEST_CASE("entry and launch events must match present and active") {
    const auto absent = error_of(edited("kind = \"startup\"", "kind = \"startup\"\npresent = false"));
    check_at(absent, 6, 11, "vendors.alpha.present");
    const auto present = error_of(kMinimal + "[[events]]\nturn = 1\nkind = \"vendor_entry\"\nvendor = \"alpha\"\n");
    check_at(present, 14, 10, "events[0].vendor");
    const auto inactive = error_of(edited("unit_cost = 1", "unit_cost = 1\nactive = false"));
    check_at(inactive, 11, 10, "vendors.alpha.offers.one.active");
    CHECK(inactive.problem.find("never launched") != std::string::npos);
}

TEST_CASE("empty or missing vendor list") {
    const auto e = error_of("name = \"x\"\n[developers]\ncount = 10\n[vendors]\n");
    check_at(e, 4, 1, "vendors");
    CHECK(std::string(e.what()) == "test.toml:4:1: vendors: no vendors (expected at least one [vendors.<id>] table)");
    const auto m = error_of("name = \"x\"\n[developers]\ncount = 10\n");
    check_at(m, 1, 1, "vendors");
    CHECK(m.problem == "missing required table 'vendors' (expected at least one [vendors.<id>] table)");
    const auto o = error_of("name = \"x\"\n[developers]\ncount = 10\n[vendors.a]\nkind = \"cloud\"\n");
    check_at(o, 4, 1, "vendors.a.offers");
    const auto id =
        error_of(edited("[vendors.alpha]", "[vendors.Alpha]", edited("vendors.alpha.offers", "vendors.Alpha.offers")));
    CHECK(id.key == "vendors.Alpha");
    CHECK(id.problem == "bad vendor id 'Alpha' (expected lower-case letters, digits, '_' or '-')");
}

TEST_CASE("at most 64 vendors and 256 offers") {
    std::string text = "name = \"big\"\n[developers]\ncount = 10\n";
    for (int v = 0; v < 65; ++v) {
        text += "[vendors.v" + std::to_string(v) + "]\nkind = \"startup\"\n";
        text +=
            "[vendors.v" + std::to_string(v) + ".offers.a]\nquality = 1\nprice_in = 1\nprice_out = 1\nunit_cost = 1\n";
    }
    const auto e = error_of(text);
    check_at(e, 4 + 64 * 7, 1, "vendors.v64");  // 7 lines per vendor
    CHECK(e.problem == "too many vendors (at most 64)");

    std::string offers = "name = \"big\"\n[developers]\ncount = 10\n";
    for (int v = 0; v < 2; ++v) {
        offers += "[vendors.v" + std::to_string(v) + "]\nkind = \"startup\"\n";
        for (int o = 0; o < 130; ++o)
            offers += "[vendors.v" + std::to_string(v) + ".offers.o" + std::to_string(o) +
                      "]\nquality = 1\nprice_in = 1\nprice_out = 1\nunit_cost = 1\n";
    }
    const auto f = error_of(offers);
    CHECK(f.key == "vendors.v1.offers.o126");  // the 257th
    CHECK(f.problem == "too many offers (at most 256 in all)");
}

TEST_CASE("bad distribution") {
    const auto e =
        error_of(edited("count = 100", "count = 100\nvalue = { dist = \"lognorm\", median = 20, sigma = 1 }"));
    check_at(e, 4, 18, "developers.value.dist");
    CHECK(e.problem ==
          "invalid value \"lognorm\" (expected \"lognormal\", \"normal\", \"uniform\" or \"constant\"; did "
          "you mean \"lognormal\"?)");

    const auto s =
        error_of(edited("count = 100", "count = 100\nvalue = { dist = \"lognormal\", median = 20, sigma = -1 }"));
    check_at(s, 4, 52, "developers.value.sigma");
    CHECK(s.problem == "must be >= 0 (got -1)");

    const auto k =
        error_of(edited("count = 100", "count = 100\nvalue = { dist = \"lognormal\", mean = 20, sigma = 1 }"));
    check_at(k, 4, 31, "developers.value.mean");
    CHECK(k.problem ==
          "unknown key 'mean' for a lognormal distribution (expected one of: dist, median, sigma, min, max)");

    const auto u =
        error_of(edited("count = 100", "count = 100\nbase_usage = { dist = \"uniform\", low = 3, high = 1 }"));
    check_at(u, 4, 50, "developers.base_usage.high");
    CHECK(u.problem == "must be >= low (got 1 < 3)");

    const auto r =
        error_of(edited("count = 100", "count = 100\nreevaluate_prob = { dist = \"normal\", mean = 0.1, sd = 0.1 }"));
    check_at(r, 4, 19, "developers.reevaluate_prob");
    CHECK(r.problem ==
          "reevaluate_prob must be in [0, 1], but this normal distribution reaches [-inf, inf] after "
          "clipping (expected clip bounds such as min = 0, max = 1)");

    const auto m = error_of(edited("count = 100", "count = 100\nelasticity = { dist = \"normal\", sd = 0.1 }"));
    check_at(m, 4, 14, "developers.elasticity.mean");
    CHECK(m.problem == "missing required key 'mean' (expected the mean, a finite number)");

    CHECK(error_of(edited("count = 100", "count = 100\nvalue = \"high\"")).problem ==
          "expected a number or a distribution table such as { dist = \"lognormal\", median = 1, sigma = 0.5 }, got "
          "string");
    CHECK(error_of(edited("count = 100", "count = 100\nvalue = { median = 0, sigma = 1 }")).problem ==
          "must be > 0 (got 0)");
}

TEST_CASE("missing or unreadable file") {
    try {
        (void)load_scenario("/nonexistent-dir/none.toml");
        FAIL("loaded a file that does not exist");
    } catch (const InputError& e) {
        MESSAGE(std::string(e.what()));
        CHECK(std::string(e.what()) ==
              "/nonexistent-dir/none.toml:0:0: (file): cannot read: No such file or directory");
        CHECK(e.line == 0);
        CHECK(e.key == "(file)");
    }
}
