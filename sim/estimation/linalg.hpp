#pragma once
// Small dense matrices for the estimator (a handful of parameters and moments): products,
// the symmetric eigendecomposition and the inverses built on it. Not a general library.

#include <cstddef>
#include <optional>
#include <vector>

namespace pricewar::estimation {

// Row-major rows x cols matrix of doubles.
class Matrix {
public:
    Matrix() = default;
    Matrix(std::size_t rows, std::size_t cols, double fill = 0.0)
        : rows_(rows), cols_(cols), data_(rows * cols, fill) {}
    static Matrix identity(std::size_t n);
    static Matrix diagonal(const std::vector<double>& d);

    [[nodiscard]] std::size_t rows() const { return rows_; }
    [[nodiscard]] std::size_t cols() const { return cols_; }
    double& operator()(std::size_t r, std::size_t c) { return data_[r * cols_ + c]; }
    [[nodiscard]] double operator()(std::size_t r, std::size_t c) const { return data_[r * cols_ + c]; }
    [[nodiscard]] const std::vector<double>& data() const { return data_; }

private:
    std::size_t rows_ = 0, cols_ = 0;
    std::vector<double> data_;
};

Matrix transpose(const Matrix& a);
Matrix operator*(const Matrix& a, const Matrix& b);
Matrix operator-(const Matrix& a, const Matrix& b);
Matrix operator*(double s, const Matrix& a);
std::vector<double> operator*(const Matrix& a, const std::vector<double>& x);
double dot(const std::vector<double>& a, const std::vector<double>& b);

// Eigenvalues (ascending) and eigenvectors (the columns of `vectors`) of a symmetric matrix,
// by cyclic Jacobi rotations: accurate to rounding for the small matrices used here.
struct SymmetricEigen {
    std::vector<double> values;
    Matrix vectors;
};
SymmetricEigen symmetric_eigen(const Matrix& a);

// Inverse of a symmetric positive definite matrix; nullopt when its smallest eigenvalue is
// not above rel_tol times its largest (singular or nearly so).
std::optional<Matrix> spd_inverse(const Matrix& a, double rel_tol = 1e-12);

// Moore-Penrose pseudo-inverse of a symmetric positive semi-definite matrix: eigenvalues not
// above rel_tol times the largest count as zero. `rank` receives the eigenvalues kept.
Matrix psd_pseudo_inverse(const Matrix& a, double rel_tol, std::size_t& rank);

}  // namespace pricewar::estimation
