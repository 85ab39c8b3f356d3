#pragma once
// Random streams. Every stochastic component draws from its own numbered stream derived
// from (run seed, stream id), so adding a component never shifts another's draws, and a
// sweep's run i derives its seed from (master seed, i) alone.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace pricewar {

inline constexpr std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Seed of stream `id` (or of sweep run `id`) under `seed`.
inline constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t id) {
    return splitmix64(splitmix64(seed) ^ splitmix64(id + 0x632BE59BD9B4E019ULL));
}

enum class Stream : std::uint64_t {
    developer_traits = 1,
    network = 2,
    awareness = 3,
    choice = 4,
    surplus_sample = 5,
    funding_base = 500,    // + vendor index: investors' draws
    strategy_base = 1000,  // + flattened offer index
};

// xoshiro256++ (Blackman & Vigna 2018): small, fast, good statistical quality; the one
// generator of the project (the market and the Q-learning kernel alike). Satisfies
// UniformRandomBitGenerator so Boost.Random distributions accept it. Integer arithmetic
// only: the same draws on every platform and compiler.
class Rng {
public:
    using result_type = std::uint64_t;

    explicit Rng(std::uint64_t seed = 1) { reseed(seed); }
    Rng(std::uint64_t seed, Stream stream, std::uint64_t offset = 0) {
        reseed(derive_seed(seed, static_cast<std::uint64_t>(stream) + offset));
    }

    void reseed(std::uint64_t seed) {
        std::uint64_t x = seed;
        for (auto& s : state_) {
            x += 0x9E3779B97F4A7C15ULL;
            s = splitmix64(x);
        }
    }

    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

    result_type operator()() {
        const std::uint64_t result = rotl(state_[0] + state_[3], 23) + state_[0];
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform on [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
    // Uniform on (0, 1): safe under log().
    double uniform_open() { return (static_cast<double>((*this)() >> 11) + 0.5) * 0x1.0p-53; }
    // Standard Gumbel draw.
    double gumbel() { return -std::log(-std::log(uniform_open())); }
    // Uniform integer in [0, n), 1 <= n < 2^32, without modulo bias (Lemire's
    // multiply-and-reject on the top 32 bits of a draw).
    std::uint32_t below(std::uint32_t n) {
        std::uint64_t product = ((*this)() >> 32) * n;
        if (static_cast<std::uint32_t>(product) < n) {
            const std::uint32_t threshold = (0U - n) % n;
            while (static_cast<std::uint32_t>(product) < threshold)
                product = ((*this)() >> 32) * n;
        }
        return static_cast<std::uint32_t>(product >> 32);
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t state_[4]{};
};

// The same sequence as Rng::uniform(), drawn in batches: the generator's state stays in
// registers while a batch is filled, and a draw in a hot loop is one load. Draws that are
// left in the batch carry over to the next call, so the sequence is exactly Rng's.
class UniformStream {
public:
    static constexpr std::size_t kBatch = 256;
    UniformStream(std::uint64_t seed, Stream stream) : rng_(seed, stream) {}
    explicit UniformStream(const Rng& rng) : rng_(rng) {}
    double operator()() {
        if (next_ == kBatch) refill();
        return batch_[next_++];
    }

private:
    void refill() {
        Rng rng = rng_;
        for (auto& u : batch_)
            u = rng.uniform();
        rng_ = rng;
        next_ = 0;
    }
    Rng rng_;
    std::array<double, kBatch> batch_{};
    std::size_t next_ = kBatch;
};

}  // namespace pricewar
