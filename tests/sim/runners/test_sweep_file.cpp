// Sweep files: what they expand to, and one error of every class, each pointing at the file,
// line and key concerned.

#include <doctest/doctest.h>

#include <cmath>
#include <optional>

#include "sim/runners/sweep_file.hpp"
#include "sim/scenario/loader.hpp"
#include "support.hpp"

using namespace pricewar;
using pricewar::test::ScratchDir;

namespace {

std::string base_scenario() {
    return test::source_path("scenarios/default.toml");
}

// A sweep file whose first line names the default scenario; `rest` follows from line 2.
std::string sweep_text(const std::string& rest) {
    return "scenario = \"" + base_scenario() + "\"\n" + rest;
}

struct Loaded {
    std::optional<SweepSpec> spec;
    std::optional<InputError> error;
};

Loaded load(const std::string& text, const std::string& name = "sweep.toml") {
    const ScratchDir dir;
    const std::string path = dir.file(name);
    test::write_text(path, text);
    Loaded out;
    try {
        out.spec = load_sweep_file(path);
    } catch (const InputError& e) {
        out.error = e;
        // Messages name the file as given.
        CHECK(e.file == path);
        out.error->file = name;
    }
    return out;
}

void check_error(const std::string& text, int line, const std::string& key, const std::string& problem_part) {
    const Loaded r = load(text);
    REQUIRE_MESSAGE(r.error.has_value(), "accepted: " << text);
    const std::string message = r.error->what();
    CAPTURE(message);
    CHECK(r.error->line == line);
    CHECK(r.error->key == key);
    CHECK(r.error->problem.find(problem_part) != std::string::npos);
}

const char* const kFactorial =
    "seed = 11\n"                                // 2
    "replicates = 3\n"                           // 3
    "[design]\n"                                 // 4
    "kind = \"factorial\"\n"                     // 5
    "[[parameter]]\n"                            // 6
    "path = \"vendors.premium2.cash\"\n"         // 7
    "values = [1e8, 2e8, 4e8]\n"                 // 8
    "[[parameter]]\n"                            // 9
    "path = \"developers.elasticity.median\"\n"  // 10
    "values = [0.8, 1.6]\n";                     // 11

}  // namespace

TEST_CASE("a factorial sweep file expands to its grid") {
    const Loaded r = load(sweep_text(kFactorial));
    REQUIRE(r.spec.has_value());
    const SweepSpec& s = *r.spec;
    CHECK(s.design == "factorial");
    CHECK(s.seed == 11);
    CHECK(s.replicates == 3);
    CHECK(s.scenario_path == base_scenario());
    REQUIRE(s.parameters.size() == 2);
    CHECK(s.parameters[0].path == "vendors.premium2.cash");
    CHECK(s.parameters[1].values == std::vector<double>{0.8, 1.6});
    CHECK(expand(s).size() == 3 * 2 * 3);
    CHECK(plan_overrides(s, {1e8, 0.8}) ==
          std::vector<std::string>{"vendors.premium2.cash=100000000.0", "developers.elasticity.median=0.8"});
}

TEST_CASE("the scenario path is relative to the sweep file; seed defaults to the scenario's") {
    const ScratchDir dir;
    const std::string sub = dir.file("sweeps");
    std::filesystem::create_directories(sub);
    test::write_text(dir.file("base.toml"), test::read_text(base_scenario()));
    test::write_text(sub + "/s.toml",
                     "scenario = \"../base.toml\"\nturns = 70\n[design]\nkind = \"lhs\"\nsamples = 5\n"
                     "[[parameter]]\npath = \"vendors.lowcost.cash\"\nrange = [1e8, 1e10]\nscale = \"log\"\n"
                     "[[parameter]]\npath = \"vendors.lowcost.gpu_lead_turns\"\nrange = [2, 8]\n"
                     "[set]\ndevelopers.count = 200\nvendors.foreign.offers.top.strategy = \"cost_plus\"\n");
    const SweepSpec s = load_sweep_file(sub + "/s.toml");
    CHECK(std::filesystem::equivalent(s.scenario_path, dir.file("base.toml")));
    CHECK(s.seed == 2024);  // scenarios/default.toml's seed
    CHECK(s.turns == 70);
    CHECK(s.fixed ==
          std::vector<std::string>{"developers.count=200", "vendors.foreign.offers.top.strategy='cost_plus'"});
    CHECK(s.parameters[0].scale == ParameterScale::log);
    CHECK_FALSE(s.parameters[0].integer);
    CHECK(s.parameters[1].integer);  // an integer key: sampled values are rounded
    for (const auto& p : expand(s))
        CHECK(p.values[1] == std::round(p.values[1]));
    const auto o = plan_overrides(s, {1e9, 4});
    REQUIRE(o.size() == 4);
    CHECK(o[2] == "vendors.lowcost.cash=1000000000.0");
    CHECK(o[3] == "vendors.lowcost.gpu_lead_turns=4");
    const Scenario sc = plan_scenario(s, {1e9, 4});
    CHECK(sc.turns == 70);
    CHECK(sc.developers.count == 200);
}

TEST_CASE("a shorter horizon drops the later timeline events, as pricewar run --turns does") {
    const Loaded r = load(sweep_text("turns = 20\n[design]\nkind = \"factorial\"\n"));
    REQUIRE(r.spec.has_value());
    const Scenario full = load_scenario(base_scenario());
    const Scenario sc = plan_scenario(*r.spec, {});
    CHECK(sc.turns == 20);
    REQUIRE_FALSE(full.events.empty());
    CHECK(sc.events.size() < full.events.size());
    for (const auto& e : sc.events)
        CHECK(e.turn < 20);
}

TEST_CASE("seeds above 2^63 - 1 are decimal strings, as in scenarios") {
    const Loaded r = load(sweep_text("seed = \"18446744073709551615\"\n[design]\nkind = \"factorial\"\n"));
    REQUIRE(r.spec.has_value());
    CHECK(r.spec->seed == 18446744073709551615ULL);
    check_error(sweep_text("seed = \"12x\"\n[design]\nkind = \"factorial\"\n"), 2, "seed", "decimal string");
    check_error(sweep_text("seed = -1\n[design]\nkind = \"factorial\"\n"), 2, "seed", "must be >= 0");
}

TEST_CASE("is_sweep_file tells sweep files from scenarios") {
    CHECK(is_sweep_file(test::source_path("scenarios/sweeps/tiny.toml")));
    CHECK_FALSE(is_sweep_file(base_scenario()));
    CHECK_FALSE(is_sweep_file(test::source_path("no/such/file.toml")));
}

TEST_CASE("the example sweeps load") {
    for (const char* name :
         {"tiny.toml", "startup-survival.toml", "lhs-example.toml", "sobol-example.toml", "sobol-rules.toml"}) {
        CAPTURE(name);
        const auto path = test::source_path(std::string("scenarios/sweeps/") + name);
        CHECK_NOTHROW((void)load_sweep_file(path));
    }
    CHECK(expand(load_sweep_file(test::source_path("scenarios/sweeps/startup-survival.toml"))).size() == 3 * 3 * 3 * 5);
    CHECK(expand(load_sweep_file(test::source_path("scenarios/sweeps/sobol-rules.toml"))).size() == 1024 * (10 + 2));
}

TEST_CASE("sweep file errors: file, line and key") {
    SUBCASE("syntax") {
        check_error(sweep_text("seed = 1\n[design\n"), 3, "(syntax)", "");
    }
    SUBCASE("unknown key with a suggestion") {
        check_error(sweep_text("replicate = 3\n[design]\nkind = \"factorial\"\n"), 2, "replicate",
                    "did you mean 'replicates'?");
    }
    SUBCASE("unknown key in a parameter") {
        check_error(sweep_text("[design]\nkind = \"factorial\"\n[[parameter]]\npath = \"vendors.premium2.cash\"\n"
                               "valeus = [1, 2]\n"),
                    6, "parameter[0].valeus", "did you mean 'values'?");
    }
    SUBCASE("wrong type") {
        check_error(sweep_text("replicates = \"ten\"\n[design]\nkind = \"factorial\"\n"), 2, "replicates",
                    "expected an integer, got string");
    }
    SUBCASE("missing required key") {
        check_error("seed = 1\n[design]\nkind = \"factorial\"\n", 1, "scenario", "missing required key 'scenario'");
        check_error(sweep_text("[design]\nsamples = 3\n"), 2, "design.kind", "missing required key 'kind'");
        check_error(
            sweep_text("[design]\nkind = \"lhs\"\n[[parameter]]\npath = \"vendors.lowcost.cash\"\nrange = [1, 2]\n"), 2,
            "design.samples", "missing required key 'samples'");
        check_error(sweep_text("[design]\nkind = \"factorial\"\n[[parameter]]\nvalues = [1, 2]\n"), 4,
                    "parameter[0].path", "missing required key 'path'");
    }
    SUBCASE("unknown design, with a suggestion") {
        check_error(sweep_text("[design]\nkind = \"factorail\"\n"), 3, "design.kind", "did you mean 'factorial'?");
    }
    SUBCASE("a key of another design") {
        check_error(sweep_text("[design]\nkind = \"factorial\"\nsamples = 4\n"), 4, "design.samples",
                    "not used by the factorial design");
    }
    SUBCASE("factorial needs non-empty values") {
        check_error(sweep_text("[design]\nkind = \"factorial\"\n[[parameter]]\npath = \"vendors.premium2.cash\"\n"
                               "values = []\n"),
                    6, "parameter[0].values", "must not be empty");
        check_error(sweep_text("[design]\nkind = \"factorial\"\n[[parameter]]\npath = \"vendors.premium2.cash\"\n"), 4,
                    "parameter[0].values", "missing required key 'values'");
        check_error(sweep_text("[design]\nkind = \"factorial\"\n[[parameter]]\npath = \"vendors.premium2.cash\"\n"
                               "values = [1e8, \"x\"]\n"),
                    6, "parameter[0].values[1]", "expected a number, got string");
        check_error(sweep_text("[design]\nkind = \"factorial\"\n[[parameter]]\npath = \"vendors.premium2.cash\"\n"
                               "range = [1, 2]\n"),
                    6, "parameter[0].range", "for sampled designs");
    }
    SUBCASE("range problems") {
        const std::string head =
            "[design]\nkind = \"sobol\"\nsamples = 8\n[[parameter]]\npath = \"vendors.lowcost.cash\"\n";
        check_error(sweep_text(head + "range = [5e9, 1e9]\n"), 7, "parameter[0].range", "lo must be < hi");
        check_error(sweep_text(head + "range = [1e9]\n"), 7, "parameter[0].range", "expected two numbers");
        check_error(sweep_text(head + "range = [1e9, inf]\n"), 7, "parameter[0].range[1]", "must be finite");
        check_error(sweep_text(head + "range = [0, 1e9]\nscale = \"log\"\n"), 7, "parameter[0].range",
                    "a log-scale range must not include zero or negatives");
        check_error(sweep_text(head + "range = [1, 1e9]\nscale = \"logarithmic\"\n"), 8, "parameter[0].scale",
                    "expected \"linear\" or \"log\"");
        check_error(sweep_text(head + "values = [1, 2]\n"), 7, "parameter[0].values", "samples a range");
        check_error(sweep_text(head), 5, "parameter[0].range", "missing required key 'range'");
    }
    SUBCASE("sample counts and replicates") {
        check_error(sweep_text("[design]\nkind = \"lhs\"\nsamples = 0\n"), 4, "design.samples",
                    "must be in [1, 1000000000]");
        check_error(sweep_text("[design]\nkind = \"sobol\"\nsamples = 1\n"), 4, "design.samples",
                    "must be in [2, 1000000000]");
        check_error(sweep_text("[design]\nkind = \"sobol\"\nsamples = 2.5\n"), 4, "design.samples",
                    "must be an integer");
        check_error(sweep_text("replicates = 0\n[design]\nkind = \"factorial\"\n"), 2, "replicates", "must be >= 1");
        check_error(sweep_text("turns = 0\n[design]\nkind = \"factorial\"\n"), 2, "turns", "must be in [1, 100000]");
        check_error(sweep_text("turns = 30\n[design]\nkind = \"factorial\"\n[[parameter]]\npath = \"turns\"\n"
                               "values = [60, 80]\n"),
                    6, "parameter[0].path", "both fixed by the top-level turns");
    }
    SUBCASE("paths that are not numeric scenario values") {
        const std::string head = "[design]\nkind = \"factorial\"\n[[parameter]]\n";
        check_error(sweep_text(head + "path = \"vendors.premium2.csah\"\nvalues = [1]\n"), 5, "parameter[0].path",
                    "did you mean 'vendors.premium2.cash'?");
        check_error(sweep_text(head + "path = \"vendors.premium2.name\"\nvalues = [1]\n"), 5, "parameter[0].path",
                    "not a number");
        check_error(sweep_text(head + "path = \"vendors.premium2.cash\"\nvalues = [1e8]\n[[parameter]]\n"
                                      "path = \"vendors.premium2.cash\"\nvalues = [2e8]\n"),
                    8, "parameter[1].path", "duplicate parameter");
        check_error(sweep_text(head + "path = \"vendors.premium2.cash\"\nvalues = [1e8]\n[set]\n"
                                      "\"vendors.premium2.cash\" = 1\n"),
                    5, "parameter[0].path", "both fixed in [set] and varied");
    }
    SUBCASE("a level the scenario rejects") {
        check_error(sweep_text("[design]\nkind = \"factorial\"\n[[parameter]]\npath = \"market.output_share\"\n"
                               "values = [0.2,\n 1.5]\n"),
                    7, "parameter[0].values[1]", "market.output_share = 1.5");
        check_error(
            sweep_text("[design]\nkind = \"factorial\"\n[[parameter]]\npath = \"vendors.lowcost.gpu_lead_turns\"\n"
                       "values = [2, 2.5]\n"),
            6, "parameter[0].values[1]", "is an integer");
    }
    SUBCASE("a bad [set] entry points into [set]") {
        check_error(sweep_text("[design]\nkind = \"factorial\"\n[set]\n\"developers.count\" = -5\n"), 5,
                    "set.developers.count", "");
        check_error(sweep_text("[design]\nkind = \"factorial\"\n[set]\nvendors.nobody.cash = 5\n"), 5,
                    "set.vendors.nobody", "no such table");
    }
    SUBCASE("the base scenario is missing or invalid") {
        check_error("scenario = \"no-such-scenario.toml\"\n[design]\nkind = \"factorial\"\n", 1, "scenario",
                    "no such file");
        const ScratchDir dir;
        test::write_text(dir.file("broken.toml"), "name = \"broken\"\nturns = -1\n");
        try {
            (void)load_sweep_file([&] {
                test::write_text(dir.file("s.toml"), "scenario = \"broken.toml\"\n[design]\nkind = \"factorial\"\n");
                return dir.file("s.toml");
            }());
            FAIL("accepted a broken base scenario");
        } catch (const InputError& e) {
            CHECK(e.file == dir.file("broken.toml"));  // the scenario's own error
        }
    }
    SUBCASE("an unreadable sweep file") {
        try {
            (void)load_sweep_file(test::source_path("no/such/sweep.toml"));
            FAIL("no error");
        } catch (const InputError& e) {
            CHECK(e.line == 0);
            CHECK(e.key == "(file)");
        }
    }
}
