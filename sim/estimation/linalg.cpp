#include "sim/estimation/linalg.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace pricewar::estimation {

Matrix Matrix::identity(std::size_t n) {
    Matrix m(n, n);
    for (std::size_t i = 0; i < n; ++i)
        m(i, i) = 1.0;
    return m;
}

Matrix Matrix::diagonal(const std::vector<double>& d) {
    Matrix m(d.size(), d.size());
    for (std::size_t i = 0; i < d.size(); ++i)
        m(i, i) = d[i];
    return m;
}

Matrix transpose(const Matrix& a) {
    Matrix t(a.cols(), a.rows());
    for (std::size_t r = 0; r < a.rows(); ++r)
        for (std::size_t c = 0; c < a.cols(); ++c)
            t(c, r) = a(r, c);
    return t;
}

Matrix operator*(const Matrix& a, const Matrix& b) {
    if (a.cols() != b.rows()) throw std::invalid_argument("matrix product: inner dimensions differ");
    Matrix p(a.rows(), b.cols());
    for (std::size_t r = 0; r < a.rows(); ++r)
        for (std::size_t k = 0; k < a.cols(); ++k) {
            const double x = a(r, k);
            for (std::size_t c = 0; c < b.cols(); ++c)
                p(r, c) += x * b(k, c);
        }
    return p;
}

Matrix operator-(const Matrix& a, const Matrix& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) throw std::invalid_argument("matrix difference: shapes differ");
    Matrix d(a.rows(), a.cols());
    for (std::size_t r = 0; r < a.rows(); ++r)
        for (std::size_t c = 0; c < a.cols(); ++c)
            d(r, c) = a(r, c) - b(r, c);
    return d;
}

Matrix operator*(double s, const Matrix& a) {
    Matrix m(a.rows(), a.cols());
    for (std::size_t r = 0; r < a.rows(); ++r)
        for (std::size_t c = 0; c < a.cols(); ++c)
            m(r, c) = s * a(r, c);
    return m;
}

std::vector<double> operator*(const Matrix& a, const std::vector<double>& x) {
    if (a.cols() != x.size()) throw std::invalid_argument("matrix-vector product: dimensions differ");
    std::vector<double> y(a.rows(), 0.0);
    for (std::size_t r = 0; r < a.rows(); ++r)
        for (std::size_t c = 0; c < a.cols(); ++c)
            y[r] += a(r, c) * x[c];
    return y;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) throw std::invalid_argument("dot product: lengths differ");
    return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
}

SymmetricEigen symmetric_eigen(const Matrix& input) {
    const std::size_t n = input.rows();
    if (input.cols() != n) throw std::invalid_argument("eigendecomposition of a non-square matrix");
    Matrix a = input;
    Matrix v = Matrix::identity(n);
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0.0, total = 0.0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                total += a(i, j) * a(i, j);
                if (i != j) off += a(i, j) * a(i, j);
            }
        if (off <= 1e-30 * total || off == 0.0) break;
        for (std::size_t p = 0; p + 1 < n; ++p)
            for (std::size_t q = p + 1; q < n; ++q) {
                const double apq = a(p, q);
                if (apq == 0.0) continue;
                // Rotation angle that zeroes a(p, q) (Golub & Van Loan, the symmetric Schur step).
                const double theta = (a(q, q) - a(p, p)) / (2.0 * apq);
                const double t = (theta >= 0.0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
                const double c = 1.0 / std::sqrt(t * t + 1.0);
                const double s = t * c;
                for (std::size_t k = 0; k < n; ++k) {
                    const double akp = a(k, p), akq = a(k, q);
                    a(k, p) = c * akp - s * akq;
                    a(k, q) = s * akp + c * akq;
                }
                for (std::size_t k = 0; k < n; ++k) {
                    const double apk = a(p, k), aqk = a(q, k);
                    a(p, k) = c * apk - s * aqk;
                    a(q, k) = s * apk + c * aqk;
                }
                for (std::size_t k = 0; k < n; ++k) {
                    const double vkp = v(k, p), vkq = v(k, q);
                    v(k, p) = c * vkp - s * vkq;
                    v(k, q) = s * vkp + c * vkq;
                }
            }
    }
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return a(x, x) < a(y, y); });
    SymmetricEigen out{std::vector<double>(n), Matrix(n, n)};
    for (std::size_t k = 0; k < n; ++k) {
        out.values[k] = a(order[k], order[k]);
        for (std::size_t r = 0; r < n; ++r)
            out.vectors(r, k) = v(r, order[k]);
    }
    return out;
}

namespace {

// V diag(f(lambda)) V' over the eigenvalues kept (f = 1/lambda).
Matrix inverse_from(const SymmetricEigen& e, double threshold, std::size_t& rank) {
    const std::size_t n = e.values.size();
    Matrix out(n, n);
    rank = 0;
    for (std::size_t k = 0; k < n; ++k) {
        if (!(e.values[k] > threshold)) continue;
        ++rank;
        const double inv = 1.0 / e.values[k];
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t c = 0; c < n; ++c)
                out(r, c) += e.vectors(r, k) * inv * e.vectors(c, k);
    }
    return out;
}

bool all_finite(const Matrix& a) {
    return std::all_of(a.data().begin(), a.data().end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

std::optional<Matrix> spd_inverse(const Matrix& a, double rel_tol) {
    if (a.rows() == 0 || !all_finite(a)) return std::nullopt;
    const SymmetricEigen e = symmetric_eigen(a);
    const double largest = e.values.back();
    if (!(largest > 0.0) || !(e.values.front() > rel_tol * largest)) return std::nullopt;
    std::size_t rank = 0;
    return inverse_from(e, 0.0, rank);
}

Matrix psd_pseudo_inverse(const Matrix& a, double rel_tol, std::size_t& rank) {
    rank = 0;
    if (a.rows() == 0) return a;
    if (!all_finite(a)) throw std::invalid_argument("pseudo-inverse of a matrix with non-finite entries");
    const SymmetricEigen e = symmetric_eigen(a);
    const double largest = std::max(0.0, e.values.back());
    if (largest == 0.0) return Matrix(a.rows(), a.cols());
    return inverse_from(e, rel_tol * largest, rank);
}

}  // namespace pricewar::estimation
