#include "sim/output/detail/journal_codec.hpp"

#include "sim/output/detail/file_util.hpp"
#include "sim/output/detail/sweep.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <zlib.h>

namespace pricewar::journal {

namespace {

std::uint32_t load32(const std::byte* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

class Encoder {
public:
    void u8(std::uint8_t v) { out_.push_back(static_cast<std::byte>(v)); }
    void u32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            out_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFFU));
    }
    void u64(std::uint64_t v) {
        for (int i = 0; i < 8; ++i)
            out_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFFU));
    }
    void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
    void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
    void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
    void str(const std::string& s) {
        u64(s.size());
        const auto* p = reinterpret_cast<const std::byte*>(s.data());
        out_.insert(out_.end(), p, p + s.size());
    }
    void strs(const std::vector<std::string>& v) {
        u64(v.size());
        for (const auto& s : v)
            str(s);
    }
    void f64s(const std::vector<double>& v) {
        u64(v.size());
        if constexpr (std::endian::native == std::endian::little) {
            const auto* p = reinterpret_cast<const std::byte*>(v.data());
            out_.insert(out_.end(), p, p + v.size() * sizeof(double));
        } else {
            for (double x : v)
                f64(x);
        }
    }
    void i32s(const std::vector<std::int32_t>& v) {
        u64(v.size());
        for (auto x : v)
            i32(x);
    }
    void bytes(std::span<const std::byte> v) {
        u64(v.size());
        out_.insert(out_.end(), v.begin(), v.end());
    }
    std::vector<std::byte> take() { return std::move(out_); }

private:
    std::vector<std::byte> out_;
};

class Decoder {
public:
    explicit Decoder(std::span<const std::byte> in) : in_(in) {}

    std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
    std::uint32_t u32() { return load32(take(4).data()); }
    std::uint64_t u64() {
        const auto b = take(8);
        return static_cast<std::uint64_t>(load32(b.data())) | (static_cast<std::uint64_t>(load32(b.data() + 4)) << 32);
    }
    std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
    std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
    double f64() { return std::bit_cast<double>(u64()); }
    std::string str() {
        const auto n = count(1);
        const auto b = take(n);
        return {reinterpret_cast<const char*>(b.data()), b.size()};
    }
    std::vector<std::string> strs() {
        const auto n = count(8);
        std::vector<std::string> v;
        v.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            v.push_back(str());
        return v;
    }
    std::vector<double> f64s() {
        const auto n = count(sizeof(double));
        std::vector<double> v(n);
        if constexpr (std::endian::native == std::endian::little) {
            const auto b = take(n * sizeof(double));
            if (n > 0) std::memcpy(v.data(), b.data(), b.size());
        } else {
            for (auto& x : v)
                x = f64();
        }
        return v;
    }
    std::vector<std::int32_t> i32s() {
        const auto n = count(4);
        std::vector<std::int32_t> v(n);
        for (auto& x : v)
            x = i32();
        return v;
    }
    std::vector<std::byte> bytes() {
        const auto b = take(count(1));
        return {b.begin(), b.end()};
    }
    void expect_end() const {
        if (pos_ != in_.size())
            throw DecodeError(fmt::format("{} unexpected bytes after the record's fields", in_.size() - pos_));
    }

private:
    // An element count, checked against the bytes left so corrupt counts cannot allocate.
    std::size_t count(std::size_t min_element_bytes) {
        const std::uint64_t n = u64();
        if (n > (in_.size() - pos_) / min_element_bytes)
            throw DecodeError(fmt::format("a count of {} exceeds the record", n));
        return static_cast<std::size_t>(n);
    }
    std::span<const std::byte> take(std::size_t n) {
        if (n > in_.size() - pos_) throw DecodeError("the record ends early");
        const auto out = in_.subspan(pos_, n);
        pos_ += n;
        return out;
    }

    std::span<const std::byte> in_;
    std::size_t pos_ = 0;
};

constexpr std::uint8_t header_type = 'H';
constexpr std::uint8_t row_type = 'R';

// What follows a row's fields.
constexpr std::uint8_t no_series = 0;
constexpr std::uint8_t raw_series = 1;
constexpr std::uint8_t chunked_series = 2;

void encode_tables(Encoder& e, const std::vector<Table>& tables) {
    e.u64(tables.size());
    for (const auto& t : tables) {
        e.str(t.name);
        e.str(t.units);
        e.u64(t.rows);
        e.u64(t.cols);
        e.f64s(t.values);
    }
}

std::vector<Table> decode_tables(Decoder& d) {
    const std::uint64_t n = d.u64();
    std::vector<Table> tables;
    for (std::uint64_t i = 0; i < n; ++i) {
        Table t;
        t.name = d.str();
        t.units = d.str();
        t.rows = static_cast<std::size_t>(d.u64());
        t.cols = static_cast<std::size_t>(d.u64());
        t.values = d.f64s();
        if (t.cols != 0 && t.rows > t.values.size() / t.cols) throw DecodeError("a table's shape exceeds its values");
        if (t.values.size() != t.rows * t.cols) throw DecodeError("a table's shape does not match its values");
        tables.push_back(std::move(t));
    }
    return tables;
}

constexpr std::array<detail::Group, 3> all_groups{detail::offer_group, detail::vendor_group, detail::market_group};

void encode_chunked_tables(Encoder& e, const RunRecord& run, const detail::SeriesPlacer& placer,
                           detail::ChunkEncoder& encoder) {
    std::size_t count = 0;
    for (const detail::Group g : all_groups)
        count += detail::tables_of(run, g).size();
    e.u64(count);
    std::vector<double> values;
    for (const detail::Group g : all_groups)
        for (const auto& t : detail::tables_of(run, g)) {
            placer.place(run, g, t.name, values);
            const detail::FilteredChunk chunk = encoder.encode(values);
            e.u8(static_cast<std::uint8_t>(g));
            e.str(t.name);
            e.str(t.units);
            e.u32(chunk.filter_mask);
            e.bytes(chunk.bytes);
        }
}

std::vector<ChunkedTable> decode_chunked_tables(Decoder& d) {
    const std::uint64_t n = d.u64();
    std::vector<ChunkedTable> tables;
    for (std::uint64_t i = 0; i < n; ++i) {
        ChunkedTable t;
        t.group = d.u8();
        if (t.group >= all_groups.size()) throw DecodeError(fmt::format("series group {} is unknown", t.group));
        t.name = d.str();
        t.units = d.str();
        t.chunk.filter_mask = d.u32();
        t.chunk.bytes = d.bytes();
        tables.push_back(std::move(t));
    }
    return tables;
}

void encode_row_fields(Encoder& e, const RunRow& row) {
    e.u8(row_type);
    e.i64(row.run_id);
    e.i64(row.replicate);
    e.u64(row.seed);
    e.str(row.scenario);
    e.f64s(row.parameter_values);
    e.i32(row.sobol_block);
    e.i32(row.sobol_index);
    e.i32(row.status);
    e.str(row.error);
    e.f64(row.wall_seconds);
    e.i32s(row.exit_turn);
    e.i32s(row.exit_reason);
    e.f64s(row.final_share);
    e.f64s(row.cumulative_profit);
    e.f64s(row.peak_loss);
    e.f64s(row.market_summary);
}

RunRow decode_row_fields(Decoder& d) {
    if (d.u8() != row_type) throw DecodeError("not a run record");
    RunRow row;
    row.run_id = d.i64();
    row.replicate = d.i64();
    row.seed = d.u64();
    row.scenario = d.str();
    row.parameter_values = d.f64s();
    row.sobol_block = d.i32();
    row.sobol_index = d.i32();
    row.status = d.i32();
    row.error = d.str();
    row.wall_seconds = d.f64();
    row.exit_turn = d.i32s();
    row.exit_reason = d.i32s();
    row.final_share = d.f64s();
    row.cumulative_profit = d.f64s();
    row.peak_loss = d.f64s();
    row.market_summary = d.f64s();
    return row;
}

RunRecord decode_raw_series(Decoder& d) {
    RunRecord series;
    series.vendor_names = d.strs();
    series.offer_names = d.strs();
    series.offer_series = decode_tables(d);
    series.vendor_series = decode_tables(d);
    series.market_series = decode_tables(d);
    return series;
}

}  // namespace

// Reads up to out.size() bytes at offset; returns how many were read (short only at EOF).
std::size_t read_at(int fd, const std::string& path, std::uint64_t offset, std::span<std::byte> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw OutputError(fmt::format("cannot read journal '{}': {}", path, detail::errno_text(errno)));
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    return done;
}

// Whether an intact record starts at offset; if so its payload is left in `payload`.
bool try_record(int fd, const std::string& path, std::uint64_t offset, std::uint64_t size,
                std::vector<std::byte>& payload) {
    if (size < offset || size - offset < frame_bytes) return false;
    std::array<std::byte, frame_bytes> head{};
    if (read_at(fd, path, offset, head) != head.size()) return false;
    if (!std::equal(record_magic.begin(), record_magic.end(), head.begin())) return false;
    const std::uint32_t length = load32(head.data() + 4);
    const std::uint32_t stored_crc = load32(head.data() + 8);
    if (length > max_payload_bytes || length > size - offset - frame_bytes) return false;
    payload.resize(length);
    if (read_at(fd, path, offset + frame_bytes, payload) != length) return false;
    const std::uint32_t crc = crc32(payload, crc32(std::span<const std::byte>(head.data() + 4, 4)));
    return crc == stored_crc;
}

// Offset of the first intact record starting after `from`, if any.
std::optional<std::uint64_t> find_intact_after(int fd, const std::string& path, std::uint64_t from,
                                               std::uint64_t size) {
    constexpr std::size_t block = std::size_t{1} << 20;
    std::vector<std::byte> buffer(block + record_magic.size());
    std::vector<std::byte> payload;
    for (std::uint64_t start = from; start < size; start += block) {
        const std::size_t got = read_at(fd, path, start, buffer);
        if (got < record_magic.size()) break;
        for (std::size_t i = 0; i + record_magic.size() <= got && i < block; ++i) {
            if (buffer[i] != record_magic[0]) continue;
            if (!std::equal(record_magic.begin(), record_magic.end(), buffer.begin() + static_cast<std::ptrdiff_t>(i)))
                continue;
            if (try_record(fd, path, start + i, size, payload)) return start + i;
        }
    }
    return std::nullopt;
}

std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t crc) {
    return static_cast<std::uint32_t>(
        ::crc32_z(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<z_size_t>(data.size())));
}

std::vector<std::byte> encode_header(const SweepHeader& h, std::uint32_t version) {
    if (version < oldest_readable_version || version > format_version)
        throw DecodeError(fmt::format("journal format version {} cannot be written", version));
    Encoder e;
    e.u8(header_type);
    e.u32(version);
    e.str(h.kind);
    e.str(h.pricewar_version);
    e.u64(h.master_seed);
    e.str(h.design);
    e.str(h.sweep_toml);
    e.i64(h.runs_planned);
    e.i32(static_cast<std::int32_t>(h.turns));
    e.str(h.currency);
    e.strs(h.vendor_names);
    e.strs(h.vendor_kinds);
    e.strs(h.parameters);
    e.strs(h.market_summary_names);
    e.strs(h.market_summary_units);
    e.u8(h.series ? 1 : 0);
    e.strs(h.offer_names);
    if (version >= 3) {
        e.strs(h.vendor_display_names);
        e.strs(h.offer_display_names);
        e.str(h.start_date);
        e.f64(h.turn_days);
    }
    return e.take();
}

SweepHeader decode_header(std::span<const std::byte> payload, std::uint32_t* version_out) {
    Decoder d(payload);
    if (d.u8() != header_type) throw DecodeError("not a header record");
    const std::uint32_t version = d.u32();
    if (version_out != nullptr) *version_out = version;
    if (version < oldest_readable_version)
        throw DecodeError(fmt::format(
            "journal format version {} is too old (this pricewar reads versions {} to {}): finish that sweep with the "
            "pricewar that started it, or delete the journal to start over",
            version, oldest_readable_version, format_version));
    if (version > format_version)
        throw DecodeError(fmt::format("journal format version {} is newer than this pricewar reads ({} to {})", version,
                                      oldest_readable_version, format_version));
    SweepHeader h;
    h.kind = d.str();
    h.pricewar_version = d.str();
    h.master_seed = d.u64();
    h.design = d.str();
    h.sweep_toml = d.str();
    h.runs_planned = d.i64();
    h.turns = d.i32();
    h.currency = d.str();
    h.vendor_names = d.strs();
    h.vendor_kinds = d.strs();
    h.parameters = d.strs();
    h.market_summary_names = d.strs();
    h.market_summary_units = d.strs();
    h.series = d.u8() != 0;
    h.offer_names = d.strs();
    if (version >= 3) {
        h.vendor_display_names = d.strs();
        h.offer_display_names = d.strs();
        h.start_date = d.str();
        h.turn_days = d.f64();
    }
    d.expect_end();
    return h;
}

std::vector<std::byte> encode_row(const RunRow& row, bool with_series) {
    Encoder e;
    encode_row_fields(e, row);
    const bool series = with_series && row.series.has_value();
    e.u8(series ? raw_series : no_series);
    if (series) {
        e.strs(row.series->vendor_names);
        e.strs(row.series->offer_names);
        encode_tables(e, row.series->offer_series);
        encode_tables(e, row.series->vendor_series);
        encode_tables(e, row.series->market_series);
    }
    return e.take();
}

std::vector<std::byte> encode_row(const RunRow& row, const detail::SeriesPlacer& placer,
                                  detail::ChunkEncoder& encoder) {
    Encoder e;
    encode_row_fields(e, row);
    e.u8(row.series ? chunked_series : no_series);
    if (row.series) encode_chunked_tables(e, *row.series, placer, encoder);
    return e.take();
}

JournalRow decode_journal_row(std::span<const std::byte> payload) {
    Decoder d(payload);
    JournalRow out;
    out.row = decode_row_fields(d);
    switch (d.u8()) {
        case no_series:
            break;
        case raw_series:
            out.row.series = decode_raw_series(d);
            break;
        case chunked_series:
            out.chunked_series = decode_chunked_tables(d);
            break;
        default:
            throw DecodeError("the record's series are of an unknown kind");
    }
    d.expect_end();
    return out;
}

RunRow decode_row(std::span<const std::byte> payload) {
    Decoder d(payload);
    RunRow row = decode_row_fields(d);
    switch (d.u8()) {
        case no_series:
            break;
        case raw_series:
            row.series = decode_raw_series(d);
            break;
        default:
            throw DecodeError("the record's series are not raw series");
    }
    d.expect_end();
    return row;
}

std::vector<std::byte> frame(std::span<const std::byte> payload) {
    if (payload.size() > max_payload_bytes) throw DecodeError("record too large for the journal");
    const auto length = static_cast<std::uint32_t>(payload.size());
    std::vector<std::byte> out;
    out.reserve(frame_bytes + payload.size());
    out.insert(out.end(), record_magic.begin(), record_magic.end());
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<std::byte>((length >> (8 * i)) & 0xFFU));
    const std::uint32_t crc = crc32(payload, crc32(std::span<const std::byte>(out.data() + 4, 4)));
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<std::byte>((crc >> (8 * i)) & 0xFFU));
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

ScanResult scan(int fd, const std::string& path,
                const std::function<void(std::uint64_t, std::span<const std::byte>)>& on_row) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        throw OutputError(fmt::format("cannot read journal '{}': {}", path, detail::errno_text(errno)));
    ScanResult result;
    result.file_size = static_cast<std::uint64_t>(st.st_size);
    const std::uint64_t size = result.file_size;

    std::array<std::byte, file_magic.size()> magic{};
    const std::size_t got = read_at(fd, path, 0, magic);
    if (!std::equal(magic.begin(), magic.begin() + static_cast<std::ptrdiff_t>(got), file_magic.begin()))
        throw OutputError(fmt::format("'{}' is not a pricewar sweep journal", path));
    if (got < magic.size()) return result;  // died while writing the first bytes

    std::uint64_t offset = magic.size();
    std::vector<std::byte> payload;
    while (offset < size) {
        if (!try_record(fd, path, offset, size, payload)) {
            if (const auto next = find_intact_after(fd, path, offset + 1, size))
                throw OutputError(fmt::format(
                    "journal '{}' is damaged at byte offset {}: the record there fails its checksum, yet an intact "
                    "record follows at offset {}; refusing to cut the journal (that would lose finished runs)",
                    path, offset, *next));
            break;  // a torn last record
        }
        try {
            if (!result.has_header) {
                result.header = decode_header(payload, &result.version);
                result.has_header = true;
            } else {
                on_row(offset, payload);
            }
        } catch (const DecodeError& e) {
            throw OutputError(fmt::format("journal '{}': the record at byte offset {} cannot be decoded: {}", path,
                                          offset, e.what()));
        }
        offset += frame_bytes + payload.size();
    }
    result.clean_end = offset;
    return result;
}

void read_record(int fd, const std::string& path, std::uint64_t offset, std::vector<std::byte>& payload) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        throw OutputError(fmt::format("cannot read journal '{}': {}", path, detail::errno_text(errno)));
    if (!try_record(fd, path, offset, static_cast<std::uint64_t>(st.st_size), payload))
        throw OutputError(fmt::format(
            "journal '{}' changed while being read: the record at byte offset {} is no longer intact", path, offset));
}

}  // namespace pricewar::journal
