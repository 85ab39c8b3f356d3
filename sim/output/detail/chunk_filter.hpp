#pragma once
// The bytes HDF5 stores for one chunk of a float64 dataset whose filter pipeline is shuffle,
// deflate and Fletcher-32 (the compressed datasets of h5::Templates: a sweep file's series).
// Compressing is most of the cost of writing series; done here, any thread can do it, and the
// file takes the finished chunk as it is (h5::write_chunk). Internal.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

namespace pricewar::detail {

// The deflate level of every compressed dataset.
inline constexpr int deflate_level = 4;

// Filters of the pipeline by position, as HDF5 numbers them in a chunk's filter mask.
inline constexpr std::uint32_t shuffle_filter_bit = 1U << 0;
inline constexpr std::uint32_t deflate_filter_bit = 1U << 1;
inline constexpr std::uint32_t fletcher32_filter_bit = 1U << 2;

struct FilteredChunk {
    // The filters HDF5 skipped for this chunk: deflate, an optional filter, is skipped when
    // its output does not fit the buffer HDF5 gives it (a little more than the input).
    std::uint32_t filter_mask = 0;
    std::vector<std::byte> bytes;

    friend bool operator==(const FilteredChunk&, const FilteredChunk&) = default;
};

// Bytes that are not a chunk of the expected size, or whose checksum fails.
class ChunkError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Makes the chunk HDF5 would store for `values` (the chunk's elements in the dataset's order,
// stored as IEEE little-endian doubles). One encoder makes chunk after chunk with the same
// zlib compressor: made afresh for every chunk, zlib's 260 kB of state had the heap grow and
// shrink each time, which cost more in page faults than the compression itself. Not for use by
// two threads at once.
class ChunkEncoder {
public:
    ChunkEncoder();
    ~ChunkEncoder();
    ChunkEncoder(const ChunkEncoder&) = delete;
    ChunkEncoder& operator=(const ChunkEncoder&) = delete;

    FilteredChunk encode(std::span<const double> values);

private:
    struct Compressor;  // zlib's stream, kept out of this header
    std::unique_ptr<Compressor> compressor_;
    std::vector<std::byte> shuffled_;
};

// One chunk, with an encoder of its own.
FilteredChunk filter_chunk(std::span<const double> values);

// The inverse: checks the checksum, inflates and unshuffles `count` doubles. Throws ChunkError.
std::vector<double> unfilter_chunk(const FilteredChunk& chunk, std::size_t count);

// HDF5's Fletcher-32 checksum (of big-endian 16-bit words, sums folded to 16 bits).
std::uint32_t fletcher32(std::span<const std::byte> data);

}  // namespace pricewar::detail
