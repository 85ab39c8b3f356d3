#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cmath>

#include "sim/estimation/linalg.hpp"

using pricewar::estimation::Matrix;
namespace est = pricewar::estimation;

namespace {

Matrix from_rows(std::size_t rows, std::size_t cols, std::initializer_list<double> values) {
    Matrix m(rows, cols);
    std::size_t i = 0;
    for (double v : values) {
        m(i / cols, i % cols) = v;
        ++i;
    }
    return m;
}

}  // namespace

TEST_CASE("symmetric eigendecomposition: values of a known matrix, A V = V diag(values)") {
    // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
    const auto e2 = est::symmetric_eigen(from_rows(2, 2, {2, 1, 1, 2}));
    CHECK(e2.values[0] == doctest::Approx(1.0));
    CHECK(e2.values[1] == doctest::Approx(3.0));

    const Matrix a = from_rows(3, 3, {4, 1, -2, 1, 3, 0.5, -2, 0.5, 5});
    const auto e = est::symmetric_eigen(a);
    const Matrix av = a * e.vectors;
    for (std::size_t k = 0; k < 3; ++k)
        for (std::size_t r = 0; r < 3; ++r)
            CHECK(av(r, k) == doctest::Approx(e.values[k] * e.vectors(r, k)).epsilon(1e-12));
    CHECK(e.values[0] <= e.values[1]);
    CHECK(e.values[1] <= e.values[2]);
    // The trace is the sum of the eigenvalues.
    CHECK(e.values[0] + e.values[1] + e.values[2] == doctest::Approx(12.0));
}

TEST_CASE("spd_inverse inverts a positive definite matrix and refuses a singular one") {
    const Matrix a = from_rows(3, 3, {4, 1, -2, 1, 3, 0.5, -2, 0.5, 5});
    const auto inv = est::spd_inverse(a);
    REQUIRE(inv);
    const Matrix i = a * *inv;
    for (std::size_t r = 0; r < 3; ++r)
        for (std::size_t c = 0; c < 3; ++c)
            CHECK(i(r, c) == doctest::Approx(r == c ? 1.0 : 0.0).epsilon(1e-12));
    CHECK_FALSE(est::spd_inverse(from_rows(2, 2, {1, 2, 2, 4})));
}

TEST_CASE("the pseudo-inverse of a rank-one matrix v v' is v v' / |v|^4") {
    const Matrix a = from_rows(2, 2, {1, 2, 2, 4});  // v = (1, 2), |v|^2 = 5
    std::size_t rank = 0;
    const Matrix p = est::psd_pseudo_inverse(a, 1e-9, rank);
    CHECK(rank == 1);
    CHECK(p(0, 0) == doctest::Approx(1.0 / 25.0));
    CHECK(p(0, 1) == doctest::Approx(2.0 / 25.0));
    CHECK(p(1, 1) == doctest::Approx(4.0 / 25.0));
}
