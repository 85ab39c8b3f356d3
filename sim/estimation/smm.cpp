#include "sim/estimation/smm.hpp"

#include <nlopt.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/math/distributions/chi_squared.hpp>

namespace pricewar::estimation {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// What the optimiser is told for a failed evaluation: large, yet far from overflowing the
// arithmetic of its models.
constexpr double kFailedObjective = 1e100;

// Owns an nlopt_opt.
struct OptDeleter {
    void operator()(nlopt_opt opt) const { nlopt_destroy(opt); }
};
using Opt = std::unique_ptr<std::remove_pointer_t<nlopt_opt>, OptDeleter>;

nlopt_algorithm nlopt_global(GlobalAlgorithm a) {
    switch (a) {
        case GlobalAlgorithm::crs2:
            return NLOPT_GN_CRS2_LM;
        case GlobalAlgorithm::isres:
            return NLOPT_GN_ISRES;
        case GlobalAlgorithm::esch:
            return NLOPT_GN_ESCH;
        case GlobalAlgorithm::none:
            break;
    }
    throw std::invalid_argument("no global algorithm");
}

nlopt_algorithm nlopt_local(LocalAlgorithm a) {
    switch (a) {
        case LocalAlgorithm::bobyqa:
            return NLOPT_LN_BOBYQA;
        case LocalAlgorithm::neldermead:
            return NLOPT_LN_NELDERMEAD;
        case LocalAlgorithm::sbplx:
            return NLOPT_LN_SBPLX;
        case LocalAlgorithm::none:
            break;
    }
    throw std::invalid_argument("no local algorithm");
}

std::vector<double> column_means(const std::vector<double>& values, std::size_t runs, std::size_t moments) {
    std::vector<double> mean(moments, 0.0);
    for (std::size_t s = 0; s < runs; ++s)
        for (std::size_t k = 0; k < moments; ++k)
            mean[k] += values[s * moments + k];
    for (auto& m : mean)
        m /= static_cast<double>(runs);
    return mean;
}

// Sample covariance (denominator S - 1) of the columns.
Matrix column_covariance(const std::vector<double>& values, std::size_t runs, std::size_t moments) {
    const auto mean = column_means(values, runs, moments);
    Matrix c(moments, moments);
    for (std::size_t s = 0; s < runs; ++s)
        for (std::size_t a = 0; a < moments; ++a)
            for (std::size_t b = 0; b < moments; ++b)
                c(a, b) += (values[s * moments + a] - mean[a]) * (values[s * moments + b] - mean[b]);
    const double denominator = static_cast<double>(runs) - 1.0;
    for (std::size_t a = 0; a < moments; ++a)
        for (std::size_t b = 0; b < moments; ++b)
            c(a, b) /= denominator;
    return c;
}

class Estimator {
public:
    Estimator(const Problem& problem, const Simulate& simulate) : pb_(problem), simulate_(simulate) {}

    Estimate run();

private:
    struct Point {
        std::vector<double> u;       // unit-cube coordinates first asked for
        std::vector<double> values;  // S x M
    };
    struct Callback {
        Estimator* self;
        Stage stage;
        nlopt_opt opt;
    };

    std::size_t P() const { return pb_.parameters.size(); }
    std::size_t M() const { return pb_.moments.size(); }
    std::size_t S() const { return pb_.runs; }

    // The trace index of the point u (simulated now or earlier); nullopt when interrupted.
    std::optional<std::size_t> evaluate(std::vector<double> u, Stage stage);
    double objective(const TraceEntry& e) const;
    void run_stage(Stage stage, nlopt_algorithm algorithm, int max_evals, std::vector<double>& x);
    static double nlopt_objective(unsigned n, const double* x, double* grad, void* data);
    void finish_at(std::size_t best);

    const Problem& pb_;
    const Simulate& simulate_;
    Estimate out_;
    std::vector<Point> points_;  // parallel to out_.trace
    std::map<std::vector<std::uint64_t>, std::size_t> index_;
    bool weights_ready_ = false;
    bool interrupted_ = false;
    std::exception_ptr error_;
};

double Estimator::objective(const TraceEntry& e) const {
    if (!e.ok) return kInf;
    double q = 0.0;
    for (std::size_t k = 0; k < M(); ++k) {
        const double g = e.means[k] - pb_.targets[k];
        q += out_.weights[k] * g * g;
    }
    return q;
}

std::optional<std::size_t> Estimator::evaluate(std::vector<double> u, Stage stage) {
    std::vector<double> theta(P());
    std::vector<std::uint64_t> key(P());
    for (std::size_t j = 0; j < P(); ++j) {
        u[j] = std::clamp(u[j], 0.0, 1.0);
        theta[j] = from_unit(pb_.parameters[j], u[j]);
        key[j] = std::bit_cast<std::uint64_t>(theta[j]);
    }
    if (const auto it = index_.find(key); it != index_.end()) return it->second;
    std::optional<Simulated> sim = simulate_(theta, stage);
    if (!sim) return std::nullopt;
    TraceEntry e;
    e.theta = theta;
    e.stage = stage;
    e.seconds = sim->seconds;
    e.ok = sim->ok;
    e.error = sim->error;
    if (sim->values.size() != S() * M()) {
        if (e.ok)
            throw std::invalid_argument(fmt::format("an evaluation returned {} statistics for {} runs x {} moments",
                                                    sim->values.size(), S(), M()));
        sim->values.assign(S() * M(), kNaN);
    }
    e.means = column_means(sim->values, S(), M());
    if (e.ok && !std::all_of(sim->values.begin(), sim->values.end(), [](double v) { return std::isfinite(v); })) {
        e.ok = false;
        e.error = "a moment statistic is not finite in some run";
    }
    e.objective = weights_ready_ ? objective(e) : kNaN;
    out_.trace.push_back(std::move(e));
    points_.push_back({std::move(u), std::move(sim->values)});
    const std::size_t i = out_.trace.size() - 1;
    index_.emplace(std::move(key), i);
    return i;
}

double Estimator::nlopt_objective(unsigned n, const double* x, double* /*grad*/, void* data) {
    auto& cb = *static_cast<Callback*>(data);
    Estimator& self = *cb.self;
    ++self.out_.stages[static_cast<std::size_t>(cb.stage)].calls;
    if (self.interrupted_ || self.error_) {
        nlopt_force_stop(cb.opt);
        return kFailedObjective;
    }
    try {
        const auto i = self.evaluate(std::vector<double>(x, x + n), cb.stage);
        if (!i) {
            self.interrupted_ = true;
            nlopt_force_stop(cb.opt);
            return kFailedObjective;
        }
        const double q = self.out_.trace[*i].objective;
        return std::isfinite(q) ? q : kFailedObjective;
    } catch (...) {
        // Never through NLopt's C frames.
        self.error_ = std::current_exception();
        nlopt_force_stop(cb.opt);
        return kFailedObjective;
    }
}

void Estimator::run_stage(Stage stage, nlopt_algorithm algorithm, int max_evals, std::vector<double>& x) {
    const auto n = static_cast<unsigned>(P());
    Opt opt(nlopt_create(algorithm, n));
    if (!opt) throw std::runtime_error("NLopt could not create its optimiser");
    Callback cb{this, stage, opt.get()};
    const std::vector<double> lower(P(), 0.0), upper(P(), 1.0);
    nlopt_set_lower_bounds(opt.get(), lower.data());
    nlopt_set_upper_bounds(opt.get(), upper.data());
    nlopt_set_min_objective(opt.get(), &Estimator::nlopt_objective, &cb);
    nlopt_set_maxeval(opt.get(), max_evals);
    nlopt_set_xtol_rel(opt.get(), pb_.settings.xtol_rel);
    if (stage == Stage::local) {
        std::vector<double> step(P(), pb_.settings.local_step);
        nlopt_set_initial_step(opt.get(), step.data());
    }
    // The global algorithms draw from NLopt's generator: seeded, the stage repeats exactly,
    // which is what lets a resumed calibration replay it from the journal.
    nlopt_srand(static_cast<unsigned long>(pb_.settings.algorithm_seed + static_cast<std::uint64_t>(stage)));
    double f = 0.0;
    const nlopt_result result = nlopt_optimize(opt.get(), x.data(), &f);
    auto& report = out_.stages[static_cast<std::size_t>(stage)];
    report.ran = true;
    const char* name = nlopt_result_to_string(result);
    report.result = name != nullptr ? name : fmt::format("{}", static_cast<int>(result));
    if (error_) std::rethrow_exception(error_);
}

void Estimator::finish_at(std::size_t best) {
    const auto& e = out_.trace[best];
    const std::vector<double> u_hat = points_[best].u;
    out_.theta = e.theta;
    out_.objective = e.objective;
    out_.means = e.means;
    out_.runs_at_estimate = points_[best].values;
    out_.sigma = column_covariance(points_[best].values, S(), M());
    out_.sds.resize(M());
    out_.contributions.resize(M());
    std::vector<double> g(M());
    for (std::size_t k = 0; k < M(); ++k) {
        out_.sds[k] = std::sqrt(out_.sigma(k, k));
        g[k] = e.means[k] - pb_.targets[k];
        out_.contributions[k] = out_.weights[k] * g[k] * g[k];
    }

    // Central differences in unit-cube coordinates (one-sided at a bound), same seeds.
    const double h = pb_.settings.jacobian_step;
    out_.jacobian_unit = Matrix(M(), P());
    out_.jacobian = Matrix(M(), P());
    bool jacobian_ok = true;
    for (std::size_t j = 0; j < P(); ++j) {
        std::vector<double> up = u_hat, down = u_hat;
        up[j] = std::min(1.0, u_hat[j] + h);
        down[j] = std::max(0.0, u_hat[j] - h);
        const auto iu = evaluate(up, Stage::jacobian);
        if (!iu) return;
        const auto id = evaluate(down, Stage::jacobian);
        if (!id) return;
        const auto& a = out_.trace[*iu];
        const auto& b = out_.trace[*id];
        const double du = points_[*iu].u[j] - points_[*id].u[j];
        const double dtheta_du = unit_derivative(pb_.parameters[j], u_hat[j]);
        for (std::size_t k = 0; k < M(); ++k) {
            const double d = a.ok && b.ok ? (a.means[k] - b.means[k]) / du : kNaN;
            out_.jacobian_unit(k, j) = d;
            out_.jacobian(k, j) = d / dtheta_du;
        }
        if (!a.ok || !b.ok) {
            jacobian_ok = false;
            out_.warnings.push_back(fmt::format("the Jacobian's points for parameter '{}' could not be simulated: {}",
                                                pb_.parameters[j].name, !a.ok ? a.error : b.error));
        }
    }
    out_.complete = true;

    const double factor = 1.0 + 1.0 / static_cast<double>(S());
    const Matrix W = Matrix::diagonal(out_.weights);
    const Matrix& D = out_.jacobian_unit;
    const Matrix Dt = transpose(D);
    const auto bread = jacobian_ok ? spd_inverse(Dt * W * D) : std::nullopt;
    out_.se.assign(P(), kNaN);
    out_.se_unit.assign(P(), kNaN);
    out_.ci_low.assign(P(), kNaN);
    out_.ci_high.assign(P(), kNaN);
    out_.covariance = Matrix(P(), P(), kNaN);
    out_.j_statistic = kNaN;
    out_.j_df = static_cast<int>(M() - P());
    out_.j_pvalue = kNaN;
    if (!bread) {
        if (jacobian_ok)
            out_.warnings.push_back(
                "D'WD is singular: some parameter (or combination) does not move any moment at the estimate; no "
                "standard errors");
        return;
    }
    out_.identified = true;
    const Matrix omega = factor * out_.sigma;
    const Matrix v_unit = (*bread) * (Dt * W * omega * W * D) * (*bread);
    for (std::size_t a = 0; a < P(); ++a)
        for (std::size_t b = 0; b < P(); ++b)
            out_.covariance(a, b) = v_unit(a, b) * unit_derivative(pb_.parameters[a], u_hat[a]) *
                                    unit_derivative(pb_.parameters[b], u_hat[b]);
    for (std::size_t j = 0; j < P(); ++j) {
        const Parameter& p = pb_.parameters[j];
        const double sd_u = std::sqrt(std::max(0.0, v_unit(j, j)));
        out_.se[j] = sd_u * unit_derivative(p, u_hat[j]);
        if (p.log) {
            out_.se_unit[j] = sd_u * std::log(p.hi / p.lo);
            out_.ci_low[j] = out_.theta[j] * std::exp(-1.96 * out_.se_unit[j]);
            out_.ci_high[j] = out_.theta[j] * std::exp(1.96 * out_.se_unit[j]);
        } else {
            out_.se_unit[j] = sd_u * (p.hi - p.lo);
            out_.ci_low[j] = out_.theta[j] - 1.96 * out_.se_unit[j];
            out_.ci_high[j] = out_.theta[j] + 1.96 * out_.se_unit[j];
        }
    }

    // J: g' V_g^+ g with V_g = P Omega P', P = I - D (D'WD)^-1 D'W, the asymptotic variance of
    // the moment discrepancy at the estimate for any W; with W proportional to Omega^-1 it is
    // g' Omega^-1 g.
    if (M() > P()) {
        const Matrix proj = Matrix::identity(M()) - D * (*bread) * Dt * W;
        const Matrix vg = proj * omega * transpose(proj);
        std::size_t rank = 0;
        const Matrix vg_plus = psd_pseudo_inverse(vg, 1e-9, rank);
        out_.j_statistic = dot(g, vg_plus * g);
        out_.j_df = static_cast<int>(std::min(rank, M() - P()));
        if (out_.j_df < static_cast<int>(M() - P()))
            out_.warnings.push_back(
                fmt::format("the moments' covariance at the estimate has rank {}: the J statistic has {} degrees of "
                            "freedom, not {}",
                            rank, out_.j_df, M() - P()));
        out_.j_pvalue = chi_squared_upper(out_.j_statistic, out_.j_df);
    } else {
        out_.j_statistic = 0.0;
        out_.j_df = 0;
    }
}

Estimate Estimator::run() {
    const auto& settings = pb_.settings;
    std::vector<double> u0(P());
    for (std::size_t j = 0; j < P(); ++j)
        u0[j] = to_unit(pb_.parameters[j], pb_.parameters[j].start);
    out_.stages[static_cast<std::size_t>(Stage::start)].ran = true;
    out_.stages[static_cast<std::size_t>(Stage::start)].calls = 1;
    const auto start = evaluate(u0, Stage::start);
    if (!start) return std::move(out_);
    const TraceEntry& s0 = out_.trace[*start];
    if (!s0.ok) throw EstimationError("the start point cannot be simulated: " + s0.error);

    // W's diagonal.
    out_.weights = pb_.weights;
    if (settings.inverse_variance) {
        const Matrix c = column_covariance(points_[*start].values, S(), M());
        for (std::size_t k = 0; k < M(); ++k) {
            if (!(c(k, k) > 0.0))
                throw EstimationError(fmt::format(
                    "moment '{}' has zero variance over the {} runs at the start point, so its inverse-variance weight "
                    "is infinite (use [weights] kind = \"given\", more seeds, or another moment)",
                    pb_.moments[k], S()));
            out_.weights[k] = pb_.weights[k] / c(k, k);
        }
    }
    weights_ready_ = true;
    for (auto& e : out_.trace)
        e.objective = objective(e);

    std::vector<double> x = points_[*start].u;
    if (settings.global != GlobalAlgorithm::none && settings.global_evals > 0) {
        run_stage(Stage::global, nlopt_global(settings.global), settings.global_evals, x);
        if (interrupted_) return std::move(out_);
    }
    if (settings.local != LocalAlgorithm::none && settings.local_evals > 0) {
        // From the best point so far.
        std::size_t best = 0;
        for (std::size_t i = 1; i < out_.trace.size(); ++i)
            if (out_.trace[i].objective < out_.trace[best].objective) best = i;
        x = points_[best].u;
        run_stage(Stage::local, nlopt_local(settings.local), settings.local_evals, x);
        if (interrupted_) return std::move(out_);
    }
    std::size_t best = 0;
    for (std::size_t i = 1; i < out_.trace.size(); ++i)
        if (out_.trace[i].stage != Stage::jacobian && out_.trace[i].objective < out_.trace[best].objective) best = i;
    finish_at(best);
    if (!out_.complete) return std::move(out_);
    return std::move(out_);
}

}  // namespace

double to_unit(const Parameter& p, double value) {
    if (p.log) return (std::log(value) - std::log(p.lo)) / (std::log(p.hi) - std::log(p.lo));
    return (value - p.lo) / (p.hi - p.lo);
}

double from_unit(const Parameter& p, double u) {
    if (u <= 0.0) return p.lo;
    if (u >= 1.0) return p.hi;
    if (p.log) return std::exp(std::log(p.lo) + u * (std::log(p.hi) - std::log(p.lo)));
    return p.lo + u * (p.hi - p.lo);
}

double unit_derivative(const Parameter& p, double u) {
    if (p.log) return from_unit(p, u) * (std::log(p.hi) - std::log(p.lo));
    return p.hi - p.lo;
}

const char* to_string(Stage stage) {
    return stage_names[static_cast<std::size_t>(stage)];
}

std::int64_t evaluation_budget(const Problem& problem) {
    const auto& s = problem.settings;
    std::int64_t n = 1 + 2 * static_cast<std::int64_t>(problem.parameters.size());
    if (s.global != GlobalAlgorithm::none) n += s.global_evals;
    if (s.local != LocalAlgorithm::none) n += s.local_evals;
    return n;
}

double chi_squared_upper(double x, int df) {
    if (df <= 0 || !std::isfinite(x)) return kNaN;
    if (x <= 0.0) return 1.0;
    const boost::math::chi_squared_distribution<double> d(static_cast<double>(df));
    return boost::math::cdf(boost::math::complement(d, x));
}

Estimate estimate(const Problem& problem, const Simulate& simulate) {
    const std::size_t P = problem.parameters.size(), M = problem.moments.size();
    if (P == 0) throw std::invalid_argument("no parameter to estimate");
    if (M < P) throw std::invalid_argument("fewer moments than parameters");
    if (problem.targets.size() != M || problem.weights.size() != M)
        throw std::invalid_argument("one target and one weight per moment are needed");
    if (problem.runs < 2) throw std::invalid_argument("at least 2 runs per evaluation are needed");
    for (const auto& p : problem.parameters)
        if (!(p.lo < p.hi) || (p.log && !(p.lo > 0.0)) || !(p.start >= p.lo && p.start <= p.hi))
            throw std::invalid_argument("parameter '" + p.name + "': bounds or start out of order");
    Estimator estimator(problem, simulate);
    return estimator.run();
}

}  // namespace pricewar::estimation
