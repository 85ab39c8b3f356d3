// Batches and sweeps in this process: results independent of --jobs and shards, failed runs
// recorded, resume, and the refusal to overwrite.

#include <doctest/doctest.h>

#include "sim/output/sweep_statistics.hpp"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "sim/model/rng.hpp"
#include "sim/output/sweep_file.hpp"
#include "sim/runners/runner.hpp"
#include "sim/runners/sweep_file.hpp"
#include "sim/scenario/input_error.hpp"
#include "support.hpp"

using namespace pricewar;
using pricewar::test::ScratchDir;

namespace {

std::string tiny() {
    return test::source_path("scenarios/sweeps/tiny.toml");
}

SweepOptions sweep(const std::string& file, const std::string& out, int jobs = 1) {
    SweepOptions o;
    o.sweep_file = file;
    o.out = out;
    o.jobs = jobs;
    return o;
}

// A small sweep of the default scenario written into `dir`.
std::string write_sweep(const ScratchDir& dir, const std::string& design_and_parameters, int replicates = 2) {
    const std::string path = dir.file("sweep.toml");
    test::write_text(path, "scenario = \"" + test::source_path("scenarios/default.toml") +
                               "\"\nseed = 31\nturns = 60\nreplicates = " + std::to_string(replicates) + "\n" +
                               design_and_parameters + "\n[set]\n\"developers.count\" = 200\n");
    return path;
}

}  // namespace

TEST_CASE("a sweep gives the same file content with --jobs 1 and --jobs 2") {
    const ScratchDir dir;
    REQUIRE(run_sweep(sweep(tiny(), dir.file("one.h5"), 1)) == 0);
    REQUIRE(run_sweep(sweep(tiny(), dir.file("two.h5"), 2)) == 0);
    CHECK(test::sweep_differences(dir.file("one.h5"), dir.file("two.h5")).empty());
    CHECK_FALSE(std::filesystem::exists(sweep_journal_path(dir.file("one.h5"))));

    const SweepContents c = read_sweep_file(dir.file("one.h5"));
    const SweepSpec spec = load_sweep_file(tiny());
    CHECK(c.header.kind == "sweep");
    CHECK(c.header.design == "factorial");
    CHECK(c.header.master_seed == 7);
    CHECK(c.header.runs_planned == 8);
    CHECK(c.header.turns == 20);
    CHECK(c.header.sweep_toml == test::read_text(tiny()));
    CHECK(c.header.parameters ==
          std::vector<std::string>{"vendors.premium2.cash", "vendors.cloud_a.cloud_attach_revenue"});
    CHECK(c.header.vendor_names.size() == 6);
    REQUIRE(c.rows.size() == 8);
    const auto plans = expand(spec);
    for (std::size_t i = 0; i < c.rows.size(); ++i) {
        const RunRow& r = c.rows[i];
        CAPTURE(i);
        CHECK(r.run_id == static_cast<std::int64_t>(i));
        CHECK(r.seed == derive_seed(7, i));
        CHECK(r.replicate == static_cast<std::int64_t>(i % 2));
        CHECK(r.parameter_values == plans[i].values);
        CHECK(r.scenario == "default");
        CHECK(r.status == 0);
        CHECK(r.wall_seconds > 0.0);
        double shares = 0.0;
        for (double s : r.final_share)
            shares += s;
        CHECK(shares == doctest::Approx(1.0).epsilon(1e-6));
    }
    // Replicates differ (their seeds do); so do the levels of cloud attach revenue.
    CHECK(c.rows[0].market_summary != c.rows[1].market_summary);
}

TEST_CASE("three shards merged equal one run of the whole sweep") {
    const ScratchDir dir;
    REQUIRE(run_sweep(sweep(tiny(), dir.file("all.h5"), 2)) == 0);
    std::vector<std::string> shards;
    for (int i = 1; i <= 3; ++i) {
        auto o = sweep(tiny(), dir.file(fmt::format("shard-{}.h5", i)));
        o.shard = std::make_pair(i, 3);
        REQUIRE(run_sweep(o) == 0);
        const SweepContents c = read_sweep_file(o.out);
        for (const auto& r : c.rows)
            CHECK(r.run_id % 3 == i - 1);
        CHECK(c.header.runs_planned == 8);  // a shard carries the whole sweep's header
        shards.push_back(o.out);
    }
    merge_sweep_files(shards, dir.file("merged.h5"));
    CHECK(test::sweep_differences(dir.file("all.h5"), dir.file("merged.h5")).empty());
}

TEST_CASE("with --series, shards still merge and match") {
    const ScratchDir dir;
    auto all = sweep(tiny(), dir.file("all.h5"), 2);
    all.series = true;
    REQUIRE(run_sweep(all) == 0);
    std::vector<std::string> shards;
    for (int i = 1; i <= 2; ++i) {
        auto o = sweep(tiny(), dir.file(fmt::format("s{}.h5", i)));
        o.series = true;
        o.shard = std::make_pair(i, 2);
        REQUIRE(run_sweep(o) == 0);
        shards.push_back(o.out);
    }
    merge_sweep_files(shards, dir.file("merged.h5"));
    CHECK(read_sweep_file(dir.file("merged.h5")).header.series);
    CHECK(test::sweep_differences(dir.file("all.h5"), dir.file("merged.h5")).empty());
}

TEST_CASE("a run that throws is recorded as failed and the sweep carries on") {
    const ScratchDir dir;
    // Attach revenue of 1e306 per developer overflows the vendor's cash: NumericalError.
    const auto file = write_sweep(dir,
                                  "[design]\nkind = \"factorial\"\n[[parameter]]\n"
                                  "path = \"vendors.cloud_a.cloud_attach_revenue\"\nvalues = [300.0, 1e306]\n");
    const auto out = dir.file("out.h5");
    CHECK(run_sweep(sweep(file, out, 2)) == 1);
    const SweepContents c = read_sweep_file(out);
    REQUIRE(c.rows.size() == 4);
    for (const auto& r : c.rows) {
        CAPTURE(r.run_id);
        if (r.run_id < 2) {
            CHECK(r.status == 0);
            CHECK(r.error.empty());
            CHECK(std::isfinite(r.market_summary.at(0)));
        } else {
            CHECK(r.status == 1);
            CHECK(r.error.find("NaN or infinite") != std::string::npos);
            CHECK(std::isnan(r.market_summary.at(0)));
            CHECK(r.exit_turn.at(0) == -2);
            CHECK(r.seed == derive_seed(31, static_cast<std::uint64_t>(r.run_id)));
        }
    }
}

TEST_CASE("existing outputs are never overwritten without --resume") {
    const ScratchDir dir;
    const auto out = dir.file("out.h5");
    REQUIRE(run_sweep(sweep(tiny(), out)) == 0);
    const auto before = std::filesystem::last_write_time(out);
    try {
        (void)run_sweep(sweep(tiny(), out));
        FAIL("overwrote the output");
    } catch (const InputError& e) {
        CHECK(e.file == out);
        CHECK(e.problem.find("--resume") != std::string::npos);
    }
    SUBCASE("--resume on a finished file runs nothing") {
        auto o = sweep(tiny(), out);
        o.resume = true;
        CHECK(run_sweep(o) == 0);
        CHECK(std::filesystem::last_write_time(out) == before);
    }
    SUBCASE("--resume on another sweep's file is refused") {
        const auto other = write_sweep(dir, "[design]\nkind = \"factorial\"\n");
        auto o = sweep(other, out);
        o.resume = true;
        CHECK_THROWS_AS((void)run_sweep(o), InputError);
    }
    SUBCASE("an existing journal needs --resume") {
        std::filesystem::rename(out, dir.file("kept.h5"));
        const SweepContents c = read_sweep_file(dir.file("kept.h5"));
        {
            auto j = SweepJournal::create(sweep_journal_path(out), c.header);
            j.append(c.rows[0]);
        }
        try {
            (void)run_sweep(sweep(tiny(), out));
            FAIL("ignored the journal");
        } catch (const InputError& e) {
            CHECK(e.file == sweep_journal_path(out));
            CHECK(e.problem.find("--resume") != std::string::npos);
        }
    }
}

TEST_CASE("--resume runs only what the journal lacks and gives the same file") {
    const ScratchDir dir;
    const auto full = dir.file("full.h5");
    REQUIRE(run_sweep(sweep(tiny(), full, 2)) == 0);
    const SweepContents c = read_sweep_file(full);
    const auto out = dir.file("resumed.h5");
    {
        // An interrupted sweep: runs 0, 3 and 5 journaled.
        auto j = SweepJournal::create(sweep_journal_path(out), c.header);
        for (const int id : {0, 3, 5})
            j.append(c.rows[static_cast<std::size_t>(id)]);
    }
    auto o = sweep(tiny(), out, 2);
    o.resume = true;
    CHECK(run_sweep(o) == 0);
    CHECK(test::sweep_differences(full, out).empty());
    // The journaled rows were kept, not rerun: their wall times are the first process's.
    const SweepContents r = read_sweep_file(out);
    CHECK(r.rows[3].wall_seconds == c.rows[3].wall_seconds);

    SUBCASE("another sweep's journal is refused") {
        const auto other = write_sweep(dir, "[design]\nkind = \"factorial\"\n");
        auto o2 = sweep(other, dir.file("other.h5"));
        {
            auto j = SweepJournal::create(sweep_journal_path(o2.out), c.header);
            j.append(c.rows[0]);
        }
        o2.resume = true;
        try {
            (void)run_sweep(o2);
            FAIL("resumed another sweep's journal");
        } catch (const InputError& e) {
            CHECK(e.problem.find("different sweep") != std::string::npos);
        }
    }
    SUBCASE("a shard's journal cannot be resumed as another shard") {
        const auto s1 = dir.file("s1.h5");
        {
            auto j = SweepJournal::create(sweep_journal_path(s1), c.header);
            j.append(c.rows[0]);  // run 0 belongs to shard 1/2
        }
        auto bad = sweep(tiny(), s1);
        bad.resume = true;
        bad.shard = std::make_pair(2, 2);
        CHECK_THROWS_AS((void)run_sweep(bad), InputError);
    }
}

TEST_CASE("a batch: scenario x replicate, scenario slowest, seeds from the master seed") {
    const ScratchDir dir;
    const std::string text = test::read_text(test::source_path("scenarios/default.toml"));
    auto renamed = [&](const std::string& name) {
        std::string t = text;
        const auto at = t.find("name = \"default\"");
        REQUIRE(at != std::string::npos);
        t.replace(at, 16, "name = \"" + name + "\"");
        test::write_text(dir.file(name + ".toml"), t);
        return dir.file(name + ".toml");
    };
    BatchOptions b;
    b.scenarios = {renamed("alpha"), renamed("beta")};
    b.out = dir.file("batch.h5");
    b.replicates = 3;
    b.jobs = 2;
    b.overrides = {"developers.count=200", "turns=60"};
    REQUIRE(run_batch(b) == 0);
    const SweepContents c = read_sweep_file(b.out);
    CHECK(c.header.kind == "batch");
    CHECK(c.header.master_seed == 2024);  // the first scenario's seed
    CHECK(c.header.parameters.empty());
    REQUIRE(c.rows.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
        CHECK(c.rows[i].scenario == (i < 3 ? "alpha" : "beta"));
        CHECK(c.rows[i].replicate == static_cast<std::int64_t>(i % 3));
        CHECK(c.rows[i].seed == derive_seed(2024, i));
    }
    // Replicates differ: their seeds do.
    CHECK(c.rows[0].market_summary != c.rows[1].market_summary);

    SUBCASE("statistics are given per scenario, with the survival of each startup") {
        const SweepStatistics stats = sweep_statistics(b.out);
        CHECK(stats.ok == 6);
        REQUIRE(stats.scenarios.size() == 2);
        CHECK(stats.scenarios[0].scenario == "alpha");
        CHECK(stats.scenarios[1].scenario == "beta");
        for (const auto& sc : stats.scenarios) {
            CHECK(sc.ok == 3);
            REQUIRE(sc.market.size() == stats.market.size());
            REQUIRE(sc.startups.size() == stats.startups.size());
            for (std::size_t k = 0; k < sc.startups.size(); ++k)
                CHECK(sc.startups[k].runs == 3);
        }
        // Counts add up over the scenarios, vendor by vendor, and match the per-run exit turns.
        REQUIRE(!stats.startups.empty());
        for (std::size_t k = 0; k < stats.startups.size(); ++k) {
            CHECK(stats.startups[k].runs == 6);
            CHECK(stats.startups[k].alive ==
                  stats.scenarios[0].startups[k].alive + stats.scenarios[1].startups[k].alive);
        }
        const auto vendor =
            std::find(c.header.vendor_names.begin(), c.header.vendor_names.end(), stats.startups.front().vendor) -
            c.header.vendor_names.begin();
        std::int64_t alive = 0;
        for (const auto& row : c.rows)
            alive += row.exit_turn.at(static_cast<std::size_t>(vendor)) == -1 ? 1 : 0;
        CHECK(stats.startups.front().alive == alive);
    }

    SUBCASE("--seed sets the master seed; --jobs does not change results") {
        BatchOptions s = b;
        s.out = dir.file("seeded.h5");
        s.seed = 5;
        s.jobs = 1;
        REQUIRE(run_batch(s) == 0);
        const SweepContents d = read_sweep_file(s.out);
        CHECK(d.header.master_seed == 5);
        CHECK(d.rows[4].seed == derive_seed(5, 4));
        BatchOptions t = s;
        t.out = dir.file("seeded2.h5");
        t.jobs = 2;
        REQUIRE(run_batch(t) == 0);
        CHECK(test::sweep_differences(s.out, t.out).empty());
    }
    SUBCASE("bad input throws InputError") {
        BatchOptions bad = b;
        bad.out = dir.file("bad.h5");
        bad.scenarios = {dir.file("missing.toml")};
        CHECK_THROWS_AS((void)run_batch(bad), InputError);
        bad.scenarios = b.scenarios;
        bad.overrides = {"developers.count=-3"};
        CHECK_THROWS_AS((void)run_batch(bad), InputError);
    }
}

TEST_CASE("batches and sweeps record display names, and the calendar only where every run shares it") {
    const ScratchDir dir;
    const std::string text = test::read_text(test::source_path("scenarios/default.toml"));
    // The default scenario with another name and calendar lines in place of `turn_days = 7`.
    auto variant = [&](const std::string& name, const std::string& calendar) {
        std::string t = text;
        const auto at = t.find("name = \"default\"");
        REQUIRE(at != std::string::npos);
        t.replace(at, 16, "name = \"" + name + "\"");
        const auto days = t.find("turn_days = 7\n");
        REQUIRE(days != std::string::npos);
        t.replace(days, 14, calendar);
        test::write_text(dir.file(name + ".toml"), t);
        return dir.file(name + ".toml");
    };
    const auto batch = [&](const std::vector<std::string>& scenarios, const std::string& out) {
        BatchOptions b;
        b.scenarios = scenarios;
        b.out = dir.file(out);
        b.series = true;
        b.overrides = {"developers.count=100", "turns=60"};
        REQUIRE(run_batch(b) == 0);
        return read_sweep_file(b.out).header;
    };
    const std::string april = variant("april", "turn_days = 7\nstart_date = \"2024-04-29\"\n");
    {
        const SweepHeader h = batch({april, variant("april2", "turn_days = 7\nstart_date = \"2024-04-29\"\n")}, "a.h5");
        CHECK(h.start_date == "2024-04-29");
        CHECK(h.turn_days == 7.0);
        REQUIRE(h.records_presentation());
        const auto lowcost =
            std::find(h.vendor_names.begin(), h.vendor_names.end(), "lowcost") - h.vendor_names.begin();
        CHECK(h.vendor_display_names.at(static_cast<std::size_t>(lowcost)) == "LowCost AI");
        const auto v2 = std::find(h.offer_names.begin(), h.offer_names.end(), "lowcost.v2") - h.offer_names.begin();
        CHECK(h.offer_display_names.at(static_cast<std::size_t>(v2)) == "LowCost-V2");
    }
    {
        const SweepHeader h = batch({april, variant("may", "turn_days = 7\nstart_date = \"2024-05-06\"\n")}, "b.h5");
        CHECK(h.start_date.empty());  // the scenarios disagree: turns only
        CHECK(h.turn_days == 7.0);
    }
    {
        const SweepHeader h =
            batch({april, variant("fortnight", "turn_days = 14\nstart_date = \"2024-04-29\"\n")}, "c.h5");
        CHECK(h.start_date.empty());
        CHECK(h.turn_days == 0.0);
    }
    {  // A sweep: the calendar of the base scenario after [set]; none when turn_days is varied.
        const auto sweep_over = [&](const std::string& name, const std::string& parameter) {
            const std::string path = dir.file(name + ".toml");
            test::write_text(path, "scenario = \"" + test::source_path("scenarios/default.toml") +
                                       "\"\nturns = 6\n[design]\nkind = \"factorial\"\n[[parameter]]\npath = \"" +
                                       parameter +
                                       "\"\nvalues = [7, 14]\n[set]\n\"developers.count\" = 100\nstart_date = "
                                       "\"2024-04-29\"\n");
            REQUIRE(run_sweep(sweep(path, dir.file(name + ".h5"))) == 0);
            return read_sweep_file(dir.file(name + ".h5")).header;
        };
        const SweepHeader dated = sweep_over("dated", "vendors.lowcost.gpu_lead_turns");
        CHECK(dated.start_date == "2024-04-29");
        CHECK(dated.turn_days == 7.0);
        CHECK(dated.offer_names.empty());  // without --series
        CHECK(dated.records_presentation());
        const SweepHeader varied = sweep_over("varied", "turn_days");
        CHECK(varied.start_date.empty());
        CHECK(varied.turn_days == 0.0);
    }
}
