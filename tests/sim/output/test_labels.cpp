// Display names and the calendar (start date, days per turn) of batch and sweep files: through
// the journal, finalize, merge and resume; coordinate variables for netCDF readers; journals
// and files of earlier formats.

#include "sim/output/detail/h5.hpp"
#include "sim/output/detail/journal_codec.hpp"
#include "sim/output/sweep_file.hpp"
#include "tests/sim/output/support.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace pricewar;
using namespace pricewar::test;

namespace {

SweepHeader without_labels(SweepHeader h) {
    h.vendor_display_names.clear();
    h.offer_display_names.clear();
    h.start_date.clear();
    h.turn_days = 0.0;
    return h;
}

std::string string_attr(hid_t file, const std::string& path, const std::string& name) {
    h5::Handle dataset = h5::open_dataset(file, path);
    return h5::attr_string(dataset.get(), name);
}

// Whether dataset `path` has axis `axis` labelled by the dimension scale `scale`.
bool attached(hid_t file, const std::string& path, const std::string& scale, unsigned axis) {
    h5::Handle dataset = h5::open_dataset(file, path);
    h5::Handle dimension = h5::open_dataset(file, scale);
    return H5DSis_attached(dataset.get(), dimension.get(), axis) > 0;
}

void set_format_version(const std::string& path, std::int32_t version) {
    h5::Session session;
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    REQUIRE(file.valid());
    h5::Handle attr(H5Aopen(file.get(), "format_version", H5P_DEFAULT));
    REQUIRE(attr.valid());
    REQUIRE(H5Awrite(attr.get(), H5T_NATIVE_INT32, &version) >= 0);
}

}  // namespace

TEST_CASE("labels: display names and the calendar survive the journal and finalize") {
    ScratchDir dir;
    for (const bool series : {true, false}) {
        CAPTURE(series);
        const SweepHeader header = make_header(series, 12);
        REQUIRE(header.records_presentation());
        const auto payload = journal::encode_header(header);
        CHECK(journal::decode_header(payload) == header);

        const std::string out = dir.file(fmt::format("sweep-{}.h5", series));
        build_sweep(out, header, ids(12));
        SweepHeader expected = header;
        if (!series) {  // offers are stored with series only
            expected.offer_names.clear();
            expected.offer_display_names.clear();
        }
        const SweepContents back = read_sweep_file(out);
        CHECK(back.header == expected);
        CHECK(back.header.vendor_display_names == std::vector<std::string>{"Vendor Zero (零)", "v1", "Vendor Two"});
        CHECK(back.header.start_date == "2024-04-29");
        CHECK(back.header.turn_days == 7.0);
    }
}

TEST_CASE("labels: the file carries display names, the calendar and coordinate variables") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 6);
    const std::string out = dir.file("sweep.h5");
    build_sweep(out, header, ids(6));

    h5::Session session;
    h5::Handle file = h5::open_file_read(out);
    const hid_t f = file.get();
    CHECK(h5::attr_string(f, "start_date") == "2024-04-29");
    CHECK(h5::attr_value<double>(f, "turn_days") == 7.0);
    CHECK(h5::read_strings(h5::open_dataset(f, "/vendors/display_name").get()) == header.vendor_display_names);
    CHECK(h5::read_strings(h5::open_dataset(f, "/offers/display_name").get()) == header.offer_display_names);

    // `date`: days since the start date, a CF time coordinate over `turn`.
    for (const char* group : {"/series/offer", "/series/vendor", "/series/market"}) {
        CAPTURE(group);
        const std::string date = std::string(group) + "/date";
        CHECK(h5::read_all<double>(h5::open_dataset(f, date).get()) ==
              std::vector<double>{0, 7, 14, 21, 28, 35, 42, 49});
        CHECK(string_attr(f, date, "units") == "days since 2024-04-29");
        CHECK(string_attr(f, date, "calendar") == "proleptic_gregorian");
        CHECK(attached(f, date, std::string(group) + "/turn", 0));
        CHECK_FALSE(h5::is_scale(h5::open_dataset(f, date).get()));
        h5::Handle turn = h5::open_dataset(f, std::string(group) + "/turn");
        CHECK(h5::attr_string(turn.get(), "start_date") == "2024-04-29");
        CHECK(h5::attr_value<double>(turn.get(), "turn_days") == 7.0);
    }
    CHECK(h5::read_strings(h5::open_dataset(f, "/series/vendor/vendor_name").get()) == header.vendor_display_names);
    CHECK(attached(f, "/series/vendor/vendor_name", "/series/vendor/vendor", 0));
    CHECK(h5::read_strings(h5::open_dataset(f, "/series/offer/offer_name").get()) == header.offer_display_names);
    CHECK(attached(f, "/series/offer/offer_name", "/series/offer/offer", 0));
    CHECK(h5::read_strings(h5::open_dataset(f, "/summary/vendor/vendor_name").get()) == header.vendor_display_names);

    // Data name their coordinate variables (CF `coordinates`), and keep their dimension scales.
    CHECK(string_attr(f, "/series/vendor/cash", "coordinates") == "date vendor_name");
    CHECK(string_attr(f, "/series/offer/price", "coordinates") == "date offer_name");
    CHECK(string_attr(f, "/series/market/hhi", "coordinates") == "date");
    CHECK(string_attr(f, "/summary/vendor/exit_turn", "coordinates") == "vendor_name");
    CHECK(attached(f, "/series/vendor/cash", "/series/vendor/run", 0));
    CHECK(attached(f, "/series/vendor/cash", "/series/vendor/turn", 1));
    CHECK(attached(f, "/series/vendor/cash", "/series/vendor/vendor", 2));
    CHECK_FALSE(h5::has_attr(h5::open_dataset(f, "/summary/market/hhi_final").get(), "coordinates"));

    // Readers that list a group's data do not meet them.
    const auto members = h5::member_names(h5::open_group(f, "/series/vendor").get());
    CHECK(members == std::vector<std::string>{"alive", "cash"});
}

TEST_CASE("labels: without a start date there is no date coordinate") {
    ScratchDir dir;
    SweepHeader header = make_header(true, 4);
    header.start_date.clear();
    const std::string out = dir.file("sweep.h5");
    build_sweep(out, header, ids(4));
    h5::Session session;
    h5::Handle file = h5::open_file_read(out);
    CHECK_FALSE(h5::has_attr(file.get(), "start_date"));
    CHECK(h5::attr_value<double>(file.get(), "turn_days") == 7.0);
    CHECK_FALSE(h5::has_link(h5::open_group(file.get(), "/series/vendor").get(), "date"));
    CHECK(string_attr(file.get(), "/series/vendor/cash", "coordinates") == "vendor_name");
    CHECK_FALSE(h5::has_attr(h5::open_dataset(file.get(), "/series/market/hhi").get(), "coordinates"));
}

TEST_CASE("labels: merge keeps them, also from a shard of the earlier format") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 12);
    const std::string single = dir.file("single.h5");
    build_sweep(single, header, ids(12));
    build_sweep(dir.file("even.h5"), header, {0, 2, 4, 6, 8, 10});
    build_sweep(dir.file("odd.h5"), header, {1, 3, 5, 7, 9, 11});
    merge_sweep_files({dir.file("odd.h5"), dir.file("even.h5")}, dir.file("merged.h5"));
    CHECK(read_sweep_file(dir.file("merged.h5")).header == header);
    CHECK(hdf5_differences(single, dir.file("merged.h5")) == "");

    SUBCASE("a shard without labels (written before they were recorded)") {
        build_sweep(dir.file("old.h5"), without_labels(header), {1, 3, 5, 7, 9, 11});
        set_format_version(dir.file("old.h5"), 1);
        const SweepContents old = read_sweep_file(dir.file("old.h5"));
        CHECK_FALSE(old.header.records_presentation());
        CHECK(old.header.start_date.empty());
        for (const auto& order : {std::vector<std::string>{dir.file("old.h5"), dir.file("even.h5")},
                                  std::vector<std::string>{dir.file("even.h5"), dir.file("old.h5")}}) {
            merge_sweep_files(order, dir.file("mixed.h5"));
            CHECK(read_sweep_file(dir.file("mixed.h5")).header == header);
            CHECK(hdf5_differences(single, dir.file("mixed.h5")) == "");
            std::filesystem::remove(dir.file("mixed.h5"));
        }
    }
    SUBCASE("shards that disagree on a display name or the start date are refused") {
        SweepHeader renamed = header;
        renamed.vendor_display_names[0] = "Another";
        build_sweep(dir.file("renamed.h5"), renamed, {1, 3});
        CHECK_THROWS_WITH_AS(merge_sweep_files({dir.file("even.h5"), dir.file("renamed.h5")}, dir.file("x.h5")),
                             doctest::Contains("vendor_display_names"), OutputError);
        SweepHeader later = header;
        later.start_date = "2024-05-06";
        build_sweep(dir.file("later.h5"), later, {1, 3});
        CHECK_THROWS_WITH_AS(merge_sweep_files({dir.file("even.h5"), dir.file("later.h5")}, dir.file("x.h5")),
                             doctest::Contains("start_date"), OutputError);
        CHECK_FALSE(exists(dir.file("x.h5")));
    }
}

TEST_CASE("labels: resume keeps them and refuses a sweep that names things otherwise") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 10);
    const std::string out = dir.file("out.h5");
    const std::string journal_path = sweep_journal_path(out);
    {
        auto journal = SweepJournal::create(journal_path, header);
        for (const std::int64_t id : {3, 0, 7})
            journal.append(make_row(header, id));
    }
    SweepHeader renamed = header;
    renamed.offer_display_names[1] = "Zero Pro 128k";
    CHECK_THROWS_WITH_AS(SweepJournal::resume(journal_path, renamed), doctest::Contains("offer_display_names"),
                         OutputError);
    SweepHeader other_days = header;
    other_days.turn_days = 1.0;
    CHECK_THROWS_WITH_AS(SweepJournal::resume(journal_path, other_days), doctest::Contains("turn_days"), OutputError);
    {
        auto journal = SweepJournal::resume(journal_path, header);
        CHECK(journal.completed() == RunIdSet{0, 3, 7});
        for (const auto id : ids(10))
            if (!journal.completed().contains(id)) journal.append(make_row(header, id));
    }
    finalize_sweep(journal_path, out);
    CHECK(read_sweep_file(out).header == header);
}

TEST_CASE("labels: journals of format 2 are finished and resumed without labels; format 1 is refused") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 10);
    const std::string reference = dir.file("reference.h5");
    build_sweep(reference, without_labels(header), ids(10));

    SUBCASE("finalize") {
        const std::string out = dir.file("out.h5");
        write_journal(sweep_journal_path(out), header, 2, ids(10));
        finalize_sweep(sweep_journal_path(out), out);
        const SweepContents back = read_sweep_file(out);
        CHECK_FALSE(back.header.records_presentation());
        CHECK(back.header == without_labels(header));
        CHECK(hdf5_differences(reference, out) == "");
    }
    SUBCASE("resume by a pricewar that records labels: the journal's header stays") {
        const std::string out = dir.file("out.h5");
        write_journal(sweep_journal_path(out), header, 2, {1, 4, 5});
        {
            auto journal = SweepJournal::resume(sweep_journal_path(out), header);
            CHECK(journal.completed() == RunIdSet{1, 4, 5});
            for (const auto id : ids(10))
                if (!journal.completed().contains(id)) journal.append(make_row(header, id));
        }
        finalize_sweep(sweep_journal_path(out), out);
        CHECK(hdf5_differences(reference, out) == "");
    }
    SUBCASE("format 1, and a format newer than this pricewar's") {
        for (const std::uint32_t version : {1U, journal::format_version + 1}) {
            CAPTURE(version);
            const std::string out = dir.file(fmt::format("v{}.h5", version));
            const std::string path = sweep_journal_path(out);
            write_journal(path, header, version, {0, 1});
            const char* expected = version == 1 ? "journal format version 1 is too old" : "is newer than";
            CHECK_THROWS_WITH_AS(SweepJournal::resume(path, header), doctest::Contains(expected), OutputError);
            CHECK_THROWS_WITH_AS(finalize_sweep(path, out), doctest::Contains(expected), OutputError);
            CHECK(exists(path));
            CHECK_FALSE(exists(out));
        }
    }
}

TEST_CASE("labels: sweep files of format 1 are read; a header with half the labels is refused") {
    ScratchDir dir;
    const std::string out = dir.file("old.h5");
    build_sweep(out, without_labels(make_header(false, 5)), ids(5));
    set_format_version(out, 1);
    const SweepContents back = read_sweep_file(out);
    CHECK(back.rows.size() == 5);
    CHECK(back.header.vendor_display_names.empty());
    set_format_version(out, sweep_format_version + 1);
    CHECK_THROWS_WITH_AS(read_sweep_file(out), doctest::Contains("format_version 3 is not supported"), OutputError);

    SweepHeader half = make_header(true);
    half.offer_display_names.pop_back();
    CHECK_THROWS_WITH_AS(SweepJournal::create(dir.file("half.h5.journal"), half), doctest::Contains("display names"),
                         OutputError);
    SweepHeader undated = make_header(true);
    undated.turn_days = 0.0;
    CHECK_THROWS_WITH_AS(SweepJournal::create(dir.file("undated.h5.journal"), undated),
                         doctest::Contains("start_date '2024-04-29' without a common turn_days"), OutputError);
}
