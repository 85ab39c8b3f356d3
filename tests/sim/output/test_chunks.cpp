// Series chunks filtered outside HDF5 (detail::filter_chunk) and written directly
// (h5::write_chunk): the bytes equal what HDF5's own pipeline stores, they read back, damage is
// caught; journals of format 4 carry them, and give the same sweep files as journals with raw
// series (format 3), which are still finished and resumed.

#include "sim/output/detail/chunk_filter.hpp"
#include "sim/output/detail/h5.hpp"
#include "sim/output/detail/journal_codec.hpp"
#include "sim/output/detail/sweep.hpp"
#include "sim/output/row_codec.hpp"
#include "sim/output/sweep_file.hpp"
#include "tests/sim/output/support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cstring>
#include <limits>
#include <random>

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace pricewar;
using namespace pricewar::test;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Shape {
    std::string label;
    std::vector<hsize_t> row;  // the shape of one row of the dataset: {turns} or {turns, columns}
    std::vector<double> values;
};

std::size_t elements(const std::vector<hsize_t>& row) {
    std::size_t n = 1;
    for (const auto d : row)
        n *= d;
    return n;
}

// Chunks of the kinds sweeps store: all NaN (a table a run lacks), constant, smooth, random,
// random bit patterns (which deflate cannot shrink), and a single element; odd element counts
// give compressed streams of both parities.
std::vector<Shape> shapes() {
    std::mt19937_64 rng(20240429);
    std::uniform_real_distribution<double> uniform(-1e6, 1e6);
    std::vector<Shape> out;
    const auto add = [&](std::string label, std::vector<hsize_t> row, auto value) {
        std::vector<double> values(elements(row));
        for (std::size_t i = 0; i < values.size(); ++i)
            values[i] = value(i);
        out.push_back({std::move(label), std::move(row), std::move(values)});
    };
    add("all NaN", {104, 20}, [](std::size_t) { return kNaN; });
    add("constant", {104, 12}, [](std::size_t) { return 0.25; });
    add("smooth", {104, 7}, [](std::size_t i) { return 1e3 * std::sin(0.01 * static_cast<double>(i)); });
    add("random", {104, 20}, [&](std::size_t) { return uniform(rng); });
    add("random bits", {64, 3}, [&](std::size_t) { return std::bit_cast<double>(rng()); });
    add("single element", {1}, [](std::size_t) { return 42.5; });
    add("market", {104}, [&](std::size_t i) { return i % 9 == 0 ? kNaN : uniform(rng); });
    for (hsize_t n = 2; n <= 9; ++n)
        add(fmt::format("{} random values", n), {n}, [&](std::size_t) { return uniform(rng); });
    return out;
}

std::vector<hsize_t> with_rows(hsize_t rows, const std::vector<hsize_t>& row) {
    std::vector<hsize_t> dims{rows};
    dims.insert(dims.end(), row.begin(), row.end());
    return dims;
}

// A dataset of 3 rows made as sweep files make their series (one row per chunk, compressed).
h5::Handle series_dataset(hid_t file, const std::string& name, const std::vector<hsize_t>& row) {
    return h5::create_dataset(file, name, h5::Type<double>::file(), with_rows(3, row), {with_rows(1, row), true});
}

std::vector<hsize_t> row_start(hsize_t r, const std::vector<hsize_t>& row) {
    std::vector<hsize_t> start(row.size() + 1, 0);
    start[0] = r;
    return start;
}

// The chunk as stored in the file, read without the filters.
detail::FilteredChunk stored_chunk(hid_t dataset, const std::vector<hsize_t>& offset) {
    hsize_t size = 0;
    REQUIRE(H5Dget_chunk_storage_size(dataset, offset.data(), &size) >= 0);
    detail::FilteredChunk chunk;
    chunk.bytes.resize(size);
    REQUIRE(H5Dread_chunk(dataset, H5P_DEFAULT, offset.data(), &chunk.filter_mask, chunk.bytes.data()) >= 0);
    return chunk;
}

std::vector<double> read_row(hid_t dataset, hsize_t r, const std::vector<hsize_t>& row) {
    std::vector<double> values(elements(row));
    h5::read_block<double>(dataset, row_start(r, row), with_rows(1, row), values);
    return values;
}

// The payload of every run record of a journal.
std::vector<std::vector<std::byte>> journal_rows(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    std::vector<std::vector<std::byte>> rows;
    const auto scan = journal::scan(
        fd, path, [&](std::uint64_t, std::span<const std::byte> p) { rows.emplace_back(p.begin(), p.end()); });
    ::close(fd);
    CHECK(scan.has_header);
    return rows;
}

// Every stored chunk of every series dataset of two sweep files: the same bytes and masks.
void check_same_chunks(const std::string& a, const std::string& b, std::size_t rows) {
    h5::Session session;
    h5::Handle fa = h5::open_file_read(a);
    h5::Handle fb = h5::open_file_read(b);
    for (const char* group : {"series/offer", "series/vendor", "series/market"}) {
        h5::Handle ga = h5::open_group(fa.get(), group);
        for (const auto& name : h5::member_names(ga.get())) {
            CAPTURE(name);
            h5::Handle da = h5::open_dataset(ga.get(), name);
            h5::Handle db = h5::open_dataset(fb.get(), std::string(group) + "/" + name);
            const auto dims = h5::shape(da.get());
            for (hsize_t r = 0; r < rows; ++r) {
                std::vector<hsize_t> offset(dims.size(), 0);
                offset[0] = r;
                CHECK(stored_chunk(da.get(), offset) == stored_chunk(db.get(), offset));
            }
        }
    }
}

}  // namespace

TEST_CASE("chunks: HDF5's Fletcher-32 of even and odd lengths") {
    const auto bytes = [](std::initializer_list<int> v) {
        std::vector<std::byte> out;
        for (const int b : v)
            out.push_back(static_cast<std::byte>(b));
        return out;
    };
    // Words are big-endian; an odd last byte is the high half of a word.
    CHECK(detail::fletcher32(bytes({0x01, 0x02})) == 0x0102'0102U);
    CHECK(detail::fletcher32(bytes({0x01, 0x02, 0x03})) == 0x0504'0402U);
    // Sums fold by adding the high half to the low one, so 0xFFFF stays 0xFFFF (modulo 65535
    // would make it 0): sum1 = 0x1FFFE -> 0xFFFF, sum2 = 0x2FFFD -> 0xFFFF.
    CHECK(detail::fletcher32(bytes({0xFF, 0xFF, 0xFF, 0xFF})) == 0xFFFF'FFFFU);
}

TEST_CASE("chunks: the encoder's bytes are those HDF5 stores for the same chunk") {
    ScratchDir dir;
    bool odd = false;
    bool even = false;
    detail::ChunkEncoder encoder;  // one compressor for every chunk, as the journal uses it
    for (const auto& shape : shapes()) {
        CAPTURE(shape.label);
        const detail::FilteredChunk mine = encoder.encode(shape.values);
        CHECK(detail::filter_chunk(shape.values) == mine);
        h5::Session session;
        h5::Handle file = h5::create_file(dir.file("pipeline.h5"));
        h5::Handle dataset = series_dataset(file.get(), "x", shape.row);
        h5::write_block<double>(dataset.get(), row_start(1, shape.row), with_rows(1, shape.row), shape.values);
        const detail::FilteredChunk stored = stored_chunk(dataset.get(), row_start(1, shape.row));
        CHECK(stored.filter_mask == mine.filter_mask);
        CHECK(stored.bytes.size() == mine.bytes.size());
        CHECK(stored.bytes == mine.bytes);
        (mine.bytes.size() % 2 == 0 ? even : odd) = true;
        CHECK(same_doubles(detail::unfilter_chunk(mine, shape.values.size()), shape.values));
    }
    CHECK(odd);
    CHECK(even);
}

TEST_CASE("chunks: a chunk written directly reads back as its values") {
    ScratchDir dir;
    h5::Session session;
    h5::Handle file = h5::create_file(dir.file("direct.h5"));
    int k = 0;
    for (const auto& shape : shapes()) {
        CAPTURE(shape.label);
        h5::Handle dataset = series_dataset(file.get(), fmt::format("x{}", k++), shape.row);
        const detail::FilteredChunk chunk = detail::filter_chunk(shape.values);
        h5::write_chunk(dataset.get(), row_start(2, shape.row), chunk.bytes, chunk.filter_mask);
        CHECK(same_doubles(read_row(dataset.get(), 2, shape.row), shape.values));
        // Rows never written read as the fill value.
        const auto unwritten = read_row(dataset.get(), 0, shape.row);
        CHECK(std::all_of(unwritten.begin(), unwritten.end(), [](double x) { return std::isnan(x); }));
    }
}

TEST_CASE("chunks: a chunk stored without deflate (filter mask) reads back") {
    // What HDF5 stores when deflate fails: the shuffled bytes and their checksum, mask bit 1.
    const std::vector<double> values{1.5, -2.25, kNaN, 1e300};
    const std::size_t n = values.size();
    detail::FilteredChunk chunk;
    chunk.filter_mask = detail::deflate_filter_bit;
    chunk.bytes.resize(n * 8);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < 8; ++j)
            chunk.bytes[j * n + i] =
                static_cast<std::byte>((std::bit_cast<std::uint64_t>(values[i]) >> (8 * j)) & 0xFFU);
    const std::uint32_t sum = detail::fletcher32(chunk.bytes);
    for (std::size_t i = 0; i < 4; ++i)
        chunk.bytes.push_back(static_cast<std::byte>((sum >> (8 * i)) & 0xFFU));
    CHECK(same_doubles(detail::unfilter_chunk(chunk, n), values));

    ScratchDir dir;
    h5::Session session;
    {
        h5::Handle file = h5::create_file(dir.file("masked.h5"));
        h5::Handle dataset = series_dataset(file.get(), "x", {n});
        h5::write_chunk(dataset.get(), {1, 0}, chunk.bytes, chunk.filter_mask);
        dataset.reset();
        h5::close_file(file);
    }
    // Read from the file: HDF5 1.10 applies a directly written chunk's mask once the dataset is
    // opened again (the handle that wrote it still reads the chunk through every filter).
    h5::Handle file = h5::open_file_read(dir.file("masked.h5"));
    h5::Handle dataset = h5::open_dataset(file.get(), "x");
    CHECK(same_doubles(read_row(dataset.get(), 1, {n}), values));
    CHECK(stored_chunk(dataset.get(), {1, 0}) == chunk);
}

TEST_CASE("chunks: a damaged chunk fails its checksum, written directly or decoded") {
    const Shape shape = shapes()[2];  // smooth
    detail::FilteredChunk chunk = detail::filter_chunk(shape.values);
    chunk.bytes[chunk.bytes.size() / 2] ^= std::byte{0x10};
    CHECK_THROWS_AS(detail::unfilter_chunk(chunk, shape.values.size()), detail::ChunkError);
    CHECK_THROWS_AS(detail::unfilter_chunk(detail::filter_chunk(shape.values), shape.values.size() + 1),
                    detail::ChunkError);
    CHECK_THROWS_AS(detail::unfilter_chunk(detail::FilteredChunk{0, {std::byte{1}}}, 1), detail::ChunkError);

    ScratchDir dir;
    h5::Session session;
    h5::Handle file = h5::create_file(dir.file("damaged.h5"));
    h5::Handle dataset = series_dataset(file.get(), "x", shape.row);
    h5::write_chunk(dataset.get(), row_start(0, shape.row), chunk.bytes, chunk.filter_mask);
    CHECK_THROWS_AS(read_row(dataset.get(), 0, shape.row), h5::Error);
}

TEST_CASE("chunks: journal rows carry filtered chunks; rows between ranks stay raw") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 12);
    const std::string out = dir.file("sweep.h5");
    journal_rows(out, header, ids(12));
    const detail::SeriesPlacer placer(header);
    for (const auto& payload : journal_rows(sweep_journal_path(out))) {
        const journal::JournalRow decoded = journal::decode_journal_row(payload);
        const RunRow original = make_row(header, decoded.row.run_id);
        CAPTURE(decoded.row.run_id);
        CHECK_FALSE(decoded.row.series.has_value());
        if (!original.series) {
            CHECK(decoded.chunked_series.empty());
            continue;
        }
        CHECK_THROWS_AS(journal::decode_row(payload), journal::DecodeError);
        std::size_t tables = 0;
        std::vector<double> values;
        for (const auto g : {detail::offer_group, detail::vendor_group, detail::market_group})
            for (const auto& t : detail::tables_of(*original.series, g)) {
                REQUIRE(tables < decoded.chunked_series.size());
                const auto& chunked = decoded.chunked_series[tables++];
                CHECK(chunked.group == g);
                CHECK(chunked.name == t.name);
                CHECK(chunked.units == t.units);
                placer.place(*original.series, g, t.name, values);
                CHECK(same_doubles(detail::unfilter_chunk(chunked.chunk, values.size()), values));
            }
        CHECK(tables == decoded.chunked_series.size());
    }
    // MPI ranks send raw series; chunked bytes are refused there.
    const RunRow row = make_row(header, 4);
    CHECK(decode_run_row(encode_run_row(row)).series.has_value());
    detail::ChunkEncoder encoder;
    const auto chunked = journal::encode_row(row, placer, encoder);
    CHECK_THROWS_AS(decode_run_row(std::string(reinterpret_cast<const char*>(chunked.data()), chunked.size())),
                    OutputError);
}

TEST_CASE("chunks: damaged chunked rows are refused with a DecodeError") {
    const SweepHeader header = make_header(true, 12);
    const detail::SeriesPlacer placer(header);
    detail::ChunkEncoder encoder;
    const auto payload = journal::encode_row(make_row(header, 5), placer, encoder);
    REQUIRE(journal::decode_journal_row(payload).chunked_series.size() == 7);
    for (std::size_t n = 0; n < payload.size(); ++n) {
        CAPTURE(n);
        CHECK_THROWS_AS(journal::decode_journal_row(std::span(payload).first(n)), journal::DecodeError);
    }
    std::mt19937 rng(7);
    for (int trial = 0; trial < 2000; ++trial) {
        auto damaged = payload;
        damaged[rng() % damaged.size()] = static_cast<std::byte>(rng());
        try {
            (void)journal::decode_journal_row(damaged);
        } catch (const journal::DecodeError&) {
        }
    }
}

TEST_CASE("chunks: a sweep from chunked rows equals the one from raw rows (format 3 journal)") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 24);
    const std::string chunked = dir.file("chunked.h5");
    build_sweep(chunked, header, ids(24));
    const std::string raw = dir.file("raw.h5");
    write_journal(sweep_journal_path(raw), header, 3, ids(24));
    finalize_sweep(sweep_journal_path(raw), raw);
    CHECK(hdf5_differences(chunked, raw).empty());
    // Stored byte for byte as HDF5 stores what it filters itself.
    check_same_chunks(chunked, raw, 24);
}

TEST_CASE("chunks: a format 3 journal resumes with raw rows and finishes as before") {
    ScratchDir dir;
    const SweepHeader header = make_header(true, 24);
    const std::string expected = dir.file("expected.h5");
    build_sweep(expected, header, ids(24));

    const std::string out = dir.file("resumed.h5");
    std::vector<std::int64_t> first, rest;
    for (const auto id : ids(24))
        (id % 2 == 0 ? first : rest).push_back(id);
    write_journal(sweep_journal_path(out), header, 3, first);
    {
        auto journal = SweepJournal::resume(sweep_journal_path(out), header);
        CHECK(journal.completed().size() == first.size());
        for (const auto id : rest)
            journal.append(make_row(header, id));
    }
    // The journal stays one format: every row, old and new, decodes as a raw row.
    const auto rows = journal_rows(sweep_journal_path(out));
    CHECK(rows.size() == 24);
    for (const auto& payload : rows)
        CHECK_NOTHROW(journal::decode_row(payload));
    finalize_sweep(sweep_journal_path(out), out);
    CHECK(hdf5_differences(expected, out).empty());
    check_same_chunks(expected, out, 24);
}
