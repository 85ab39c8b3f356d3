#pragma once
// The simulated method of moments (Gourieroux & Monfort 1996; Franke & Westerhoff 2012;
// Grazzini & Richiardi 2015), separate from the simulator: the caller supplies a function
// that simulates S runs at a parameter vector and returns each run's moment statistics. The
// estimator minimises Q(theta) = g' W g, g = (mean over the S runs of the statistics) - targets,
// with NLopt (a global stage, then a local one) in the unit cube, then computes the numerical
// Jacobian, sandwich standard errors with the simulation factor (1 + 1/S) and the J statistic.
// Formulas and assumptions: docs/calibration-method.md.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/estimation/linalg.hpp"

namespace pricewar::estimation {

struct Parameter {
    std::string name;
    double lo = 0.0, hi = 1.0;  // bounds, lo < hi (lo > 0 on a log scale)
    bool log = false;           // optimised and differentiated in ln(theta)
    double start = 0.0;
};

// The unit-cube coordinate of a value and back: linear, or linear in the logarithm.
double to_unit(const Parameter& p, double value);
double from_unit(const Parameter& p, double u);
// d(theta)/du at u.
double unit_derivative(const Parameter& p, double u);

enum class GlobalAlgorithm { none, crs2, isres, esch };
enum class LocalAlgorithm { none, bobyqa, neldermead, sbplx };

struct Settings {
    GlobalAlgorithm global = GlobalAlgorithm::crs2;
    LocalAlgorithm local = LocalAlgorithm::bobyqa;
    int global_evals = 100;  // objective calls NLopt may make in each stage
    int local_evals = 100;
    double xtol_rel = 1e-4;
    double local_step = 0.1;           // the local stage's initial step, in unit-cube coordinates
    std::uint64_t algorithm_seed = 1;  // nlopt_srand before each stage: reproducible global stages
    double jacobian_step = 0.02;       // central-difference step, in unit-cube coordinates
    bool inverse_variance = false;     // W = diag(weight_k / variance_k at the start point)
};

// Which part of the estimation asked for an evaluation.
enum class Stage { start, global, local, jacobian };
inline constexpr std::array<const char*, 4> stage_names{"start", "global", "local", "jacobian"};
const char* to_string(Stage stage);

// What simulating S runs at one parameter vector gave: row s holds run s's statistics, one
// per moment (row-major S x M). ok = false: a run failed or a statistic is not finite; the
// evaluation then has Q = +inf.
struct Simulated {
    std::vector<double> values;
    bool ok = true;
    std::string error;
    double seconds = 0.0;  // wall time of the evaluation
};

// Simulates at theta (in the parameters' own units, not the unit cube). nullopt: interrupted;
// the estimation stops without a result.
using Simulate = std::function<std::optional<Simulated>(const std::vector<double>& theta, Stage stage)>;

struct Problem {
    std::vector<Parameter> parameters;
    std::vector<std::string> moments;  // names
    std::vector<double> targets;       // one per moment
    std::vector<double> weights;       // one per moment: W's diagonal, or its multiplier under inverse_variance
    std::size_t runs = 2;              // S, runs per evaluation (>= 2)
    Settings settings;
};

// Thrown when the estimation cannot proceed (the start point fails, a weight cannot be formed).
struct EstimationError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One distinct parameter vector simulated, in the order first asked for.
struct TraceEntry {
    std::vector<double> theta;
    Stage stage = Stage::start;
    double objective = 0.0;     // Q; +inf when the evaluation failed
    std::vector<double> means;  // per moment, over the S runs
    double seconds = 0.0;
    bool ok = true;
    std::string error;
};

struct StageReport {
    bool ran = false;
    int calls = 0;       // objective calls (repeated points included)
    std::string result;  // NLopt's return code, e.g. "XTOL_REACHED", "MAXEVAL_REACHED"
};

struct Estimate {
    bool complete = false;        // false: interrupted; only trace (and weights) are filled
    std::vector<double> weights;  // W's diagonal

    std::vector<double> theta;  // the estimate: the point of least Q among those simulated
    double objective = 0.0;
    std::vector<double> se;               // standard errors in the parameters' units (delta method)
    std::vector<double> se_unit;          // in the scale optimised: of theta (linear) or ln(theta) (log)
    std::vector<double> ci_low, ci_high;  // theta-hat -/+ 1.96 se in the parameter's scale
    Matrix covariance;                    // of theta-hat, parameters' units (P x P)
    bool identified = false;              // D'WD invertible: otherwise se and covariance are NaN

    std::vector<double> means, sds;        // per moment at the estimate
    std::vector<double> contributions;     // W_kk g_k^2; they sum to Q
    Matrix sigma;                          // covariance of the statistics across runs at the estimate (M x M)
    Matrix jacobian;                       // d mean / d theta at the estimate, parameters' units (M x P)
    Matrix jacobian_unit;                  // the same in unit-cube coordinates
    std::vector<double> runs_at_estimate;  // S x M statistics at the estimate

    double j_statistic = 0.0;  // g' V_g^+ g, chi-squared with j_df degrees of freedom under correct specification
    int j_df = 0;
    double j_pvalue = 0.0;  // NaN when j_df == 0

    std::array<StageReport, 4> stages;  // by Stage
    std::vector<TraceEntry> trace;
    std::vector<std::string> warnings;
};

// Runs the estimation. Throws EstimationError when the start point cannot be simulated or an
// inverse-variance weight cannot be formed, std::invalid_argument on an inconsistent problem.
Estimate estimate(const Problem& problem, const Simulate& simulate);

// Evaluations the settings allow at most (start, both stages, the Jacobian's 2P points):
// an upper bound for progress.
std::int64_t evaluation_budget(const Problem& problem);

// Upper tail of the chi-squared distribution: P(X > x), X ~ chi2(df).
double chi_squared_upper(double x, int df);

}  // namespace pricewar::estimation
