#include "sim/output/detail/chunk_filter.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <new>

#include <fmt/format.h>
// zlib's input pointers are then pointers to const.
#define ZLIB_CONST
#include <zlib.h>

namespace pricewar::detail {

namespace {

constexpr std::size_t element_bytes = sizeof(double);
constexpr std::size_t checksum_bytes = 4;

std::uint32_t fold(std::uint32_t sum) {
    return (sum & 0xFFFFU) + (sum >> 16);
}

std::uint32_t byte_value(std::byte b) {
    return std::to_integer<std::uint32_t>(b);
}

// HDF5's shuffle filter: byte j of element i goes to position j * n + i, so the slowly varying
// high bytes of neighbouring values sit together and compress well. Bytes are taken from the
// value (little-endian order, as the file stores it) whatever the host's byte order.
void shuffle(std::span<const double> values, std::span<std::byte> out) {
    const std::size_t n = values.size();
    for (std::size_t i = 0; i < n; ++i) {
        const auto bits = std::bit_cast<std::uint64_t>(values[i]);
        for (std::size_t j = 0; j < element_bytes; ++j)
            out[j * n + i] = static_cast<std::byte>((bits >> (8 * j)) & 0xFFU);
    }
}

std::vector<double> unshuffle(std::span<const std::byte> bytes, std::size_t n, bool shuffled) {
    std::vector<double> values(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::uint64_t bits = 0;
        for (std::size_t j = 0; j < element_bytes; ++j) {
            const std::byte b = shuffled ? bytes[j * n + i] : bytes[i * element_bytes + j];
            bits |= static_cast<std::uint64_t>(byte_value(b)) << (8 * j);
        }
        values[i] = std::bit_cast<double>(bits);
    }
    return values;
}

// HDF5's deflate filter hands zlib's compress2 a buffer of ceil(1.001 n) + 12 bytes for n bytes;
// when the stream does not fit (never in practice: that exceeds zlib's own bound), the filter
// fails and HDF5 stores the chunk without it.
std::size_t deflate_room(std::size_t n) {
    return static_cast<std::size_t>(std::ceil(static_cast<double>(n) * 1.001)) + 12;
}

void append_checksum(std::vector<std::byte>& bytes) {
    const std::uint32_t sum = fletcher32(bytes);
    for (std::size_t i = 0; i < checksum_bytes; ++i)
        bytes.push_back(static_cast<std::byte>((sum >> (8 * i)) & 0xFFU));
}

std::vector<std::byte> inflate(std::span<const std::byte> in, std::size_t expected) {
    std::vector<std::byte> out(expected);
    auto size = static_cast<uLongf>(expected);
    const int status = ::uncompress(reinterpret_cast<Bytef*>(out.data()), &size,
                                    reinterpret_cast<const Bytef*>(in.data()), static_cast<uLong>(in.size()));
    if (status != Z_OK || size != expected)
        throw ChunkError(fmt::format("a chunk does not inflate to {} bytes (zlib status {})", expected, status));
    return out;
}

}  // namespace

std::uint32_t fletcher32(std::span<const std::byte> data) {
    std::uint32_t sum1 = 0;
    std::uint32_t sum2 = 0;
    std::size_t words = data.size() / 2;
    const std::byte* p = data.data();
    while (words > 0) {
        // 360 words are the most that can be summed before sum2 could overflow 32 bits.
        const std::size_t block = std::min<std::size_t>(words, 360);
        words -= block;
        for (std::size_t i = 0; i < block; ++i, p += 2) {
            sum1 += (byte_value(p[0]) << 8) | byte_value(p[1]);
            sum2 += sum1;
        }
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    if (data.size() % 2 != 0) {  // the last byte counts as the high half of a word
        sum1 += byte_value(*p) << 8;
        sum2 += sum1;
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    sum1 = fold(sum1);
    sum2 = fold(sum2);
    return (sum2 << 16) | sum1;
}

// compress2's stream (deflateInit at the level, default window, memory level and strategy),
// reset between chunks: deflateReset is deflateEnd and deflateInit without freeing the state,
// and one deflate call with Z_FINISH is what compress2 makes for a chunk below 4 GiB, so the
// bytes are those compress2 gives.
struct ChunkEncoder::Compressor {
    z_stream stream{};

    Compressor() {
        if (::deflateInit(&stream, deflate_level) != Z_OK) throw std::bad_alloc();
    }
    ~Compressor() { (void)::deflateEnd(&stream); }
    Compressor(const Compressor&) = delete;
    Compressor& operator=(const Compressor&) = delete;

    // False when the stream does not fit in HDF5's buffer (then `out` is to be ignored).
    bool deflate(std::span<const std::byte> in, std::vector<std::byte>& out) {
        const std::size_t room = deflate_room(in.size());
        if (room > std::numeric_limits<uInt>::max() || ::deflateReset(&stream) != Z_OK) return false;
        out.resize(room);
        stream.next_in = reinterpret_cast<const Bytef*>(in.data());
        stream.avail_in = static_cast<uInt>(in.size());
        stream.next_out = reinterpret_cast<Bytef*>(out.data());
        stream.avail_out = static_cast<uInt>(room);
        if (::deflate(&stream, Z_FINISH) != Z_STREAM_END) return false;
        out.resize(static_cast<std::size_t>(stream.total_out));
        return true;
    }
};

ChunkEncoder::ChunkEncoder() : compressor_(std::make_unique<Compressor>()) {}
ChunkEncoder::~ChunkEncoder() = default;

FilteredChunk ChunkEncoder::encode(std::span<const double> values) {
    shuffled_.resize(values.size() * element_bytes);
    shuffle(values, shuffled_);
    FilteredChunk chunk;
    if (!compressor_->deflate(shuffled_, chunk.bytes)) {
        chunk.filter_mask |= deflate_filter_bit;
        chunk.bytes = shuffled_;
    }
    append_checksum(chunk.bytes);
    return chunk;
}

FilteredChunk filter_chunk(std::span<const double> values) {
    ChunkEncoder encoder;
    return encoder.encode(values);
}

std::vector<double> unfilter_chunk(const FilteredChunk& chunk, std::size_t count) {
    std::span<const std::byte> body = chunk.bytes;
    if ((chunk.filter_mask & fletcher32_filter_bit) == 0) {
        if (body.size() < checksum_bytes) throw ChunkError("a chunk is shorter than its checksum");
        std::uint32_t stored = 0;
        for (std::size_t i = 0; i < checksum_bytes; ++i)
            stored |= byte_value(body[body.size() - checksum_bytes + i]) << (8 * i);
        body = body.first(body.size() - checksum_bytes);
        if (fletcher32(body) != stored) throw ChunkError("a chunk fails its Fletcher-32 checksum");
    }
    std::vector<std::byte> inflated;
    if ((chunk.filter_mask & deflate_filter_bit) == 0) {
        inflated = inflate(body, count * element_bytes);
        body = inflated;
    }
    if (body.size() != count * element_bytes)
        throw ChunkError(fmt::format("a chunk holds {} bytes for {} doubles", body.size(), count));
    return unshuffle(body, count, (chunk.filter_mask & shuffle_filter_bit) == 0);
}

}  // namespace pricewar::detail
