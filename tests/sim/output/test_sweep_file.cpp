#include "sim/output/detail/h5.hpp"
#include "sim/output/row_codec.hpp"
#include "sim/output/run_file.hpp"
#include "sim/output/sweep_file.hpp"
#include "tests/sim/output/support.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <numeric>

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace pricewar;
using namespace pricewar::test;

namespace {

void check_same_row(const RunRow& a, const RunRow& b) {
    CAPTURE(a.run_id);
    CHECK(a.run_id == b.run_id);
    CHECK(a.replicate == b.replicate);
    CHECK(a.seed == b.seed);
    CHECK(a.scenario == b.scenario);
    CHECK(same_doubles(a.parameter_values, b.parameter_values));
    CHECK(a.sobol_block == b.sobol_block);
    CHECK(a.sobol_index == b.sobol_index);
    CHECK(a.status == b.status);
    CHECK(a.error == b.error);
    CHECK(same_double(a.wall_seconds, b.wall_seconds));
    CHECK(a.exit_turn == b.exit_turn);
    CHECK(a.exit_reason == b.exit_reason);
    CHECK(same_doubles(a.final_share, b.final_share));
    CHECK(same_doubles(a.cumulative_profit, b.cumulative_profit));
    CHECK(same_doubles(a.peak_loss, b.peak_loss));
    CHECK(same_doubles(a.market_summary, b.market_summary));
}

std::vector<double> series_row(const std::string& path, const std::string& dataset, hsize_t row) {
    h5::Session session;
    h5::Handle file = h5::open_file_read(path);
    h5::Handle d = h5::open_dataset(file.get(), dataset);
    auto dims = h5::shape(d.get());
    std::vector<hsize_t> start(dims.size(), 0);
    start[0] = row;
    dims[0] = 1;
    std::vector<double> values(std::accumulate(dims.begin(), dims.end(), std::size_t{1}, std::multiplies<>()));
    h5::read_block<double>(d.get(), start, dims, values);
    return values;
}

}  // namespace

TEST_CASE("sweep file: journal rows in any order come out ordered by run_id") {
    ScratchDir dir;
    const SweepHeader header = make_header(false);
    const std::string out = dir.file("sweep.h5");
    std::vector<std::int64_t> order = ids(30);
    std::reverse(order.begin(), order.begin() + 15);
    std::rotate(order.begin(), order.begin() + 7, order.end());
    build_sweep(out, header, order);
    CHECK(dir.entries() == std::vector<std::string>{"sweep.h5"});  // journal and temporaries gone

    const SweepContents contents = read_sweep_file(out);
    SweepHeader expected = header;
    expected.offer_names.clear();  // offers are stored with series only
    expected.offer_display_names.clear();
    CHECK(contents.header == expected);
    REQUIRE(contents.rows.size() == 30);
    for (std::int64_t id = 0; id < 30; ++id)
        check_same_row(contents.rows[static_cast<std::size_t>(id)], make_row(header, id));

    h5::Session session;
    h5::Handle file = h5::open_file_read(out);
    const hid_t f = file.get();
    CHECK(h5::attr_string(f, "format") == "pricewar-sweep");
    CHECK(h5::attr_value<std::int32_t>(f, "format_version") == 2);
    CHECK(h5::attr_string(f, "kind") == "sweep");
    CHECK(h5::attr_value<std::uint64_t>(f, "master_seed") == header.master_seed);
    CHECK(h5::attr_string(f, "design") == "factorial");
    CHECK(h5::attr_value<std::int64_t>(f, "runs_planned") == 30);
    CHECK(h5::attr_value<std::int32_t>(f, "turns") == 8);
    CHECK(h5::attr_string(h5::open_group(f, "sweep").get(), "toml") == header.sweep_toml);
    CHECK(h5::attr_strings(h5::open_group(f, "design").get(), "parameters") == header.parameters);
    CHECK(h5::shape(h5::open_dataset(f, "/design/vendors.v0.price_cut").get()) == std::vector<hsize_t>{30});
    CHECK(h5::shape(h5::open_dataset(f, "/summary/vendor/final_share").get()) == std::vector<hsize_t>{30, 3});
    CHECK(h5::attr_string(h5::open_dataset(f, "/summary/vendor/cumulative_profit").get(), "units") == "CNY");
    CHECK(h5::attr_string(h5::open_dataset(f, "/summary/vendor/exit_turn").get(), "units") == "turn");
    CHECK(h5::attr_string(h5::open_dataset(f, "/summary/market/hhi_final").get(), "units") == "1");
    CHECK(h5::attr_string(h5::open_dataset(f, "/runs/wall_seconds").get(), "units") == "s");
    CHECK_FALSE(h5::has_link(f, "series"));
    CHECK_FALSE(h5::has_link(h5::open_group(f, "design").get(), "sobol_block"));
}

TEST_CASE("sweep file: series are padded with NaN and mapped onto the union of offers and vendors") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 12);
    const std::string out = dir.file("sweep.h5");
    build_sweep(out, header, ids(12), true);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    {
        h5::Session session;
        h5::Handle file = h5::open_file_read(out);
        CHECK(h5::shape(h5::open_dataset(file.get(), "/series/offer/price").get()) == std::vector<hsize_t>{12, 8, 6});
        CHECK(h5::shape(h5::open_dataset(file.get(), "/series/vendor/cash").get()) == std::vector<hsize_t>{12, 8, 3});
        CHECK(h5::shape(h5::open_dataset(file.get(), "/series/market/hhi").get()) == std::vector<hsize_t>{12, 8});
        CHECK(h5::attr_string(h5::open_dataset(file.get(), "/series/offer/price").get(), "units") == "CNY/Mtok");
        CHECK(h5::read_strings(h5::open_dataset(file.get(), "/offers/name").get()) == header.offer_names);
        CHECK(h5::read_all<std::int32_t>(h5::open_dataset(file.get(), "/design/sobol_block").get())[9] == 2);
    }
    // Run 1: vendors listed in reverse, v2 absent -> offers 4, 5 NaN.
    const auto price1 = series_row(out, "/series/offer/price", 1);
    for (std::size_t t = 0; t < 8; ++t)
        for (std::size_t o = 0; o < 6; ++o) {
            CAPTURE(t);
            CAPTURE(o);
            const double expected = o < 4 ? 1000.0 + 10.0 * static_cast<double>(t) + static_cast<double>(o) : nan;
            CHECK(same_double(price1[t * 6 + o], expected));
        }
    // Run 2: 6 of 8 turns -> the last two NaN.
    const auto cash2 = series_row(out, "/series/vendor/cash", 2);
    CHECK(cash2[5 * 3 + 1] == 2000.0 + 50.0 + 1.0);
    CHECK(std::isnan(cash2[6 * 3 + 1]));
    // Run 3 failed: no series at all.
    const auto hhi3 = series_row(out, "/series/market/hhi", 3);
    CHECK(std::all_of(hhi3.begin(), hhi3.end(), [](double x) { return std::isnan(x); }));
    // "margin" exists only in runs 0, 5, 10.
    CHECK(series_row(out, "/series/offer/margin", 5)[0] == 5000.25);
    CHECK(std::isnan(series_row(out, "/series/offer/margin", 4)[0]));
}

TEST_CASE("sweep file: an empty journal gives a file with no rows") {
    ScratchDir dir;
    for (const bool series : {false, true}) {
        const SweepHeader header = make_header(series);
        const std::string out = dir.file(series ? "s.h5" : "n.h5");
        SweepJournal::create(sweep_journal_path(out), header).close();
        finalize_sweep(sweep_journal_path(out), out);
        const SweepContents contents = read_sweep_file(out);
        CHECK(contents.rows.empty());
        CHECK(contents.header.series == series);
    }
}

TEST_CASE("sweep file: merging three shards gives the single-process file") {
    ScratchDir dir;
    for (const bool series : {true, false}) {
        CAPTURE(series);
        const SweepHeader header = make_header(series, 30);
        const std::string single = dir.file(fmt::format("single-{}.h5", series));
        build_sweep(single, header, ids(30), true);

        std::vector<std::string> shards;
        for (int k = 0; k < 3; ++k) {
            std::vector<std::int64_t> mine;
            for (std::int64_t id = 29; id >= 0; --id)
                if (id % 3 == k) mine.push_back(id);
            shards.push_back(dir.file(fmt::format("shard{}-{}.h5", k, series)));
            build_sweep(shards.back(), header, mine, true);
        }
        const std::string merged = dir.file(fmt::format("merged-{}.h5", series));
        merge_sweep_files({shards[2], shards[0], shards[1]}, merged);
        CHECK(hdf5_differences(single, merged) == "");
    }
}

TEST_CASE("sweep file: merging shards of which some lack series drops the series") {
    ScratchDir dir;
    const std::string single = dir.file("single.h5");
    build_sweep(single, make_header(false, 30), ids(30));
    std::vector<std::string> shards;
    for (int k = 0; k < 3; ++k) {
        std::vector<std::int64_t> mine;
        for (std::int64_t id = k * 10; id < k * 10 + 10; ++id)
            mine.push_back(id);
        shards.push_back(dir.file(fmt::format("shard{}.h5", k)));
        build_sweep(shards.back(), make_header(k == 1, 30), mine);
    }
    merge_sweep_files(shards, dir.file("merged.h5"));
    CHECK(hdf5_differences(single, dir.file("merged.h5")) == "");
}

TEST_CASE("sweep file: merge refuses overlapping shards and shards of other sweeps") {
    ScratchDir dir;
    const SweepHeader header = make_header(false);
    build_sweep(dir.file("a.h5"), header, {0, 1, 2, 3});
    build_sweep(dir.file("b.h5"), header, {4, 5, 6});
    SUBCASE("a run in two shards") {
        build_sweep(dir.file("c.h5"), header, {7, 2});
        CHECK_THROWS_WITH_AS(
            merge_sweep_files({dir.file("a.h5"), dir.file("b.h5"), dir.file("c.h5")}, dir.file("out.h5")),
            doctest::Contains("run 2 appears in both"), OutputError);
    }
    SUBCASE("another master seed") {
        SweepHeader other = header;
        other.master_seed = 1;
        build_sweep(dir.file("c.h5"), other, {7, 8});
        CHECK_THROWS_WITH_AS(merge_sweep_files({dir.file("a.h5"), dir.file("c.h5")}, dir.file("out.h5")),
                             doctest::Contains("master_seed"), OutputError);
    }
    SUBCASE("another vendor set") {
        SweepHeader other = header;
        other.vendor_names[2] = "v9";
        build_sweep(dir.file("c.h5"), other, {7, 8});
        CHECK_THROWS_WITH_AS(merge_sweep_files({dir.file("a.h5"), dir.file("c.h5")}, dir.file("out.h5")),
                             doctest::Contains("vendor_names"), OutputError);
    }
    SUBCASE("no shards") {
        CHECK_THROWS_AS(merge_sweep_files({}, dir.file("out.h5")), OutputError);
    }
    CHECK_FALSE(exists(dir.file("out.h5")));
}

TEST_CASE("sweep file: truncated, foreign and missing files are reported") {
    ScratchDir dir;
    const SweepHeader header = make_header(true);
    build_sweep(dir.file("a.h5"), header, {0, 1, 2, 3, 4});
    build_sweep(dir.file("b.h5"), header, {5, 6});
    const auto bytes = read_bytes(dir.file("b.h5"));
    for (const std::size_t keep : {bytes.size() - 1, bytes.size() - 100, bytes.size() / 2}) {
        CAPTURE(keep);
        write_bytes(dir.file("cut.h5"), std::vector<char>(bytes.begin(), bytes.begin() + static_cast<long>(keep)));
        CHECK_THROWS_WITH_AS(read_sweep_file(dir.file("cut.h5")), doctest::Contains("cut.h5"), OutputError);
        CHECK_THROWS_WITH_AS(merge_sweep_files({dir.file("a.h5"), dir.file("cut.h5")}, dir.file("out.h5")),
                             doctest::Contains("cut.h5"), OutputError);
        CHECK_FALSE(exists(dir.file("out.h5")));
    }
    write_run_file(make_record(1), dir.file("run.h5"), "v");
    CHECK_THROWS_WITH_AS(read_sweep_file(dir.file("run.h5")), doctest::Contains("not a pricewar-sweep file"),
                         OutputError);
    CHECK_THROWS_WITH_AS(read_sweep_file(dir.file("none.h5")), doctest::Contains("none.h5"), OutputError);
}

TEST_CASE("sweep file: a full disk during finalize keeps the journal and leaves no file") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 200);
    const std::string out = dir.file("sweep.h5");
    journal_rows(out, header, ids(200));
    const auto journal_bytes = read_bytes(sweep_journal_path(out));
    const auto result = run_in_child([&](std::string& message) {
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{32 * 1024, 32 * 1024};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
        try {
            finalize_sweep(sweep_journal_path(out), out);
        } catch (const OutputError& e) {
            message = e.what();
            return 0;
        }
        return 1;
    });
    CHECK(result.exit_code == 0);
    INFO(result.message);
    CHECK(result.message.find("sweep.h5") != std::string::npos);
    CHECK_FALSE(exists(out));
    CHECK(read_bytes(sweep_journal_path(out)) == journal_bytes);
    CHECK(dir.entries() == std::vector<std::string>{"sweep.h5.journal"});
    finalize_sweep(sweep_journal_path(out), out);  // with room, the same journal finishes
    CHECK(read_sweep_file(out).rows.size() == 200);
}

TEST_CASE("row codec: a row with series survives encoding; garbage is refused") {
    const SweepHeader header = make_header(true);
    const RunRow row = make_row(header, 5, true);
    const RunRow back = decode_run_row(encode_run_row(row));
    check_same_row(row, back);
    REQUIRE(back.series.has_value());
    CHECK(back.series->offer_names == row.series->offer_names);
    REQUIRE(back.series->offer_series.size() == row.series->offer_series.size());
    CHECK(back.series->offer_series[2].name == "margin");
    CHECK(same_doubles(back.series->offer_series[2].values, row.series->offer_series[2].values));
    CHECK_THROWS_AS(decode_run_row("not a row"), OutputError);
    std::string cut = encode_run_row(row);
    cut.pop_back();
    CHECK_THROWS_AS(decode_run_row(cut), OutputError);
}
