#include "sim/output/detail/journal_codec.hpp"
#include "sim/output/sweep_file.hpp"
#include "tests/sim/output/support.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <numeric>
#include <random>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace pricewar;
using namespace pricewar::test;

namespace {

// Offsets of the records in a journal's bytes (the header record first).
std::vector<std::size_t> record_offsets(const std::vector<char>& bytes) {
    std::vector<std::size_t> out;
    std::size_t at = 8;
    while (at + 12 <= bytes.size()) {
        out.push_back(at);
        std::uint32_t length = 0;
        for (int i = 3; i >= 0; --i)
            length = (length << 8) | static_cast<unsigned char>(bytes[at + 4 + static_cast<std::size_t>(i)]);
        at += 12 + length;
    }
    return out;
}

}  // namespace

TEST_CASE("journal: records carry zlib's CRC-32, as the journals written before") {
    const std::string check = "123456789";
    const auto bytes = std::as_bytes(std::span(check));
    CHECK(journal::crc32(bytes) == 0xCBF43926U);  // the IEEE 802.3 check value
    CHECK(journal::crc32(bytes.subspan(4), journal::crc32(bytes.first(4))) == 0xCBF43926U);  // continued
    CHECK(journal::crc32({}) == 0U);

    // The frame of this header (journal format 2) as the earlier, hand-written CRC computes it.
    SweepHeader h;
    h.kind = "sweep";
    h.pricewar_version = "0.1.0";
    h.master_seed = 7;
    h.design = "factorial";
    h.runs_planned = 2;
    h.turns = 3;
    h.vendor_names = {"a"};
    h.vendor_kinds = {"startup"};
    h.parameters = {"market.x"};
    h.market_summary_names = {"final_hhi"};
    h.market_summary_units = {"index 0-10000"};
    const auto record = journal::frame(journal::encode_header(h, 2));
    REQUIRE(record.size() == 226);
    const std::vector<std::uint8_t> expected_frame{0x50, 0x57, 0x52, 0x43, 0xd6, 0x00,
                                                   0x00, 0x00, 0xf9, 0x69, 0xdf, 0x59};
    for (std::size_t i = 0; i < expected_frame.size(); ++i) {
        CAPTURE(i);
        CHECK(static_cast<std::uint8_t>(record[i]) == expected_frame[i]);
    }
    CHECK(journal::decode_header(std::span(record).subspan(journal::frame_bytes)) == h);
}

TEST_CASE("journal: resume after a torn last record keeps the intact records") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 12);
    const std::string reference = dir.file("reference.h5");
    build_sweep(reference, header, ids(12));

    const std::string out = dir.file("out.h5");
    const std::string journal_path = sweep_journal_path(out);
    {
        auto journal = SweepJournal::create(journal_path, header);
        for (std::int64_t id : {4, 0, 7, 1, 2})
            journal.append(make_row(header, id));
    }
    const auto bytes = read_bytes(journal_path);
    const auto offsets = record_offsets(bytes);
    REQUIRE(offsets.size() == 6);
    const std::size_t last_record = bytes.size() - offsets.back();

    for (const std::size_t cut :
         {std::size_t{1}, std::size_t{5}, std::size_t{11}, std::size_t{12}, std::size_t{200}, last_record - 1}) {
        CAPTURE(cut);
        write_bytes(journal_path, std::vector<char>(bytes.begin(), bytes.end() - static_cast<long>(cut)));
        auto journal = SweepJournal::resume(journal_path, header);
        CHECK(journal.completed() == RunIdSet{0, 1, 4, 7});
        CHECK(journal.dropped_tail_bytes() == last_record - cut);
        CHECK(std::filesystem::file_size(journal_path) == offsets.back());
    }
    SUBCASE("zeros after the last record (space allocated, data never written)") {
        auto grown = bytes;
        grown.resize(bytes.size() + 4096, '\0');
        write_bytes(journal_path, grown);
        auto journal = SweepJournal::resume(journal_path, header);
        CHECK(journal.completed().size() == 5);
        CHECK(journal.dropped_tail_bytes() == 4096);
    }

    // Finish the sweep: the file equals the uninterrupted one.
    {
        auto journal = SweepJournal::resume(journal_path, header);
        for (const auto id : ids(12))
            if (!journal.completed().contains(id)) journal.append(make_row(header, id));
    }
    finalize_sweep(journal_path, out);
    CHECK_FALSE(exists(journal_path));
    CHECK(hdf5_differences(reference, out).empty());
}

TEST_CASE("journal: a journal cut short while being created starts again on resume") {
    ScratchDir dir;
    const SweepHeader header = make_header(false);
    const std::string journal_path = dir.file("out.h5.journal");
    { auto journal = SweepJournal::create(journal_path, header); }
    const auto bytes = read_bytes(journal_path);
    for (const std::size_t keep : {std::size_t{0}, std::size_t{3}, std::size_t{8}, std::size_t{20}, bytes.size() - 1}) {
        CAPTURE(keep);
        write_bytes(journal_path, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<long>(keep)));
        {
            auto journal = SweepJournal::resume(journal_path, header);
            CHECK(journal.completed().empty());
            CHECK(journal.dropped_tail_bytes() == keep);
            journal.append(make_row(header, 1));
        }
        auto journal = SweepJournal::resume(journal_path, header);
        CHECK(journal.completed() == RunIdSet{1});
    }
}

TEST_CASE("journal: a damaged record followed by intact ones is reported with its offset") {
    ScratchDir dir;
    const SweepHeader header = make_header(false);
    const std::string journal_path = dir.file("out.h5.journal");
    {
        auto journal = SweepJournal::create(journal_path, header);
        for (const auto id : ids(5))
            journal.append(make_row(header, id));
    }
    const auto bytes = read_bytes(journal_path);
    const auto offsets = record_offsets(bytes);
    REQUIRE(offsets.size() == 6);

    SUBCASE("a flipped byte inside a row in the middle") {
        auto damaged = bytes;
        damaged[offsets[2] + 40] ^= 0x01;
        write_bytes(journal_path, damaged);
        const std::string expected = fmt::format("byte offset {}", offsets[2]);
        CHECK_THROWS_WITH_AS(SweepJournal::resume(journal_path, header), doctest::Contains(expected.c_str()),
                             OutputError);
        CHECK_THROWS_WITH_AS(SweepJournal::resume(journal_path, header), doctest::Contains("out.h5.journal"),
                             OutputError);
        CHECK_THROWS_WITH_AS(finalize_sweep(journal_path, dir.file("out.h5")), doctest::Contains(expected.c_str()),
                             OutputError);
        CHECK_FALSE(exists(dir.file("out.h5")));
        CHECK(read_bytes(journal_path) == damaged);  // nothing was cut
    }
    SUBCASE("a damaged length field") {
        auto damaged = bytes;
        damaged[offsets[3] + 6] = static_cast<char>(0x7F);
        write_bytes(journal_path, damaged);
        CHECK_THROWS_WITH_AS(SweepJournal::resume(journal_path, header),
                             doctest::Contains(fmt::format("byte offset {}", offsets[3]).c_str()), OutputError);
    }
    SUBCASE("a damaged header") {
        auto damaged = bytes;
        damaged[offsets[0] + 20] ^= 0x20;
        write_bytes(journal_path, damaged);
        CHECK_THROWS_WITH_AS(SweepJournal::resume(journal_path, header), doctest::Contains("byte offset 8"),
                             OutputError);
    }
    SUBCASE("not a journal at all") {
        write_bytes(journal_path, std::vector<char>(100, 'x'));
        CHECK_THROWS_WITH_AS(SweepJournal::resume(journal_path, header),
                             doctest::Contains("not a pricewar sweep journal"), OutputError);
    }
}

TEST_CASE("journal: resume refuses the journal of another sweep") {
    ScratchDir dir;
    const SweepHeader header = make_header(false);
    const std::string journal_path = dir.file("out.h5.journal");
    {
        auto journal = SweepJournal::create(journal_path, header);
        journal.append(make_row(header, 0));
    }
    SweepHeader other = header;
    std::string field;
    SUBCASE("master seed") {
        other.master_seed += 1;
        field = "master_seed";
    }
    SUBCASE("sweep text") {
        other.sweep_toml += "# edited\n";
        field = "sweep_toml";
    }
    SUBCASE("design") {
        other.design = "sobol";
        field = "design";
    }
    SUBCASE("runs planned") {
        other.runs_planned = 31;
        field = "runs_planned";
    }
    SUBCASE("parameters") {
        other.parameters = {"market.cost_decline", "vendors.v0.price_cut"};
        field = "parameters";
    }
    SUBCASE("kind") {
        other.kind = "batch";
        field = "kind";
    }
    CHECK_THROWS_WITH_AS(SweepJournal::resume(journal_path, other), doctest::Contains(field.c_str()), OutputError);
    // The journal is untouched and still resumes with the right header.
    auto journal = SweepJournal::resume(journal_path, header);
    CHECK(journal.completed() == RunIdSet{0});
}

TEST_CASE("journal: create, resume and finalize guard against misuse") {
    ScratchDir dir;
    const SweepHeader header = make_header(false);
    const std::string journal_path = dir.file("out.h5.journal");
    CHECK(sweep_journal_path(dir.file("out.h5")) == journal_path);
    CHECK_THROWS_WITH_AS(SweepJournal::resume(journal_path, header), doctest::Contains("no sweep journal"),
                         OutputError);

    auto journal = SweepJournal::create(journal_path, header);
    CHECK_THROWS_WITH_AS(SweepJournal::create(journal_path, header), doctest::Contains("already exists"), OutputError);
    CHECK_THROWS_WITH_AS(SweepJournal::resume(journal_path, header), doctest::Contains("in use"), OutputError);
    CHECK_THROWS_WITH_AS(finalize_sweep(journal_path, dir.file("out.h5")), doctest::Contains("still open"),
                         OutputError);
    journal.append(make_row(header, 3));

    SUBCASE("rows that do not fit are refused, the journal stays usable") {
        RunRow row = make_row(header, 4);
        row.parameter_values.pop_back();
        CHECK_THROWS_WITH_AS(journal.append(row), doctest::Contains("parameter_values"), OutputError);
        row = make_row(header, 4);
        row.final_share.push_back(0.0);
        CHECK_THROWS_AS(journal.append(row), OutputError);
        row = make_row(header, 4);
        row.status = 2;
        CHECK_THROWS_AS(journal.append(row), OutputError);
        CHECK_THROWS_WITH_AS(journal.append(make_row(header, 3)), doctest::Contains("already recorded"), OutputError);
        journal.append(make_row(header, 4));
        CHECK(journal.completed() == RunIdSet{3, 4});
    }
    SUBCASE("series naming an offer outside the header") {
        const SweepHeader with_series = make_header(true);
        auto series_journal = SweepJournal::create(dir.file("s.h5.journal"), with_series);
        RunRow row = make_row(with_series, 0);
        row.series->offer_names[0] = "v9.lite";
        CHECK_THROWS_WITH_AS(series_journal.append(row), doctest::Contains("v9.lite"), OutputError);
        row = make_row(with_series, 0);
        row.series->vendor_series[0].rows = 99;
        CHECK_THROWS_AS(series_journal.append(row), OutputError);
    }
    SUBCASE("an invalid header is refused") {
        SweepHeader bad = header;
        bad.parameters.emplace_back("seed");
        CHECK_THROWS_WITH_AS(SweepJournal::create(dir.file("bad.h5.journal"), bad), doctest::Contains("seed"),
                             OutputError);
        bad = header;
        bad.kind = "grid";
        CHECK_THROWS_AS(SweepJournal::create(dir.file("bad.h5.journal"), bad), OutputError);
        CHECK_FALSE(exists(dir.file("bad.h5.journal")));
    }
    journal.close();
    CHECK_THROWS_WITH_AS(journal.append(make_row(header, 9)), doctest::Contains("closed"), OutputError);
}

TEST_CASE("journal: appends from many threads are all recorded") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 80);
    const std::string out = dir.file("out.h5");
    {
        auto journal = SweepJournal::create(sweep_journal_path(out), header);
        std::vector<std::thread> workers;
        for (int w = 0; w < 4; ++w)
            workers.emplace_back([&, w] {
                for (std::int64_t id = w; id < 80; id += 4)
                    journal.append(make_row(header, id));
            });
        for (auto& t : workers)
            t.join();
        CHECK(journal.completed().size() == 80);
    }
    finalize_sweep(sweep_journal_path(out), out);
    const std::string reference = dir.file("reference.h5");
    build_sweep(reference, header, ids(80));
    CHECK(hdf5_differences(reference, out).empty());
}

TEST_CASE("journal: a failed append (file size limit) leaves the earlier records intact") {
    ScratchDir dir;
    const SweepHeader header = make_header(true);
    const std::string journal_path = dir.file("out.h5.journal");
    const auto result = run_in_child([&](std::string& message) {
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{16 * 1024, 16 * 1024};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
        auto journal = SweepJournal::create(journal_path, header);
        std::int64_t id = 0;
        try {
            for (; id < 1000; ++id)
                journal.append(make_row(header, id));
        } catch (const OutputError& e) {
            message = fmt::format("{}|{}", id, e.what());
            return 0;
        }
        return 1;
    });
    REQUIRE(result.exit_code == 0);
    const auto bar = result.message.find('|');
    const std::int64_t written = std::stoll(result.message.substr(0, bar));
    const std::string error = result.message.substr(bar + 1);
    CHECK(written > 0);
    CHECK(error.find("out.h5.journal") != std::string::npos);
    CHECK(error.find("File too large") != std::string::npos);
    auto journal = SweepJournal::resume(journal_path, header);
    CHECK(journal.dropped_tail_bytes() == 0);
    CHECK(journal.completed().size() == static_cast<std::size_t>(written));
}

TEST_CASE("journal: a sweep killed (SIGKILL) at random instants resumes to the same file") {
    ScratchDir dir;
    const std::int64_t runs = 150;
    const SweepHeader header = make_header(true, runs);
    const std::string reference = dir.file("reference.h5");
    build_sweep(reference, header, ids(runs));

    const std::string out = dir.file("out.h5");
    const std::string journal_path = sweep_journal_path(out);
    auto order = ids(runs);
    std::mt19937 rng(12345);
    std::shuffle(order.begin(), order.end(), rng);
    std::uniform_int_distribution<int> delay_us(0, 20000);

    // The first attempts are killed after a random delay (during create, resume, a write or an
    // fdatasync); the last one runs to the end. After each kill the journal must hold at least
    // the runs it held before.
    constexpr int killed_attempts = 15;
    int kills = 0;
    std::size_t recorded = 0;
    for (int attempt = 0;; ++attempt) {
        REQUIRE(attempt <= killed_attempts);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            try {
                auto journal = exists(journal_path) ? SweepJournal::resume(journal_path, header)
                                                    : SweepJournal::create(journal_path, header);
                for (const auto id : order)
                    if (!journal.completed().contains(id)) journal.append(make_row(header, id));
                journal.close();
            } catch (...) {
                ::_exit(3);
            }
            ::_exit(0);
        }
        if (attempt < killed_attempts) {
            std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
            ::kill(pid, SIGKILL);
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        if (WIFEXITED(status)) {
            REQUIRE(WEXITSTATUS(status) == 0);
            break;
        }
        ++kills;
        if (exists(journal_path)) {
            auto journal = SweepJournal::resume(journal_path, header);
            CHECK(journal.completed().size() >= recorded);
            recorded = journal.completed().size();
        }
    }
    MESSAGE("sweep killed ", kills, " times (", recorded, " of ", runs, " runs recorded before the last start)");
    CHECK(kills > 0);
    finalize_sweep(journal_path, out);
    CHECK(hdf5_differences(reference, out).empty());
    CHECK(read_sweep_file(out).rows.size() == static_cast<std::size_t>(runs));
}

TEST_CASE("journal: append cost") {
    ScratchDir dir;
    // Summary rows of the calibrated size: 10 vendors, 3 parameters, 12 market scalars.
    SweepHeader header = make_header(false, 400);
    header.vendor_names.clear();
    header.vendor_kinds.clear();
    header.vendor_display_names.clear();
    header.offer_names.clear();
    header.offer_display_names.clear();
    for (int v = 0; v < 10; ++v) {
        header.vendor_names.push_back(fmt::format("v{}", v));
        header.vendor_kinds.emplace_back("startup");
        header.vendor_display_names.push_back(fmt::format("Vendor {}", v));
        for (const char* tier : {"lite", "pro"}) {
            header.offer_names.push_back(fmt::format("v{}.{}", v, tier));
            header.offer_display_names.push_back(fmt::format("Vendor {} {}", v, tier));
        }
    }
    header.parameters.emplace_back("developers.count");
    header.market_summary_names.clear();
    header.market_summary_units.clear();
    for (int m = 0; m < 12; ++m) {
        header.market_summary_names.push_back(fmt::format("m{}", m));
        header.market_summary_units.emplace_back("1");
    }
    const auto summary_row = [&](std::int64_t id) {
        RunRow row;
        row.run_id = id;
        row.seed = static_cast<std::uint64_t>(id);
        row.scenario = "calibrated";
        row.parameter_values.assign(3, 0.5);
        row.exit_turn.assign(10, -1);
        row.exit_reason.assign(10, 0);
        row.final_share.assign(10, 0.1);
        row.cumulative_profit.assign(10, 1e6);
        row.peak_loss.assign(10, 1e5);
        row.market_summary.assign(12, 1.0);
        return row;
    };
    // Microseconds of wall time per appended row, `threads` threads appending together.
    const auto time_appends = [&](const SweepHeader& h, int n, int threads, const auto& make) {
        auto journal =
            SweepJournal::create(dir.file(fmt::format("{}-{}.journal", h.series ? "series" : "summary", threads)), h);
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> workers;
        for (int w = 0; w < threads; ++w)
            workers.emplace_back([&, w] {
                for (int i = w; i < n; i += threads)
                    journal.append(make(i));
            });
        for (auto& t : workers)
            t.join();
        const auto stop = std::chrono::steady_clock::now();
        return std::chrono::duration<double, std::micro>(stop - start).count() / n;
    };
    const double summary_us = time_appends(header, 200, 1, summary_row);
    const double summary_4_us = time_appends(header, 200, 4, summary_row);

    // With series: 104 turns, 20 offers x 7 tables, 10 vendors x 14 tables, 9 market tables.
    header.series = true;
    header.turns = 104;
    const auto series_row = [&](std::int64_t id) {
        RunRow row = summary_row(id);
        RunRecord s;
        s.vendor_names = header.vendor_names;
        s.offer_names = header.offer_names;
        for (int t = 0; t < 7; ++t)
            s.offer_series.emplace_back(fmt::format("o{}", t), "1", 104, 20);
        for (int t = 0; t < 14; ++t)
            s.vendor_series.emplace_back(fmt::format("v{}", t), "1", 104, 10);
        for (int t = 0; t < 9; ++t)
            s.market_series.emplace_back(fmt::format("m{}", t), "1", 104, 1);
        row.series = std::move(s);
        return row;
    };
    const double series_us = time_appends(header, 40, 1, series_row);
    // The series are compressed into the file's chunks as they are appended (constant tables here).
    const auto series_bytes = std::filesystem::file_size(dir.file("series-1.journal")) / 40;
    MESSAGE(fmt::format(
        "journal append incl. fdatasync: {:.0f} us per summary row (1 thread), {:.0f} us per row "
        "(4 threads, group commit), {:.0f} us per row with series ({} KB of values, {} KB "
        "appended, 1 thread)",
        summary_us, summary_4_us, series_us, (104 * (20 * 7 + 10 * 14 + 9) * 8) / 1000, series_bytes / 1000));
    CHECK(summary_us > 0.0);
}
