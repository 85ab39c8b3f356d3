#pragma once

// Small, fast, self-contained pseudo-random numbers for the learning benchmark.
//
// Xoshiro256 is the xoshiro256** generator of Blackman & Vigna (2018): 256 bits of
// state, period 2^256 - 1, passes BigCrush.  Its state is filled from a single 64-bit
// seed by the splitmix64 sequence, as the authors recommend, so that nearby seeds give
// unrelated streams.  All draws are exactly reproducible across platforms and
// compilers (only integer arithmetic and an exact integer-to-double conversion).

#include <cstdint>

namespace pricewar::learning {

class SplitMix64 {
public:
    explicit constexpr SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}

    constexpr std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

private:
    std::uint64_t state_;
};

class Xoshiro256 {
public:
    using result_type = std::uint64_t;

    explicit constexpr Xoshiro256(std::uint64_t seed) noexcept : s_{} {
        SplitMix64 sm(seed);
        for (auto& word : s_) {
            word = sm.next();
        }
    }

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return ~result_type{0}; }

    constexpr result_type operator()() noexcept { return next(); }

    constexpr std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform on [0, 1) with 53 random bits.
    constexpr double uniform01() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    // Uniform integer in [0, n), n >= 1 and < 2^32, without modulo bias (Lemire's
    // multiply-and-reject method on the top 32 bits of a draw).
    constexpr std::uint32_t below(std::uint32_t n) noexcept {
        std::uint64_t product = (next() >> 32) * static_cast<std::uint64_t>(n);
        auto low = static_cast<std::uint32_t>(product);
        if (low < n) {
            const std::uint32_t threshold = static_cast<std::uint32_t>(0u - n) % n;
            while (low < threshold) {
                product = (next() >> 32) * static_cast<std::uint64_t>(n);
                low = static_cast<std::uint32_t>(product);
            }
        }
        return static_cast<std::uint32_t>(product >> 32);
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

    std::uint64_t s_[4];
};

}  // namespace pricewar::learning
