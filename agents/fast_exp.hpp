#pragma once
// exp() for the developer hot loops: branch-free and inline, so loops over options
// vectorise, and within 2 ulp of the correctly rounded result for x in [-708, 709]
// (below -708 it returns exp(-708) ~ 3e-308: the loops use it only for ratios and
// probabilities, where such a value is 0 for practical purposes).
//
// exp(x) = 2^n e^r with n = round(x / ln 2), r = x - n ln 2 in [-ln2/2, ln2/2] (Cody-Waite
// reduction with a two-part ln 2), e^r by its Taylor series to degree 13 (truncation error
// below 1e-17 relative on that interval), 2^n assembled in the exponent bits.

#include <algorithm>
#include <bit>
#include <cstdint>

namespace pricewar {

inline double fast_exp(double x) {
    x = std::clamp(x, -708.0, 709.0);
    constexpr double inv_ln2 = 1.4426950408889634;
    constexpr double ln2_hi = 6.93147180369123816490e-01;  // exact in 32 bits
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    constexpr double shifter = 0x1.8p52;  // adding it rounds to an integer held in the low bits
    const double t = x * inv_ln2 + shifter;
    const double n = t - shifter;
    const double r = (x - n * ln2_hi) - n * ln2_lo;
    double p = 1.0 / 6227020800.0;  // 1/13!
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // n sits in the low mantissa bits of t; move it into the exponent field of p.
    const std::uint64_t k = std::bit_cast<std::uint64_t>(t) - std::bit_cast<std::uint64_t>(shifter);
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(p) + (k << 52));
}

}  // namespace pricewar
