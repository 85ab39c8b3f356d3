// One run of the model. The turn loop (docs/model.md, "Turn order") is Simulation::step(); each
// step is a member function below, in turn order.

#include "sim/engine/engine.hpp"

#include "sim/engine/repeated_game.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <limits>

namespace pricewar {

namespace {
Scenario with_seed(Scenario s, std::uint64_t seed) {
    s.seed = seed;
    return s;
}

// Central value of a trait distribution, as a vendor pricing against it summarises it:
// the constant, the median of a lognormal, the mean of a normal, the midpoint of a uniform.
double central_value(const Distribution& d) {
    double x = d.a;
    if (d.kind == Distribution::Kind::uniform) x = 0.5 * (d.a + d.b);
    return std::clamp(x, d.clip_min, d.clip_max);
}
}  // namespace

Simulation::Simulation(Scenario scenario, std::uint64_t seed, int threads)
    : sc_(with_seed(std::move(scenario), seed)),
      seed_(seed),
      offer_index_(sc_.offer_index()),
      gpu_supply_(sc_.market.gpu_supply),
      vc_climate_(sc_.market.vc_climate),
      recorder_(sc_) {
    for (std::size_t i = 0; i < offer_index_.size(); ++i) {
        const auto [v, o] = offer_index_[i];
        const auto& spec = sc_.vendors[static_cast<std::size_t>(v)].offers[static_cast<std::size_t>(o)];
        OfferState s;
        s.vendor = v;
        s.quality = spec.quality;
        s.active = spec.active;
        s.unit_cost = spec.unit_cost;
        s.price_in = spec.price_in;
        s.price_out = spec.price_out;
        s.price = blended_price(spec.price_in, spec.price_out, sc_.market.output_share);
        s.list_price = s.price;
        if (s.price > 0.0) {
            s.in_per_blend = spec.price_in / s.price;
            s.out_per_blend = spec.price_out / s.price;
        }
        offers_.push_back(s);
        const auto* info = find_strategy(spec.strategy.name);
        if (info == nullptr) throw std::invalid_argument("unknown strategy '" + spec.strategy.name + "'");
        if (info->repeated_game_only || !info->make)
            throw std::invalid_argument("strategy '" + spec.strategy.name +
                                        "' prices only in a repeated-game scenario, where every offer uses it "
                                        "(docs/model.md, \"Repeated pricing games\")");
        strategies_.push_back(info->make(resolve_params(info->params, spec.strategy.params)));
        strategy_rngs_.emplace_back(seed_, Stream::strategy_base, i);
    }
    for (const auto& v : sc_.vendors) {
        VendorState s;
        s.entered = v.present;
        s.cash = v.cash;
        s.gpus = v.gpus;
        s.fixed_cost = v.fixed_cost;
        vendors_.push_back(s);
        funding_rngs_.emplace_back(seed_, Stream::funding_base, vendors_.size() - 1);
    }
    for (std::size_t v = 0; v < vendors_.size(); ++v)
        initial_quality_.push_back(best_quality(v));
    demand_ = make_demand_model(sc_, seed_, threads);
    oracle_ = [this](int offer, double price, ForecastScope scope, std::vector<DemandForecast>& out) {
        demand_->forecast(board_, offer, price, scope, out);
    };
    served_fraction_.assign(sc_.vendors.size(), 1.0);
    offer_views_.resize(offers_.size());
    vendor_views_.resize(vendors_.size());
    board_.vendor_rationed.assign(vendors_.size(), 0);
    totals_.reset(offers_.size(), vendors_.size());
    scripted_.assign(offers_.size(), 0);
    cloud_adopters_.assign(vendors_.size(), 0.0);
    adoption_pipeline_.resize(vendors_.size());
    developers_last_.assign(vendors_.size(), 0.0);
    market_view_.reevaluate_prob = central_value(sc_.developers.reevaluate_prob);
    market_view_.switching_cost = central_value(sc_.developers.switching_cost);
    market_view_.noise_scale = sc_.developers.noise_scale;
    market_view_.turn_days = sc_.turn_days;
}

Simulation::~Simulation() = default;

bool Simulation::offer_available(std::size_t o) const {
    const auto& s = offers_[o];
    return s.active && vendors_[static_cast<std::size_t>(s.vendor)].active();
}

void Simulation::set_offer_price(OfferState& s, double blended) {
    s.price = std::max(0.0, blended);
    s.price_in = s.price * s.in_per_blend;
    s.price_out = s.price * s.out_per_blend;
}

bool Simulation::step() {
    if (turn_ >= sc_.turns) return false;
    const int t = turn_;
    apply_events(t);  // 1. timeline
    deliver_gpus(t);
    update_costs(t);
    drift_quality(t);
    if (t > 0) set_prices(t);  // 2. vendors price, simultaneously
    build_board();
    const int every = sc_.output.deviation_every;
    if (every > 0 && t > 0 && t % every == 0) check_deviations(t);
    totals_.reset(offers_.size(), vendors_.size());
    demand_->choose(t, board_, totals_);  // 3. awareness and choice; 4a. usage requested
    const double aware = totals_.aware_inactive + totals_.on_offers + totals_.outside;
    market_view_.newly_aware = t > 0 ? std::max(0.0, aware - aware_last_) : 0.0;  // turn 0: seeded, not arrivals
    market_view_.aware = aware_last_ = aware;
    clear_market();  // 4b. capacity rationing
    demand_->serve(board_, served_fraction_, totals_);
    settle_books(t);  // 5. books, funding, exits, GPUs
    check_finite(t);
    recorder_.record_turn(t, offers_, board_.available, vendors_, sc_.vendors, totals_, served_fraction_);  // 6. record
    ++turn_;
    return true;
}

RunRecord Simulation::run() {
    while (step()) {
    }
    return finish();
}

RunRecord Simulation::finish() {
    recorder_.finish(turn_, vendors_);
    return recorder_.take();
}

void Simulation::apply_events(int t) {
    const auto& names = recorder_.record().offer_names;
    std::fill(scripted_.begin(), scripted_.end(), std::uint8_t{0});
    while (next_event_ < sc_.events.size() && sc_.events[next_event_].turn <= t) {
        const Event& e = sc_.events[next_event_++];
        RecordedEvent rec{t, to_string(e.kind), e.vendor >= 0 ? sc_.vendors[static_cast<std::size_t>(e.vendor)].id : "",
                          e.offer >= 0 ? names[static_cast<std::size_t>(e.offer)] : "", e.note};
        switch (e.kind) {
            case Event::Kind::price:
            case Event::Kind::launch: {
                auto& s = offers_[static_cast<std::size_t>(e.offer)];
                // A price set by the timeline holds this turn (section 5); a launch without a
                // price is priced by its strategy.
                if (e.price_in || e.price_out) scripted_[static_cast<std::size_t>(e.offer)] = 1;
                if (e.kind == Event::Kind::launch) s.active = true;
                const double in = e.price_in.value_or(s.price_in);
                const double out = e.price_out.value_or(s.price_out);
                s.price_in = in;
                s.price_out = out;
                s.price = blended_price(in, out, sc_.market.output_share);
                s.list_price = s.price;
                if (s.price > 0.0) {
                    s.in_per_blend = in / s.price;
                    s.out_per_blend = out / s.price;
                }
                break;
            }
            case Event::Kind::withdraw:
                offers_[static_cast<std::size_t>(e.offer)].active = false;
                break;
            case Event::Kind::quality:
                offers_[static_cast<std::size_t>(e.offer)].quality = *e.quality;
                break;
            case Event::Kind::cost_shock:
                for (auto& s : offers_)
                    if (e.vendor < 0 || s.vendor == e.vendor) s.cost_factor *= *e.factor;
                break;
            case Event::Kind::gpu_supply:
                gpu_supply_ = *e.value;
                break;
            case Event::Kind::vc_climate:
                vc_climate_ = *e.value;
                break;
            case Event::Kind::vendor_entry:
                vendors_[static_cast<std::size_t>(e.vendor)].entered = true;
                break;
        }
        recorder_.add_event(std::move(rec));
    }
}

void Simulation::deliver_gpus(int t) {
    // GPUs ordered earlier arrive before this turn's demand, capped by the market supply.
    gpu_market_.deliver(
        t, gpu_supply_, [&](int v, double n) { vendors_[static_cast<std::size_t>(v)].gpus += n; },
        [&](int v, double n) { vendors_[static_cast<std::size_t>(v)].gpus_on_order += n; },
        [&](int v) { return vendors_[static_cast<std::size_t>(v)].alive; });
}

void Simulation::update_costs(int t) {
    const double years = t * sc_.turn_days / 365.0;
    for (std::size_t i = 0; i < offers_.size(); ++i) {
        const auto [v, o] = offer_index_[i];
        const auto& vendor = sc_.vendors[static_cast<std::size_t>(v)];
        const double decline = vendor.cost_decline.value_or(sc_.market.cost_decline);
        const double c0 = vendor.offers[static_cast<std::size_t>(o)].unit_cost;
        offers_[i].unit_cost = c0 * std::pow(1.0 - decline, years) * offers_[i].cost_factor;
    }
}

double Simulation::best_quality(std::size_t v) const {
    double q = 0.0;
    for (const auto& o : offers_)
        if (o.vendor == static_cast<int>(v) && o.active) q = std::max(q, o.quality);
    return q;
}

void Simulation::drift_quality(int t) {
    // docs/model.md, "Startup finance": quality drifts up at quality_growth per year, in
    // proportion to the fixed cost kept (research spending) after burn cuts.
    if (t == 0) return;
    for (std::size_t v = 0; v < vendors_.size(); ++v) {
        const auto& spec = sc_.vendors[v];
        if (spec.quality_growth <= 0.0 || !vendors_[v].active()) continue;
        const double kept = spec.fixed_cost > 0.0 ? vendors_[v].fixed_cost / spec.fixed_cost : 1.0;
        const double factor = std::pow(1.0 + spec.quality_growth, kept * sc_.turn_days / 365.0);
        for (auto& o : offers_)
            if (o.vendor == static_cast<int>(v)) o.quality = std::min(10.0, o.quality * factor);
    }
}

void Simulation::set_prices(int t) {
    // Everyone sees the same snapshot of last turn, so moves are simultaneous. totals_ still
    // holds last turn's demand.
    const auto& vshare = recorder_.record().vendor_series[outputs::vendor_index("token_share")];
    const auto last = static_cast<std::size_t>(t - 1);
    double last_total = 0.0;
    for (std::size_t o = 0; o < offers_.size(); ++o)
        last_total += totals_.served_mtok[o];
    auto per_developer = [](double mtok, double developers) { return developers > 0.0 ? mtok / developers : 0.0; };
    std::vector<double> vendor_mtok(vendors_.size(), 0.0);
    for (std::size_t o = 0; o < offers_.size(); ++o) {
        const auto& s = offers_[o];
        const double served = totals_.served_mtok[o];
        vendor_mtok[static_cast<std::size_t>(s.vendor)] += served;
        offer_views_[o] = {.vendor = s.vendor,
                           .quality = s.quality,
                           .price = s.price,
                           .list_price = s.list_price,
                           .unit_cost = s.unit_cost,
                           .token_share = last_total > 0.0 ? served / last_total : 0.0,
                           .available = offer_available(o),
                           .tokens_per_developer = per_developer(served, totals_.developers[o]),
                           .developers = totals_.developers[o]};
    }
    for (std::size_t v = 0; v < vendors_.size(); ++v) {
        const auto& s = vendors_[v];
        const auto& spec = sc_.vendors[v];
        vendor_views_[v] = {.kind = spec.kind,
                            .alive = s.active(),
                            .cash = s.cash,
                            .token_share = vshare.at(last, v),
                            .ai_cumulative_profit = s.cumulative_ai_profit,
                            .loss_budget = spec.loss_budget,
                            .loss_budget_exhausted = -s.cumulative_ai_profit > spec.loss_budget,
                            .cross_subsidy_per_developer = cross_subsidy(spec, spec.cloud_adoption_prob.value_or(1.0)),
                            .developers = totals_.vendor_developers[v],
                            .tokens_per_developer = per_developer(vendor_mtok[v], totals_.vendor_developers[v]),
                            .capacity_mtok = capacity_mtok(s, spec),
                            .requested_mtok = totals_.vendor_requested_mtok[v],
                            .rationed = s.rationed};
    }
    std::vector<double>& next = next_price_;  // new prices apply only after every vendor moved
    next.resize(offers_.size());
    for (std::size_t o = 0; o < offers_.size(); ++o) {
        next[o] = offers_[o].price;
        if (!offer_available(o) || scripted_[o] != 0) continue;
        const PricingContext ctx{.turn = t,
                                 .offer = static_cast<int>(o),
                                 .offers = offer_views_,
                                 .vendors = vendor_views_,
                                 .price_history = &recorder_.price_history(),
                                 .available_history = &recorder_.available_history(),
                                 .quality_history = &recorder_.quality_history(),
                                 .demand = &oracle_,
                                 .market = &market_view_,
                                 .rng = &strategy_rngs_[o]};
        next[o] = strategies_[o]->price(ctx);
        if (!std::isfinite(next[o]))
            throw NumericalError(fmt::format("turn {}: offer {}: strategy '{}' set a non-finite price", t,
                                             recorder_.record().offer_names[o],
                                             sc_.vendors[static_cast<std::size_t>(offers_[o].vendor)]
                                                 .offers[static_cast<std::size_t>(offer_index_[o].second)]
                                                 .strategy.name));
    }
    for (std::size_t o = 0; o < offers_.size(); ++o)
        if (next[o] != offers_[o].price) set_offer_price(offers_[o], next[o]);
}

void Simulation::build_board() {
    const std::size_t O = offers_.size();
    board_.price.resize(O);
    board_.quality.resize(O);
    board_.free_quota.resize(O);
    board_.vendor.resize(O);
    board_.available.resize(O);
    for (std::size_t o = 0; o < O; ++o) {
        const auto [v, k] = offer_index_[o];
        board_.price[o] = offers_[o].price;
        board_.quality[o] = offers_[o].quality;
        board_.free_quota[o] =
            sc_.vendors[static_cast<std::size_t>(v)].offers[static_cast<std::size_t>(k)].free_quota_mtok;
        board_.vendor[o] = offers_[o].vendor;
        board_.available[o] = offer_available(o) ? 1 : 0;
    }
    for (std::size_t v = 0; v < vendors_.size(); ++v)
        board_.vendor_rationed[v] = vendors_[v].rationed ? 1 : 0;
    board_.vendors = static_cast<int>(vendors_.size());
    board_.outside_price = sc_.market.outside.cost;
    board_.outside_quality = sc_.market.outside.quality;
}

void Simulation::check_deviations(int t) {
    // docs/model.md, "Equilibrium diagnostics": each vendor's best change of one offer's
    // price against the others' current prices, with the developer side's forecast demand.
    const std::size_t V = vendors_.size(), O = offers_.size();
    std::vector<double> gain(V, std::numeric_limits<double>::quiet_NaN()), value(V, 0.0);
    auto profit = [&](std::size_t v, std::size_t o, double p) {
        oracle_(static_cast<int>(o), p, ForecastScope::vendor, deviation_forecast_);
        double x = 0.0, devs = 0.0;
        for (std::size_t m = 0; m < O; ++m) {
            if (offers_[m].vendor != static_cast<int>(v) || board_.available[m] == 0) continue;
            const double price = m == o ? p : board_.price[m];
            x += (price - offers_[m].unit_cost) * deviation_forecast_[m].tokens_mtok;
            devs += deviation_forecast_[m].developers;
        }
        return x + cross_subsidy(sc_.vendors[v], devs);
    };
    const double horizon = sc_.output.deviation_horizon;
    for (std::size_t v = 0; v < V; ++v) {
        if (!vendors_[v].active()) continue;
        double now = kInf, best = -kInf;
        for (std::size_t o = 0; o < O; ++o) {
            if (offers_[o].vendor != static_cast<int>(v) || board_.available[o] == 0) continue;
            if (now == kInf) now = profit(v, o, board_.price[o]);
            double hi = std::max(offers_[o].unit_cost, 1e-9);
            for (std::size_t m = 0; m < O; ++m)
                if (board_.available[m] != 0) hi = std::max(hi, board_.price[m]);
            hi *= 10.0;
            // Grid, then golden section around the best grid point.
            constexpr int grid = 400;
            double bp = 0.0, bv = -kInf;  // a NaN forecast (a free price with kappa = 0) never wins
            for (int i = 0; i <= grid; ++i) {
                const double p = hi * i / grid;
                const double x = profit(v, o, p);
                if (x > bv) {
                    bv = x;
                    bp = p;
                }
            }
            double a = std::max(0.0, bp - hi / grid), b = std::min(hi, bp + hi / grid);
            const double g = (std::sqrt(5.0) - 1.0) / 2.0;
            for (int it = 0; it < 100 && b - a > 1e-12 * std::max(1.0, b); ++it) {
                const double x1 = b - g * (b - a), x2 = a + g * (b - a);
                if (profit(v, o, x1) < profit(v, o, x2))
                    a = x1;
                else
                    b = x2;
            }
            const double refined = profit(v, o, 0.5 * (a + b));
            best = std::max(best, refined > bv ? refined : bv);
        }
        if (now == kInf) continue;
        gain[v] = horizon * std::max(0.0, best - now);
        value[v] = horizon * now;
    }
    recorder_.record_deviation(t, gain, value);
}

void Simulation::clear_market() {
    // Each vendor serves all its developers the same fraction of their requests.
    for (std::size_t v = 0; v < vendors_.size(); ++v) {
        const double requested = totals_.vendor_requested_mtok[v];
        const double cap = capacity_mtok(vendors_[v], sc_.vendors[v]);
        served_fraction_[v] = requested > cap ? (requested > 0.0 ? cap / requested : 1.0) : 1.0;
        vendors_[v].rationed = served_fraction_[v] < 1.0;
    }
}

void Simulation::settle_books(int t) {
    double total_served = 0.0, total_spend = 0.0, total_developers = 0.0;
    for (const double x : totals_.served_mtok)
        total_served += x;
    for (const double x : totals_.spend)
        total_spend += x;
    for (const double x : totals_.vendor_developers)
        total_developers += x;
    for (std::size_t v = 0; v < vendors_.size(); ++v) {
        auto& s = vendors_[v];
        const auto& spec = sc_.vendors[v];
        s.raise_probability = std::numeric_limits<double>::quiet_NaN();
        VendorFlows f;
        double served = 0.0;
        for (std::size_t o = 0; o < offers_.size(); ++o) {
            if (offers_[o].vendor != static_cast<int>(v)) continue;
            f.revenue += totals_.spend[o];
            f.inference_cost += totals_.served_mtok[o] * offers_[o].unit_cost;
            served += totals_.served_mtok[o];
        }
        if (!s.active()) {
            s.flows = VendorFlows{};
            s.token_share = 0.0;
            continue;
        }
        f.gpu_opex = s.gpus * spec.gpu_opex;
        f.fixed_cost = s.fixed_cost;
        f.cross_subsidy = cross_subsidy(spec, cloud_customers(v, spec));
        const double quality_now = best_quality(v);
        f.other_revenue =
            other_revenue(spec, t, sc_.turn_days, initial_quality_[v] > 0.0 ? quality_now / initial_quality_[v] : 1.0);
        s.token_share = total_served > 0.0 ? served / total_served : 0.0;
        startup_finance(t, v, f, total_developers, total_spend);
        const double cash_before_capex = s.cash + f.cash_change();
        const double order = gpus_to_order(spec, s, totals_.vendor_requested_mtok[v], cash_before_capex);
        f.capex = order * spec.gpu_price;
        if (order > 0.0) {
            gpu_market_.place(static_cast<int>(v), t, spec.gpu_lead_turns, order);
            s.gpus_on_order += order;
        }
        s.cash += f.cash_change();
        s.flows = f;
        s.cumulative_profit += f.profit();
        s.cumulative_ai_profit += f.profit() - f.cross_subsidy;
        s.peak_loss = std::max(s.peak_loss, -s.cumulative_profit);
        s.runway = runway_turns(s.cash, s.burn.value);
        if (spec.kind != VendorKind::startup) continue;
        // Exit is absorbing. Shutdown: cash negative after funding (docs/model.md, "Startup finance").
        if (s.cash < 0.0) {
            leave_market(t, v, ExitReason::shutdown, fmt::format("{} shuts down with cash {:.4g}", spec.name, s.cash));
            continue;
        }
        // Withdrawal: under financial pressure (runway short enough to seek a round), the API
        // business's expected value is negative; the firm lives on.
        const bool pressed = spec.raise_runway_turns <= 0.0 || s.runway < spec.raise_runway_turns;
        const double value = api_value(spec, s, sc_.market.traction_window);
        if (pressed && std::isfinite(value) && value < 0.0) {
            leave_market(t, v, ExitReason::withdrawal,
                         fmt::format("{} withdraws from the API market (expected API value {:.4g})", spec.name, value));
            continue;
        }
        // Burn cut: runway below the threshold, at most once per cooldown.
        if (spec.burn_cut_runway > 0.0 && s.runway < spec.burn_cut_runway &&
            (s.last_burn_cut < 0 || t - s.last_burn_cut >= spec.burn_cut_cooldown)) {
            const double before = s.fixed_cost;
            s.fixed_cost *= 1.0 - spec.burn_cut_fraction;
            s.last_burn_cut = t;
            recorder_.add_event({t, "burn_cut", spec.id, "",
                                 fmt::format("{} cuts fixed cost from {:.4g} to {:.4g} (runway {:.3g} turns)",
                                             spec.name, before, s.fixed_cost, s.runway)});
        }
    }
}

void Simulation::startup_finance(int t, std::size_t v, VendorFlows& f, double developer_total, double spend_total) {
    // docs/model.md, "Startup finance": smoothed burn and runway, investors' traction, a round
    // sought by need and granted with the investors' probability.
    auto& s = vendors_[v];
    const auto& spec = sc_.vendors[v];
    const auto& m = sc_.market;
    s.burn.update(f.net_burn(), spec.burn_half_life);
    s.traction.update({.developer_share = developer_total > 0.0 ? totals_.vendor_developers[v] / developer_total : 0.0,
                       .api_revenue_share = spend_total > 0.0 ? f.revenue / spend_total : 0.0,
                       .api_revenue = f.revenue,
                       .other_revenue = f.other_revenue,
                       .inference_cost = f.inference_cost,
                       .operating_cost = f.inference_cost + f.gpu_opex + f.fixed_cost},
                      m.traction_half_life);
    s.api_contribution.update(f.revenue - f.inference_cost - f.gpu_opex, m.traction_half_life);
    s.api_contribution_history.push_back(s.api_contribution.value);
    const double runway = runway_turns(s.cash + f.cash_change(), s.burn.value);
    if (!seeks_round(spec, s, t, runway)) return;
    s.last_raise_attempt = t;
    const double p = funding_probability(s.traction, spec.funding_intercept, m, vc_climate_);
    s.raise_probability = p;
    const bool granted = funding_rngs_[v].uniform() < p;
    if (granted) f.funding = round_size(spec, s.burn.value, vc_climate_);
    recorder_.add_event({t, "raise", spec.id, "",
                         fmt::format("{} seeks a round with {:.3g} turns of runway: probability {:.3f}, {}", spec.name,
                                     runway, p, granted ? fmt::format("raised {:.4g}", f.funding) : "refused")});
}

void Simulation::leave_market(int t, std::size_t v, ExitReason reason, const std::string& note) {
    auto& s = vendors_[v];
    s.alive = false;
    s.exit_turn = t;
    s.exit_reason = reason;
    s.rationed = false;
    demand_->release_vendor(static_cast<int>(v), board_);
    recorder_.add_event({t, reason == ExitReason::shutdown ? "exit" : "withdrawal", sc_.vendors[v].id, "", note});
}

double Simulation::cloud_customers(std::size_t v, const VendorSpec& spec) {
    const double developers = totals_.vendor_developers[v];
    if (!spec.cloud_adoption_prob) return developers;  // every active developer attaches
    // Adopters because of the API: a share of the developers won this turn (net gain of the
    // vendor's developers), adopting after the lag, retained at cloud_retention per turn.
    auto& pipeline = adoption_pipeline_[v];
    pipeline.push_back(*spec.cloud_adoption_prob * std::max(0.0, developers - developers_last_[v]));
    developers_last_[v] = developers;
    cloud_adopters_[v] *= spec.cloud_retention;
    while (pipeline.size() > static_cast<std::size_t>(spec.cloud_adoption_lag)) {
        cloud_adopters_[v] += pipeline.front();
        pipeline.pop_front();
    }
    return cloud_adopters_[v];
}

void Simulation::check_finite(int t) const {
    const auto& names = recorder_.record().offer_names;
    for (std::size_t o = 0; o < offers_.size(); ++o) {
        const auto& s = offers_[o];
        if (!std::isfinite(s.price) || !std::isfinite(s.unit_cost) || !std::isfinite(totals_.served_mtok[o]) ||
            !std::isfinite(totals_.spend[o]))
            throw NumericalError(
                fmt::format("turn {}: offer {}: price, cost, tokens or revenue became NaN or infinite "
                            "(price {}, unit cost {}, tokens {}, revenue {})",
                            t, names[o], s.price, s.unit_cost, totals_.served_mtok[o], totals_.spend[o]));
    }
    for (std::size_t v = 0; v < vendors_.size(); ++v) {
        const auto& s = vendors_[v];
        if (!std::isfinite(s.cash) || !std::isfinite(s.gpus) || !std::isfinite(s.cumulative_profit))
            throw NumericalError(
                fmt::format("turn {}: vendor {}: cash, GPUs or profit became NaN or infinite "
                            "(cash {}, gpus {}, cumulative profit {})",
                            t, sc_.vendors[v].id, s.cash, s.gpus, s.cumulative_profit));
    }
}

std::vector<Scalar> summary_schema(const Scenario& scenario) {
    if (is_repeated_game(scenario)) return repeated_game_summary_schema(scenario);
    Recorder recorder(scenario);
    recorder.finish(0, std::vector<VendorState>(scenario.vendors.size()));
    return recorder.record().market_summary;
}

RunRecord run_scenario(const Scenario& scenario, std::uint64_t seed, int threads) {
    if (is_repeated_game(scenario)) return run_repeated_game(scenario, seed);
    Simulation sim(scenario, seed, threads);
    return sim.run();
}

}  // namespace pricewar
