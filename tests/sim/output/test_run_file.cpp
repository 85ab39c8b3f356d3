#include "sim/output/detail/h5.hpp"
#include "sim/output/run_file.hpp"
#include "sim/output/sweep_file.hpp"
#include "tests/sim/output/support.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <hdf5_hl.h>

using namespace pricewar;
using namespace pricewar::test;

namespace {

void check_tables(const std::vector<Table>& a, const std::vector<Table>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CAPTURE(a[i].name);
        CHECK(a[i].name == b[i].name);
        CHECK(a[i].units == b[i].units);
        CHECK(a[i].rows == b[i].rows);
        CHECK(a[i].cols == b[i].cols);
        CHECK(same_doubles(a[i].values, b[i].values));
    }
}

void check_same(const RunRecord& a, const RunRecord& b) {
    CHECK(a.scenario_name == b.scenario_name);
    CHECK(a.currency == b.currency);
    CHECK(a.seed == b.seed);
    CHECK(a.turns == b.turns);
    CHECK(a.turn_days == b.turn_days);
    CHECK(a.scenario_toml == b.scenario_toml);
    CHECK(a.resolved_toml == b.resolved_toml);
    CHECK(a.vendor_names == b.vendor_names);
    CHECK(a.vendor_kinds == b.vendor_kinds);
    CHECK(a.offer_names == b.offer_names);
    CHECK(a.offer_tiers == b.offer_tiers);
    CHECK(a.offer_vendor == b.offer_vendor);
    check_tables(a.offer_series, b.offer_series);
    check_tables(a.vendor_series, b.vendor_series);
    check_tables(a.market_series, b.market_series);
    CHECK(a.exit_turn == b.exit_turn);
    CHECK(a.exit_reason == b.exit_reason);
    CHECK(same_doubles(a.final_share, b.final_share));
    CHECK(same_doubles(a.cumulative_profit, b.cumulative_profit));
    CHECK(same_doubles(a.peak_loss, b.peak_loss));
    REQUIRE(a.market_summary.size() == b.market_summary.size());
    for (std::size_t i = 0; i < a.market_summary.size(); ++i) {
        CHECK(a.market_summary[i].name == b.market_summary[i].name);
        CHECK(a.market_summary[i].units == b.market_summary[i].units);
        CHECK(same_double(a.market_summary[i].value, b.market_summary[i].value));
    }
    REQUIRE(a.events.size() == b.events.size());
    for (std::size_t i = 0; i < a.events.size(); ++i) {
        CHECK(a.events[i].turn == b.events[i].turn);
        CHECK(a.events[i].kind == b.events[i].kind);
        CHECK(a.events[i].vendor == b.events[i].vendor);
        CHECK(a.events[i].offer == b.events[i].offer);
        CHECK(a.events[i].description == b.events[i].description);
    }
}

std::string type_of(hid_t dataset) {
    h5::Handle type(H5Dget_type(dataset));
    const auto c = H5Tget_class(type.get());
    const auto size = H5Tget_size(type.get());
    if (c == H5T_STRING) return H5Tis_variable_str(type.get()) > 0 ? "vlen-string" : "fixed-string";
    if (c == H5T_INTEGER) return (H5Tget_sign(type.get()) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(size * 8);
    if (c == H5T_FLOAT) return "float" + std::to_string(size * 8);
    return "other";
}

std::string attr_type_of(hid_t obj, const char* name) {
    h5::Handle attr(H5Aopen(obj, name, H5P_DEFAULT));
    h5::Handle type(H5Aget_type(attr.get()));
    const auto c = H5Tget_class(type.get());
    const auto size = H5Tget_size(type.get());
    if (c == H5T_STRING) return "string";
    if (c == H5T_INTEGER) return (H5Tget_sign(type.get()) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(size * 8);
    if (c == H5T_FLOAT) return "float" + std::to_string(size * 8);
    return "other";
}

}  // namespace

TEST_CASE("run file: write then read gives back every field") {
    ScratchDir dir;
    const RunRecord record = make_record(7);
    const std::string path = dir.file("run.h5");
    write_run_file(record, path, "1.2.3");
    check_same(record, read_run_file(path));
    CHECK(read_pricewar_version(path) == "1.2.3");
    CHECK(dir.entries() == std::vector<std::string>{"run.h5"});  // no temporary left behind
}

TEST_CASE("run file: layout names, types, shapes and units") {
    ScratchDir dir;
    const RunRecord record = make_record(11, 3, 12);
    const std::string path = dir.file("run.h5");
    write_run_file(record, path, "0.1.0");

    h5::Session session;
    h5::Handle file = h5::open_file_read(path);
    const hid_t f = file.get();
    CHECK(h5::attr_string(f, "format") == "pricewar-run");
    CHECK(attr_type_of(f, "format_version") == "int32");
    CHECK(h5::attr_value<std::int32_t>(f, "format_version") == 1);
    CHECK(h5::attr_string(f, "pricewar_version") == "0.1.0");
    CHECK(attr_type_of(f, "seed") == "uint64");
    CHECK(h5::attr_value<std::uint64_t>(f, "seed") == 11);
    CHECK(attr_type_of(f, "turns") == "int32");
    CHECK(h5::attr_value<std::int32_t>(f, "turns") == 12);
    CHECK(h5::attr_value<double>(f, "turn_days") == 7.0);
    CHECK(h5::attr_string(f, "currency") == "CNY");
    CHECK(h5::attr_string(f, "scenario_name") == "calibrated-2024");
    {
        h5::Handle scenario = h5::open_group(f, "scenario");
        CHECK(h5::attr_string(scenario.get(), "toml") == record.scenario_toml);
        CHECK(h5::attr_string(scenario.get(), "resolved") == record.resolved_toml);
    }
    const auto dataset = [&](const char* name) { return h5::open_dataset(f, name); };
    CHECK(type_of(dataset("/vendors/name").get()) == "vlen-string");
    CHECK(h5::shape(dataset("/vendors/kind").get()) == std::vector<hsize_t>{3});
    CHECK(h5::shape(dataset("/offers/name").get()) == std::vector<hsize_t>{6});
    CHECK(type_of(dataset("/offers/vendor").get()) == "int32");
    CHECK(h5::read_strings(dataset("/offers/tier").get()).front() == "lite");
    CHECK(h5::shape(dataset("/series/offer/price").get()) == std::vector<hsize_t>{12, 6});
    CHECK(type_of(dataset("/series/offer/price").get()) == "float64");
    CHECK(h5::shape(dataset("/series/vendor/cash").get()) == std::vector<hsize_t>{12, 3});
    CHECK(h5::shape(dataset("/series/market/hhi").get()) == std::vector<hsize_t>{12});
    CHECK(h5::shape(dataset("/summary/market/total_spend").get()).empty());  // 0-d
    CHECK(type_of(dataset("/summary/vendor/exit_turn").get()) == "int32");
    CHECK(h5::shape(dataset("/events/turn").get()) == std::vector<hsize_t>{2});
    CHECK(h5::read_strings(dataset("/events/description").get()).back() == "新架构: unit cost x0.5");

    const std::vector<std::pair<const char*, const char*>> units{
        {"/series/offer/price", "CNY/Mtok"},     {"/series/offer/developers", "developers"},
        {"/series/offer/margin", "1"},           {"/series/vendor/cash", "CNY"},
        {"/series/market/total_tokens", "Mtok"}, {"/summary/vendor/exit_turn", "turn"},
        {"/summary/vendor/final_share", "1"},    {"/summary/vendor/cumulative_profit", "CNY"},
        {"/summary/vendor/peak_loss", "CNY"},    {"/summary/market/total_spend", "CNY"},
        {"/summary/market/outside_share", "1"},  {"/events/turn", "turn"},
    };
    for (const auto& entry : units) {
        const std::string name = entry.first;
        CAPTURE(name);
        CHECK(h5::attr_string(dataset(name.c_str()).get(), "units") == entry.second);
    }
    // Every numeric dataset under /series and /summary carries units.
    for (const char* group_name :
         {"/series/offer", "/series/vendor", "/series/market", "/summary/vendor", "/summary/market"}) {
        h5::Handle group = h5::open_group(f, group_name);
        for (const auto& name : h5::member_names(group.get())) {
            CAPTURE(name);
            CHECK(h5::has_attr(h5::open_dataset(group.get(), name).get(), "units"));
        }
    }
}

TEST_CASE("run file: empty units become '1', no events gives empty datasets, no vendors works") {
    ScratchDir dir;
    RunRecord record = make_record(3, 2, 4);
    record.vendor_series[1].units.clear();
    record.market_summary[0].units.clear();
    record.events.clear();
    write_run_file(record, dir.file("a.h5"), "v");
    const RunRecord back = read_run_file(dir.file("a.h5"));
    CHECK(back.vendor_series[1].units == "1");
    CHECK(back.market_summary[0].units == "1");
    CHECK(back.events.empty());

    RunRecord empty;
    empty.turns = 0;
    write_run_file(empty, dir.file("empty.h5"), "v");
    check_same(empty, read_run_file(dir.file("empty.h5")));
}

TEST_CASE("run file: the same record gives the same bytes") {
    ScratchDir dir;
    const RunRecord record = make_record(5);
    write_run_file(record, dir.file("a.h5"), "v");
    write_run_file(record, dir.file("b.h5"), "v");
    CHECK(read_bytes(dir.file("a.h5")) == read_bytes(dir.file("b.h5")));
    // encode_run_file gives the bytes write_run_file puts on disk.
    const FileImage image = encode_run_file(record, "v");
    const auto view = image.view();
    CHECK(std::vector<char>(view.begin(), view.end()) == read_bytes(dir.file("a.h5")));
}

TEST_CASE("run file: an invalid record is refused and nothing is written") {
    ScratchDir dir;
    RunRecord record = make_record(5);
    SUBCASE("table width") {
        record.offer_series[0].cols = 1;
    }
    SUBCASE("summary length") {
        record.peak_loss.pop_back();
    }
    SUBCASE("slash in a table name") {
        record.vendor_series[0].name = "cash/total";
    }
    SUBCASE("duplicate table") {
        record.market_series.push_back(record.market_series[0]);
    }
    SUBCASE("offer vendor index") {
        record.offer_vendor[0] = 99;
    }
    const std::string path = dir.file("run.h5");
    CHECK_THROWS_WITH_AS(write_run_file(record, path, "v"), doctest::Contains("run.h5"), OutputError);
    CHECK(dir.entries().empty());
    CHECK_THROWS_WITH_AS((void)encode_run_file(record, "v"), doctest::Contains("invalid run record"), OutputError);
}

TEST_CASE("run file: a failed write leaves nothing under the final name") {
    ScratchDir dir;
    const RunRecord record = make_record(5);

    SUBCASE("folder does not exist") {
        const std::string path = dir.file("missing/run.h5");
        CHECK_THROWS_WITH_AS(write_run_file(record, path, "v"), doctest::Contains("missing/run.h5"), OutputError);
        CHECK_FALSE(exists(path));
        CHECK(dir.entries().empty());
    }
    SUBCASE("folder not writable") {
        if (::geteuid() == 0) {
            MESSAGE("running as root: permissions do not stop writes; skipped");
            return;
        }
        std::filesystem::create_directory(dir.file("locked"));
        std::filesystem::permissions(dir.file("locked"),
                                     std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
        const std::string path = dir.file("locked/run.h5");
        CHECK_THROWS_AS(write_run_file(record, path, "v"), OutputError);
        std::filesystem::permissions(dir.file("locked"), std::filesystem::perms::owner_all);
        CHECK(std::filesystem::is_empty(dir.file("locked")));
    }
    SUBCASE("an earlier file under the final name is kept whole") {
        const std::string path = dir.file("run.h5");
        write_run_file(record, path, "v");
        const auto before = read_bytes(path);
        RunRecord bad = record;
        bad.final_share.clear();
        CHECK_THROWS_AS(write_run_file(bad, path, "v"), OutputError);
        CHECK(read_bytes(path) == before);
        CHECK(dir.entries() == std::vector<std::string>{"run.h5"});
    }
}

TEST_CASE("run file: a full disk (file size limit) gives a clear error and no file") {
    ScratchDir dir;
    const std::string path = dir.file("big.h5");
    const auto result = run_in_child([&](std::string& message) {
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{64 * 1024, 64 * 1024};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
        try {
            write_run_file(make_record(9, 20, 400), path, "v");  // several MB
        } catch (const OutputError& e) {
            message = e.what();
            return 0;
        }
        return 1;
    });
    CHECK(result.exit_code == 0);
    INFO(result.message);
    CHECK(result.message.find("big.h5") != std::string::npos);
    CHECK(result.message.find("File too large") != std::string::npos);
    CHECK_FALSE(exists(path));
    CHECK(dir.entries().empty());
}

TEST_CASE("read_run_file reports missing, truncated, foreign and damaged files") {
    ScratchDir dir;
    const std::string good = dir.file("run.h5");
    write_run_file(make_record(4), good, "v");
    const auto bytes = read_bytes(good);

    SUBCASE("missing") {
        CHECK_THROWS_WITH_AS(read_run_file(dir.file("nope.h5")), doctest::Contains("nope.h5"), OutputError);
    }
    SUBCASE("truncated") {
        for (const std::size_t keep : {bytes.size() - 7, bytes.size() / 2, std::size_t{100}, std::size_t{0}}) {
            CAPTURE(keep);
            write_bytes(dir.file("cut.h5"), std::vector<char>(bytes.begin(), bytes.begin() + static_cast<long>(keep)));
            CHECK_THROWS_WITH_AS(read_run_file(dir.file("cut.h5")), doctest::Contains("cut.h5"), OutputError);
        }
    }
    SUBCASE("not HDF5") {
        write_bytes(dir.file("text.h5"), std::vector<char>(1000, 'x'));
        CHECK_THROWS_AS(read_run_file(dir.file("text.h5")), OutputError);
    }
    SUBCASE("a sweep file") {
        auto journal = SweepJournal::create(dir.file("s.h5.journal"), make_header(false));
        journal.close();
        finalize_sweep(dir.file("s.h5.journal"), dir.file("s.h5"));
        CHECK_THROWS_WITH_AS(read_run_file(dir.file("s.h5")), doctest::Contains("not a pricewar-run file"),
                             OutputError);
    }
    SUBCASE("damaged numbers fail their checksum") {
        // Find the bytes of the price table (its first values are known) and flip one.
        const RunRecord record = make_record(4);
        const double first = record.offer_series[0].values[0];
        const double second = record.offer_series[0].values[1];
        std::vector<char> needle(16);
        std::memcpy(needle.data(), &first, 8);
        std::memcpy(needle.data() + 8, &second, 8);
        const auto at = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
        REQUIRE(at != bytes.end());
        auto damaged = bytes;
        damaged[static_cast<std::size_t>(at - bytes.begin()) + 3] ^= 0x10;
        write_bytes(dir.file("bad.h5"), damaged);
        CHECK_THROWS_WITH_AS(read_run_file(dir.file("bad.h5")), doctest::Contains("bad.h5"), OutputError);
    }
}

TEST_CASE("run file: series and summaries carry dimension scales; start_date round-trips") {
    ScratchDir dir;
    RunRecord record = make_record(4, 2, 4);
    record.start_date = "2024-05-06";
    write_run_file(record, dir.file("a.h5"), "v");
    const RunRecord back = read_run_file(dir.file("a.h5"));
    CHECK(back.start_date == "2024-05-06");
    check_tables(back.vendor_series, record.vendor_series);
    check_tables(back.offer_series, record.offer_series);
    check_tables(back.market_series, record.market_series);

    h5::Session session;
    h5::Handle file = h5::open_file_read(dir.file("a.h5"));
    const auto scale = [&](const char* group, const char* name) {
        h5::Handle g = h5::open_group(file.get(), group);
        h5::Handle s = h5::open_dataset(g.get(), name);
        CHECK(h5::is_scale(s.get()));
        return s;
    };
    {
        h5::Handle turn = scale("series/vendor", "turn");
        CHECK(h5::read_all<std::int32_t>(turn.get()) == std::vector<std::int32_t>{0, 1, 2, 3});
        CHECK(h5::attr_string(turn.get(), "start_date") == "2024-05-06");
        h5::Handle vendor = scale("series/vendor", "vendor");
        CHECK(h5::read_strings(vendor.get()) == record.vendor_names);
        h5::Handle offer = scale("series/offer", "offer");
        CHECK(h5::read_strings(offer.get()) == record.offer_names);
        h5::Handle names = scale("summary/vendor", "vendor");
        h5::Handle group = h5::open_group(file.get(), "series/vendor");
        for (const auto& name : h5::member_names(group.get())) {
            CAPTURE(name);
            h5::Handle dataset = h5::open_dataset(group.get(), name);
            CHECK(H5DSis_attached(dataset.get(), turn.get(), 0) > 0);
            CHECK(H5DSis_attached(dataset.get(), vendor.get(), 1) > 0);
        }
    }
    // member_names lists the data only; a table may not take a scale's name.
    {
        h5::Handle group = h5::open_group(file.get(), "series/offer");
        const auto names = h5::member_names(group.get());
        CHECK(std::find(names.begin(), names.end(), "turn") == names.end());
        CHECK(std::find(names.begin(), names.end(), "offer") == names.end());
    }
    RunRecord bad = make_record(2, 2, 2);
    bad.vendor_series[0].name = "vendor";
    CHECK_THROWS_AS(write_run_file(bad, dir.file("bad.h5"), "v"), OutputError);
}
