#include "sim/engine/repeated_game.hpp"

#include <fmt/format.h>
#include <cmath>
#include <stdexcept>

#include "agents/strategies/q_learning.hpp"
#include "sim/engine/recorder.hpp"

namespace pricewar {

bool is_repeated_game(const Scenario& sc) {
    bool any = false;
    for (const auto& v : sc.vendors)
        for (const auto& o : v.offers) {
            const StrategyInfo* info = find_strategy(o.strategy.name);
            if (info == nullptr || !info->repeated_game_only) return false;
            any = true;
        }
    return any;
}

std::string repeated_game_problem(const Scenario& sc) {
    bool any = false;
    for (const auto& v : sc.vendors)
        for (const auto& o : v.offers)
            if (const StrategyInfo* info = find_strategy(o.strategy.name); info != nullptr)
                any = any || info->repeated_game_only;
    if (!any) return "";
    if (!is_repeated_game(sc))
        return "strategy: q_learning prices only in a repeated-game scenario, where every offer uses it "
               "(docs/model.md, \"Repeated pricing games\")";
    try {
        (void)repeated_game_config(sc);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

namespace {
void require(bool ok, const std::string& key, const std::string& what) {
    if (!ok)
        throw std::invalid_argument(
            fmt::format("{}: a q_learning scenario is a repeated logit pricing game and needs {}", key, what));
}
bool constant(const Distribution& d) {
    return d.kind == Distribution::Kind::constant;
}
}  // namespace

learning::QLearningConfig repeated_game_config(const Scenario& sc) {
    const auto& d = sc.developers;
    require(d.price_utility == PriceUtility::linear, "developers.price_utility", "\"linear\"");
    require(
        constant(d.quality_weight) && constant(d.price_weight) && constant(d.elasticity) && constant(d.switching_cost),
        "developers", "constant quality_weight, price_weight, elasticity and switching_cost");
    require(d.elasticity.a == 0.0, "developers.elasticity", "0 (fixed usage)");
    require(d.switching_cost.a == 0.0, "developers.switching_cost", "0");
    require(d.price_weight.a > 0.0, "developers.price_weight", "a positive value");
    require(std::isfinite(sc.market.outside.cost), "market.outside.cost", "a finite outside option");
    const double beta = d.quality_weight.a, alpha = d.price_weight.a;
    learning::QLearningConfig cfg;
    cfg.market.quality.clear();
    cfg.market.cost.clear();
    // U_i = beta q_i - alpha p_i + mu e_i  <=>  shares e^{(a_i - p_i)/mu'} with
    // a_i = beta q_i / alpha and mu' = mu / alpha; the outside good has a_0 = beta q_0 / alpha - c_0.
    cfg.market.mu = d.noise_scale / alpha;
    cfg.market.outside_quality = beta * sc.market.outside.quality / alpha - sc.market.outside.cost;
    const StrategySpec* first = nullptr;
    for (const auto& v : sc.vendors)
        for (const auto& o : v.offers) {
            cfg.market.quality.push_back(beta * o.quality / alpha);
            cfg.market.cost.push_back(o.unit_cost);
            if (first == nullptr) first = &o.strategy;
            require(o.strategy.params == first->params, "vendors." + v.id + ".offers." + o.id + ".strategy",
                    "the same learning parameters on every offer");
        }
    const learning::QLearningConfig learned = strategies::q_learning_config(first->params);
    cfg.n_agents = static_cast<int>(cfg.market.quality.size());
    cfg.grid_size = learned.grid_size;
    cfg.xi = learned.xi;
    cfg.alpha = learned.alpha;
    cfg.beta = learned.beta;
    cfg.delta = learned.delta;
    cfg.memory = learned.memory;
    cfg.convergence_window = learned.convergence_window;
    cfg.max_periods = learned.max_periods;
    learning::validate(cfg);
    return cfg;
}

std::vector<Scalar> repeated_game_summary_schema(const Scenario& sc) {
    auto scalars = summary_scalars(outputs::repeated_game_summary, sc.currency);
    for (auto& s : scalars)
        s.value = 0.0;
    return scalars;
}

RunRecord run_repeated_game(const Scenario& scenario, std::uint64_t seed) {
    const auto cfg = repeated_game_config(scenario);
    const auto result = learning::run_q_learning_session(cfg, seed);
    Scenario sc = scenario;
    sc.seed = seed;
    sc.turns = std::max<int>(1, static_cast<int>(result.limit_cycle.size()));
    Recorder recorder(sc);
    RunRecord r = recorder.take();
    const std::size_t n = cfg.market.quality.size();
    std::vector<double> price(n), offer_quality;
    for (const auto& v : sc.vendors)
        for (const auto& o : v.offers)
            offer_quality.push_back(o.quality);
    for (std::size_t t = 0; t < result.limit_cycle.size(); ++t) {
        for (std::size_t i = 0; i < n; ++i)
            price[i] = result.price_grid[i][static_cast<std::size_t>(result.limit_cycle[t][i])];
        const auto shares = learning::shares(cfg.market, price);
        for (std::size_t i = 0; i < n; ++i) {
            const double mass = static_cast<double>(sc.developers.count) * sc.developers.weight;
            r.offer_series[outputs::offer_index("price")].at(t, i) = price[i];
            r.offer_series[outputs::offer_index("price_in")].at(t, i) = price[i];
            r.offer_series[outputs::offer_index("price_out")].at(t, i) = price[i];
            r.offer_series[outputs::offer_index("unit_cost")].at(t, i) = cfg.market.cost[i];
            r.offer_series[outputs::offer_index("tokens")].at(t, i) = mass * shares[i];
            r.offer_series[outputs::offer_index("developers")].at(t, i) = mass * shares[i];
            r.offer_series[outputs::offer_index("revenue")].at(t, i) = mass * shares[i] * price[i];
            r.offer_series[outputs::offer_index("gross_margin")].at(t, i) = (price[i] - cfg.market.cost[i]) / price[i];
            r.offer_series[outputs::offer_index("available")].at(t, i) = 1.0;
            r.offer_series[outputs::offer_index("quality")].at(t, i) = offer_quality[i];
        }
    }
    const std::size_t V = sc.vendors.size();
    r.exit_turn.assign(V, -1);
    r.exit_reason.assign(V, 0);
    r.final_share.assign(V, 0.0);
    r.cumulative_profit.assign(V, 0.0);
    r.peak_loss.assign(V, 0.0);
    // Per vendor: mean profit per period and mean token share over the limit cycle.
    const auto& tokens = r.offer_series[outputs::offer_index("tokens")];
    double all_tokens = 0.0;
    for (const double x : tokens.values)
        all_tokens += x;
    std::size_t i = 0;
    for (std::size_t v = 0; v < V; ++v)
        for (std::size_t k = 0; k < sc.vendors[v].offers.size(); ++k, ++i) {
            r.cumulative_profit[v] += result.cycle_profit_mean[i];
            for (std::size_t t = 0; t < tokens.rows; ++t)
                r.final_share[v] += all_tokens > 0.0 ? tokens.at(t, i) / all_tokens : 0.0;
        }
    const double mean_price = [&] {
        double total = 0;
        for (const double p : result.cycle_prices_mean)
            total += p;
        return total / static_cast<double>(n);
    }();
    using outputs::repeated_game_summary_index;
    r.market_summary = summary_scalars(outputs::repeated_game_summary, sc.currency);
    auto& m = r.market_summary;
    m[repeated_game_summary_index("profit_gain")].value = result.profit_gain;
    m[repeated_game_summary_index("industry_profit_gain")].value = result.industry_profit_gain;
    m[repeated_game_summary_index("converged")].value = result.converged ? 1.0 : 0.0;
    m[repeated_game_summary_index("convergence_period")].value = static_cast<double>(result.periods);
    m[repeated_game_summary_index("cycle_length")].value = static_cast<double>(result.limit_cycle.size());
    m[repeated_game_summary_index("mean_cycle_price")].value = mean_price;
    m[repeated_game_summary_index("nash_profit")].value = result.nash_profit;
    m[repeated_game_summary_index("monopoly_profit")].value = result.monopoly_profit;
    return r;
}

}  // namespace pricewar
