#include "agents/learning/q_learning.hpp"

#include "sim/model/rng.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace pricewar::learning {

namespace {

constexpr std::size_t kMaxQEntries = std::size_t{1} << 26;  // 512 MiB of doubles

// base^exponent, or 0 if the result would exceed `limit`.
std::size_t checked_power(std::size_t base, long long exponent, std::size_t limit) {
    std::size_t result = 1;
    for (long long k = 0; k < exponent; ++k) {
        if (result > limit / base) return 0;
        result *= base;
    }
    return result;
}

struct Dimensions {
    std::size_t n = 0;         // agents
    std::size_t m = 0;         // grid size
    std::size_t profiles = 0;  // m^n
    std::size_t states = 0;    // profiles^memory
};

// Validates the sizes shared by the session and greedy_limit_cycle.
Dimensions dimensions(int n_agents, int grid_size, int memory) {
    if (n_agents < 2) throw std::invalid_argument("q-learning: n_agents must be >= 2, got " + std::to_string(n_agents));
    if (grid_size < 2)
        throw std::invalid_argument("q-learning: grid_size must be >= 2, got " + std::to_string(grid_size));
    if (memory < 1) throw std::invalid_argument("q-learning: memory must be >= 1, got " + std::to_string(memory));
    Dimensions d;
    d.n = static_cast<std::size_t>(n_agents);
    d.m = static_cast<std::size_t>(grid_size);
    const std::size_t per_state = d.n * d.m;  // Q entries per state, all agents together
    const std::size_t state_limit = kMaxQEntries / per_state;
    d.profiles = checked_power(d.m, n_agents, state_limit);
    d.states = d.profiles == 0 ? 0 : checked_power(d.profiles, memory, state_limit);
    if (d.states == 0)
        throw std::invalid_argument("q-learning: state space too large (n_agents=" + std::to_string(n_agents) +
                                    ", grid_size=" + std::to_string(grid_size) + ", memory=" + std::to_string(memory) +
                                    "); the Q tables would exceed " + std::to_string(kMaxQEntries) + " entries");
    return d;
}

std::vector<int> decode_profile(std::size_t profile, std::size_t n, std::size_t m) {
    std::vector<int> a(n);
    for (std::size_t i = 0; i < n; ++i) {
        a[i] = static_cast<int>(profile % m);
        profile /= m;
    }
    return a;
}

// Largest entry of row[0..m) other than row[skip] (m >= 2), branch-free with two
// independent running maxima.
inline double max_excluding(const double* row, std::size_t m, std::size_t skip) noexcept {
    constexpr double lowest = -std::numeric_limits<double>::infinity();
    double m0 = lowest;
    double m1 = lowest;
    std::size_t b = 0;
    for (; b + 2 <= m; b += 2) {
        const double v0 = b == skip ? lowest : row[b];
        const double v1 = b + 1 == skip ? lowest : row[b + 1];
        m0 = v0 > m0 ? v0 : m0;
        m1 = v1 > m1 ? v1 : m1;
    }
    if (b < m) {
        const double v = b == skip ? lowest : row[b];
        m0 = v > m0 ? v : m0;
    }
    return m1 > m0 ? m1 : m0;
}

// Lowest index b with row[b] == value (value is an entry of row[0..m)).
inline std::size_t first_index_of(const double* row, std::size_t m, double value) noexcept {
    std::size_t b = 0;
    while (b + 1 < m && row[b] != value)
        ++b;
    return b;
}

struct LearningTables {
    double* q;                   // q[(i * states + s) * m + a]
    int* greedy;                 // greedy[i * states + s]
    double* other;               // other[i * states + s] = max_{a != greedy} q(i, s, a)
    const double* profit_table;  // profit_table[profile * n + i]
    std::size_t n;
    std::size_t m;
    std::size_t profiles;
    std::size_t states;
};

struct LearningOutcome {
    bool converged = false;
    long long periods = 0;
    std::size_t final_state = 0;
};

// The learning loop.  N > 0 fixes the number of agents at compile time (N == 0: use
// tables.n); MemoryOne selects the memory-1 state transition.
template <std::size_t N, bool MemoryOne>
LearningOutcome learn(const LearningTables& tables, const QLearningConfig& config, std::uint64_t seed) {
    const std::size_t n = N > 0 ? N : tables.n;
    const std::size_t m = tables.m;
    const std::size_t profiles = tables.profiles;
    const std::size_t states = tables.states;
    const std::size_t tail = states / profiles;
    double* const qdata = tables.q;
    int* const gdata = tables.greedy;
    double* const odata = tables.other;
    const double* const pdata = tables.profit_table;

    const auto m32 = static_cast<std::uint32_t>(m);
    const double alpha = config.alpha;
    const double keep = 1.0 - alpha;
    const double delta = config.delta;
    const double beta = config.beta;
    const double decay = std::exp(-beta);
    const long long window = config.convergence_window;
    const long long max_periods = config.max_periods;

    Rng rng(seed);
    std::size_t s = states <= std::numeric_limits<std::uint32_t>::max() ? rng.below(static_cast<std::uint32_t>(states))
                                                                        : static_cast<std::size_t>(rng() % states);

    constexpr std::size_t kInline = N > 0 ? N : 1;
    std::array<std::size_t, kInline> fixed_action{};
    std::vector<std::size_t> dynamic_action(N > 0 ? 0 : n);
    std::size_t* const action = N > 0 ? fixed_action.data() : dynamic_action.data();

    double eps = 1.0;
    long long stable = 0;
    long long t = 0;
    bool converged = false;
    while (t < max_periods) {
        // epsilon_t = exp(-beta t): exact every 1024 periods, geometric decay in between
        // (relative drift below 1e-12).
        if ((t & 1023) == 0) eps = std::exp(-beta * static_cast<double>(t));
        std::size_t profile = 0;
        std::size_t mult = 1;
        for (std::size_t i = 0; i < n; ++i) {
            const bool explore = rng.uniform() < eps;
            const std::size_t a =
                explore ? static_cast<std::size_t>(rng.below(m32)) : static_cast<std::size_t>(gdata[i * states + s]);
            action[i] = a;
            profile += a * mult;
            mult *= m;
        }
        const std::size_t next = MemoryOne ? profile : (s % tail) * profiles + profile;

        bool changed = false;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t base = i * states;
            const double continuation = qdata[(base + next) * m + static_cast<std::size_t>(gdata[base + next])];
            const double target = pdata[profile * n + i] + delta * continuation;
            double* const row = qdata + (base + s) * m;
            const std::size_t a = action[i];
            const double old_value = row[a];
            const double new_value = keep * old_value + alpha * target;
            row[a] = new_value;
            int& g = gdata[base + s];
            double& other = odata[base + s];  // max over the non-greedy actions of this row
            const auto gi = static_cast<std::size_t>(g);
            if (a == gi) {
                // The incumbent stays greedy unless another action is now strictly better.
                if (new_value < other) {
                    const std::size_t best = first_index_of(row, m, other);
                    g = static_cast<int>(best);
                    other = max_excluding(row, m, best);
                    changed = true;
                }
            } else if (new_value > row[gi]) {
                g = static_cast<int>(a);
                other = max_excluding(row, m, a);
                changed = true;
            } else if (new_value >= old_value) {
                other = new_value > other ? new_value : other;
            } else if (old_value == other) {
                other = max_excluding(row, m, gi);
            }
        }
        s = next;
        ++t;
        if (changed) {
            stable = 0;
        } else if (++stable >= window) {
            converged = true;
            break;
        }
        eps *= decay;
    }
    return LearningOutcome{converged, t, s};
}

}  // namespace

std::size_t max_q_entries() noexcept {
    return kMaxQEntries;
}

void validate(const QLearningConfig& c) {
    dimensions(c.n_agents, c.grid_size, c.memory);
    if (!(std::isfinite(c.xi) && c.xi >= 0.0)) throw std::invalid_argument("q-learning: xi must be finite and >= 0");
    if (!(c.alpha > 0.0 && c.alpha <= 1.0)) throw std::invalid_argument("q-learning: alpha must be in (0, 1]");
    if (!(std::isfinite(c.beta) && c.beta >= 0.0))
        throw std::invalid_argument("q-learning: beta must be finite and >= 0");
    if (!(c.delta >= 0.0 && c.delta < 1.0)) throw std::invalid_argument("q-learning: delta must be in [0, 1)");
    if (c.convergence_window < 1) throw std::invalid_argument("q-learning: convergence_window must be >= 1");
    if (c.max_periods < 1) throw std::invalid_argument("q-learning: max_periods must be >= 1");
    validate(c.market);
    if (c.market.quality.size() != static_cast<std::size_t>(c.n_agents))
        throw std::invalid_argument("q-learning: market has " + std::to_string(c.market.quality.size()) +
                                    " firms but n_agents is " + std::to_string(c.n_agents));
}

std::vector<std::vector<double>> price_grids(const LogitMarket& market, int grid_size, double xi) {
    validate(market);
    if (grid_size < 2)
        throw std::invalid_argument("q-learning: grid_size must be >= 2, got " + std::to_string(grid_size));
    if (!(std::isfinite(xi) && xi >= 0.0)) throw std::invalid_argument("q-learning: xi must be finite and >= 0");
    const std::vector<double> pn = bertrand_nash_prices(market);
    const std::vector<double> pm = monopoly_prices(market);
    std::vector<std::vector<double>> grids(pn.size(), std::vector<double>(static_cast<std::size_t>(grid_size)));
    for (std::size_t i = 0; i < pn.size(); ++i) {
        const double width = pm[i] - pn[i];
        const double lo = pn[i] - xi * width;
        const double hi = pm[i] + xi * width;
        const double step = (hi - lo) / static_cast<double>(grid_size - 1);
        for (int a = 0; a < grid_size; ++a)
            grids[i][static_cast<std::size_t>(a)] = lo + step * static_cast<double>(a);
        grids[i].back() = hi;
    }
    return grids;
}

double profit_gain(double profit, double nash_profit, double monopoly_profit) noexcept {
    return (profit - nash_profit) / (monopoly_profit - nash_profit);
}

std::vector<std::vector<int>> greedy_limit_cycle(std::span<const int> greedy, int n_agents, int grid_size, int memory,
                                                 std::uint64_t start_state) {
    const Dimensions d = dimensions(n_agents, grid_size, memory);
    if (greedy.size() != d.n * d.states)
        throw std::invalid_argument("q-learning: greedy table has " + std::to_string(greedy.size()) +
                                    " entries, expected n_agents * states = " + std::to_string(d.n * d.states));
    if (start_state >= d.states)
        throw std::invalid_argument("q-learning: start state " + std::to_string(start_state) + " out of range");
    const std::size_t tail = d.states / d.profiles;  // profiles^(memory-1)

    std::unordered_map<std::uint64_t, std::size_t> first_visit;
    std::vector<std::size_t> path_profiles;
    std::uint64_t s = start_state;
    while (true) {
        const auto [it, inserted] = first_visit.emplace(s, path_profiles.size());
        if (!inserted) {
            std::vector<std::vector<int>> cycle;
            for (std::size_t k = it->second; k < path_profiles.size(); ++k)
                cycle.push_back(decode_profile(path_profiles[k], d.n, d.m));
            return cycle;
        }
        std::size_t profile = 0;
        std::size_t mult = 1;
        for (std::size_t i = 0; i < d.n; ++i) {
            const int a = greedy[i * d.states + s];
            if (a < 0 || a >= grid_size)
                throw std::invalid_argument("q-learning: greedy action " + std::to_string(a) + " out of range");
            profile += static_cast<std::size_t>(a) * mult;
            mult *= d.m;
        }
        path_profiles.push_back(profile);
        s = (s % tail) * d.profiles + profile;
    }
}

CycleOutcome evaluate_cycle(const LogitMarket& market, const std::vector<std::vector<double>>& grids,
                            const std::vector<std::vector<int>>& cycle, std::span<const double> nash_profit,
                            std::span<const double> monopoly_profit) {
    validate(market);
    const std::size_t n = market.quality.size();
    if (grids.size() != n || nash_profit.size() != n || monopoly_profit.size() != n)
        throw std::invalid_argument("q-learning: grids and benchmark profits need one entry per firm");
    if (cycle.empty()) throw std::invalid_argument("q-learning: empty cycle");
    CycleOutcome out;
    out.mean_price.assign(n, 0.0);
    out.mean_profit.assign(n, 0.0);
    std::vector<double> prices(n);
    for (const auto& profile : cycle) {
        if (profile.size() != n)
            throw std::invalid_argument("q-learning: cycle profile has the wrong number of agents");
        for (std::size_t i = 0; i < n; ++i) {
            const int a = profile[i];
            if (a < 0 || static_cast<std::size_t>(a) >= grids[i].size())
                throw std::invalid_argument("q-learning: cycle action " + std::to_string(a) + " out of range");
            prices[i] = grids[i][static_cast<std::size_t>(a)];
        }
        const std::vector<double> pi = profits(market, prices);
        for (std::size_t i = 0; i < n; ++i) {
            out.mean_price[i] += prices[i];
            out.mean_profit[i] += pi[i];
        }
    }
    const double len = static_cast<double>(cycle.size());
    out.profit_gain.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        out.mean_price[i] /= len;
        out.mean_profit[i] /= len;
        out.profit_gain[i] = profit_gain(out.mean_profit[i], nash_profit[i], monopoly_profit[i]);
        out.mean_profit_gain += out.profit_gain[i];
    }
    out.mean_profit_gain /= static_cast<double>(n);
    double total = 0.0;
    double total_nash = 0.0;
    double total_monopoly = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        total += out.mean_profit[i];
        total_nash += nash_profit[i];
        total_monopoly += monopoly_profit[i];
    }
    out.industry_profit_gain = profit_gain(total, total_nash, total_monopoly);
    return out;
}

SessionResult run_q_learning_session(const QLearningConfig& config, std::uint64_t seed) {
    validate(config);
    const Dimensions d = dimensions(config.n_agents, config.grid_size, config.memory);
    const std::size_t n = d.n;
    const std::size_t m = d.m;
    const std::size_t profiles = d.profiles;
    const std::size_t states = d.states;
    const LogitMarket& market = config.market;

    SessionResult result;
    result.price_grid = price_grids(market, config.grid_size, config.xi);
    result.nash_profit_per_agent = profits(market, bertrand_nash_prices(market));
    result.monopoly_profit_per_agent = profits(market, monopoly_prices(market));
    for (std::size_t i = 0; i < n; ++i) {
        result.nash_profit += result.nash_profit_per_agent[i] / static_cast<double>(n);
        result.monopoly_profit += result.monopoly_profit_per_agent[i] / static_cast<double>(n);
    }

    // Profit table: profit_table[profile * n + i] = pi_i at that action profile.
    std::vector<double> profit_table(profiles * n);
    {
        std::vector<double> prices(n);
        for (std::size_t profile = 0; profile < profiles; ++profile) {
            std::size_t rest = profile;
            for (std::size_t i = 0; i < n; ++i) {
                prices[i] = result.price_grid[i][rest % m];
                rest /= m;
            }
            const std::vector<double> pi = profits(market, prices);
            std::copy(pi.begin(), pi.end(), profit_table.begin() + static_cast<std::ptrdiff_t>(profile * n));
        }
    }

    // Q tables, q[(i * states + s) * m + a], all states initialised alike.
    const double delta = config.delta;
    std::vector<double> q(n * states * m);
    std::vector<int> greedy(n * states);
    std::vector<double> other(n * states);
    {
        const double rivals = static_cast<double>(profiles / m);  // m^(n-1)
        for (std::size_t i = 0; i < n; ++i) {
            std::vector<double> q0(m, 0.0);
            std::size_t digit = 1;
            for (std::size_t k = 0; k < i; ++k)
                digit *= m;
            for (std::size_t profile = 0; profile < profiles; ++profile)
                q0[(profile / digit) % m] += profit_table[profile * n + i];
            for (double& v : q0)
                v /= (1.0 - delta) * rivals;
            const auto best = static_cast<std::size_t>(std::max_element(q0.begin(), q0.end()) - q0.begin());
            const double runner_up = max_excluding(q0.data(), m, best);
            for (std::size_t s = 0; s < states; ++s) {
                std::copy(q0.begin(), q0.end(), q.begin() + static_cast<std::ptrdiff_t>((i * states + s) * m));
                greedy[i * states + s] = static_cast<int>(best);
                other[i * states + s] = runner_up;
            }
        }
    }

    LearningTables tables{q.data(), greedy.data(), other.data(), profit_table.data(), n, m, profiles, states};
    const LearningOutcome run =
        n == 2   ? (config.memory == 1 ? learn<2, true>(tables, config, seed) : learn<2, false>(tables, config, seed))
        : n == 3 ? (config.memory == 1 ? learn<3, true>(tables, config, seed) : learn<3, false>(tables, config, seed))
                 : (config.memory == 1 ? learn<0, true>(tables, config, seed) : learn<0, false>(tables, config, seed));
    result.converged = run.converged;
    result.periods = run.periods;
    result.limit_cycle = greedy_limit_cycle(greedy, config.n_agents, config.grid_size, config.memory, run.final_state);
    const CycleOutcome outcome = evaluate_cycle(market, result.price_grid, result.limit_cycle,
                                                result.nash_profit_per_agent, result.monopoly_profit_per_agent);
    result.cycle_prices_mean = outcome.mean_price;
    result.cycle_profit_mean = outcome.mean_profit;
    result.profit_gain_per_agent = outcome.profit_gain;
    result.profit_gain = outcome.mean_profit_gain;
    result.industry_profit_gain = outcome.industry_profit_gain;
    return result;
}

}  // namespace pricewar::learning
