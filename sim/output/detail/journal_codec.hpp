#pragma once
// Binary format of the sweep journal (docs/hdf5-layout.md, "Sweep journal"). Internal.
//
//   file   := magic(8 bytes "PWJRNL\0\1") record*
//   record := "PWRC" length(u32 LE) crc32(u32 LE) payload(length bytes)
// crc32 (zlib's, IEEE 802.3) covers the 4 length bytes and the payload. The first record's
// payload is the header ('H'), every later one a run row ('R'). All integers little-endian.

#include "sim/output/detail/chunk_filter.hpp"
#include "sim/output/sweep_file.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace pricewar::detail {
class SeriesPlacer;
}

namespace pricewar::journal {

inline constexpr std::array<std::byte, 8> file_magic{std::byte{'P'}, std::byte{'W'}, std::byte{'J'}, std::byte{'R'},
                                                     std::byte{'N'}, std::byte{'L'}, std::byte{0},   std::byte{1}};
inline constexpr std::array<std::byte, 4> record_magic{std::byte{'P'}, std::byte{'W'}, std::byte{'R'}, std::byte{'C'}};
inline constexpr std::size_t frame_bytes = 12;  // magic + length + crc
inline constexpr std::uint32_t max_payload_bytes = std::uint32_t{1} << 30;
// 2: rows carry exit_reason; 3: the header carries display names, start_date and turn_days;
// 4: rows carry their series as the sweep file's filtered chunks (the header is that of 3).
inline constexpr std::uint32_t format_version = 4;
// The oldest version still read: a version 2 header decodes with the presentation fields empty
// (SweepHeader::records_presentation() false). Rows of versions 2 and 3 carry raw series.
inline constexpr std::uint32_t oldest_readable_version = 2;
// The first version whose rows carry filtered chunks instead of raw series.
inline constexpr std::uint32_t chunked_series_version = 4;

// zlib's CRC-32 of `data`, continuing from `crc` (0 to start).
std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t crc = 0);

// A payload whose checksum holds but whose contents cannot be decoded.
class DecodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One series table of a run as the sweep file stores it: the run's row of the table's dataset
// ([turns x union columns], NaN where the run has no value), as its filtered chunk.
struct ChunkedTable {
    std::uint8_t group = 0;  // detail::Group
    std::string name;
    std::string units;
    detail::FilteredChunk chunk;
};

// A run record as decoded: series either raw (row.series, journal versions 2 and 3 and rows
// between MPI ranks) or as chunks (version 4).
struct JournalRow {
    RunRow row;
    std::vector<ChunkedTable> chunked_series;
};

// `version`: format_version, or an older readable one (tests write journals of older programs).
std::vector<std::byte> encode_header(const SweepHeader& header, std::uint32_t version = format_version);
// Series are stored raw, only when with_series and row.series is set (journal versions 2 and 3).
std::vector<std::byte> encode_row(const RunRow& row, bool with_series);
// Series, when row.series is set, are placed by `placer` (which must be of the journal's
// header) and stored as filtered chunks made by `encoder`: the compression is done by the
// appending thread instead of the one building the file.
std::vector<std::byte> encode_row(const RunRow& row, const detail::SeriesPlacer& placer, detail::ChunkEncoder& encoder);
// `version`, when given, receives the header's journal format version.
SweepHeader decode_header(std::span<const std::byte> payload, std::uint32_t* version = nullptr);
JournalRow decode_journal_row(std::span<const std::byte> payload);
// A row whose series, if any, are raw; chunked series throw DecodeError.
RunRow decode_row(std::span<const std::byte> payload);

// The record (frame + payload) for a payload.
std::vector<std::byte> frame(std::span<const std::byte> payload);

struct ScanResult {
    bool has_header = false;  // false: the process died while creating the journal
    SweepHeader header;
    std::uint32_t version = 0;    // the header's journal format version
    std::uint64_t clean_end = 0;  // end of the last intact record
    std::uint64_t file_size = 0;  // clean_end < file_size: a torn last record
};

// Reads the journal behind fd from the start, calling on_row(offset, payload) for every
// intact run record. Throws OutputError naming `path` (and the byte offset) on a foreign
// file, a damaged record followed by intact ones, or an undecodable header.
ScanResult scan(int fd, const std::string& path,
                const std::function<void(std::uint64_t offset, std::span<const std::byte> payload)>& on_row);

// Reads up to out.size() bytes at offset; returns how many were read (short only at EOF).
// Throws OutputError naming `path` on a read error.
std::size_t read_at(int fd, const std::string& path, std::uint64_t offset, std::span<std::byte> out);
// Whether an intact record (frame, length, checksum) starts at `offset` of a file of `size`
// bytes; its payload goes into `payload`.
bool try_record(int fd, const std::string& path, std::uint64_t offset, std::uint64_t size,
                std::vector<std::byte>& payload);
// The offset of the first intact record at or after `from`, if any.
std::optional<std::uint64_t> find_intact_after(int fd, const std::string& path, std::uint64_t from, std::uint64_t size);

// Reads the payload of the intact record at `offset` (as found by scan) into `payload`.
void read_record(int fd, const std::string& path, std::uint64_t offset, std::vector<std::byte>& payload);

}  // namespace pricewar::journal
