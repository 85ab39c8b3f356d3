// Agent-mode developers (docs/model.md, "Developers"): Bass awareness on a network, logit choice
// with switching cost, network influence and a rationing penalty, the self-host outside
// option, and intensive-margin usage. State is structure-of-arrays; the loops over developers
// allocate nothing.

#include "agents/agent_demand.hpp"

#include "agents/fast_exp.hpp"
#include "agents/logit_forecast.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <future>
#include <limits>
#include <thread>
#include <type_traits>

namespace pricewar {

namespace {
// Developers a demand forecast looks at: a deterministic sample (every n / kForecastSample-th),
// a market study rather than a census. Its sampling error on a share s is about
// sqrt(s (1 - s) / 2000), under 1.1 percentage points.
constexpr std::size_t kForecastSample = 2000;

// The largest of values[0, count), with four running maxima so that the comparisons overlap
// (the maximum of numbers does not depend on the order they are compared in).
inline __attribute__((always_inline)) double max_of(const double* values, std::size_t count) {
    double m0 = -kInf, m1 = -kInf, m2 = -kInf, m3 = -kInf;
    std::size_t o = 0;
    for (; o + 4 <= count; o += 4) {
        m0 = std::max(m0, values[o]);
        m1 = std::max(m1, values[o + 1]);
        m2 = std::max(m2, values[o + 2]);
        m3 = std::max(m3, values[o + 3]);
    }
    for (; o < count; ++o)
        m0 = std::max(m0, values[o]);
    return std::max(std::max(m0, m1), std::max(m2, m3));
}
}  // namespace

void DemandTotals::reset(std::size_t offers, std::size_t vendors) {
    for (auto* v : {&requested_mtok, &served_mtok, &paid_mtok, &free_mtok, &developers, &spend})
        v->assign(offers, 0.0);
    vendor_requested_mtok.assign(vendors, 0.0);
    vendor_developers.assign(vendors, 0.0);
    unaware = aware_inactive = on_offers = outside = outside_mtok = consumer_surplus = switches = 0.0;
}

AgentDemand::AgentDemand(const Scenario& sc, std::uint64_t seed, int threads)
    : spec_(sc.developers),
      kappa_(sc.market.kappa),
      log_ref_(std::log(sc.market.p_ref + sc.market.kappa)),
      rationing_penalty_(sc.market.rationing_penalty),
      awareness_uniform_(seed, Stream::awareness),
      choice_uniform_(seed, Stream::choice),
      chunked_(sc.developers.peer_update == PeerUpdate::lagged),
      seed_(seed) {
    const auto n = static_cast<std::size_t>(spec_.count);
    if (chunked_) {
        const std::size_t chunks = (n + kChunk - 1) / kChunk;
        threads_ = static_cast<int>(std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), 1,
                                                            std::max<std::size_t>(chunks, 1)));
        chunk_sums_.resize(chunks);
    }
    scratch_.resize(static_cast<std::size_t>(threads_));
    const auto* net = find_network(spec_.network);
    if (net == nullptr) throw std::invalid_argument("unknown network '" + spec_.network + "'");
    // The network and the traits come from streams of their own: with threads to spare they
    // are drawn at the same time.
    auto build_network = [&] {
        return net->build(spec_.count, resolve_params(net->params, spec_.network_params),
                          derive_seed(seed, static_cast<std::uint64_t>(Stream::network)));
    };
    if (threads_ > 1) {
        auto network = std::async(std::launch::async, build_network);
        traits_ = draw_traits(sc.developers, sc.developers.count, seed);
        graph_ = network.get();
    } else {
        traits_ = draw_traits(sc.developers, sc.developers.count, seed);
        graph_ = build_network();
    }
    choice_.assign(n, kUnaware);
    last_vendor_.assign(n, -1);
    joined_.assign(n, 0);
    quota_.assign(n, 0.0f);
    usage_.assign(n, -1.0f);
    active_neighbours_.assign(n, 0);
    // The snapshot matters only where the network term does.
    if (spec_.peer_update == PeerUpdate::lagged && spec_.network_weight > 0.0 && graph_.edges() > 0)
        peer_slot_.assign(n, 0);
    // Adding the weight k times gives exactly k * weight when the weight is a whole number and
    // every partial sum stays an integer a double holds exactly (below 2^53).
    counts_exact_ = spec_.weight >= 0.0 && spec_.weight == std::floor(spec_.weight) &&
                    spec_.weight * static_cast<double>(n) <= 0x1p53;
    budgets_ = std::any_of(traits_.budget.begin(), traits_.budget.end(), [](float b) { return b < kInf; });
    // An off-sale option's threshold is +inf: an infinite value would pass `value >= threshold`
    // and never fail `value < threshold`, so an offer taken off sale would stay affordable and
    // its developers would not have to re-choose. The largest finite value keeps every on-sale
    // option affordable and every off-sale one not.
    for (auto& v : traits_.value)
        v = std::min(v, std::numeric_limits<std::remove_reference_t<decltype(v)>>::max());
    // Initially aware developers: the first ones in a random order of the population.
    Rng init(seed, Stream::awareness, 1);
    const auto initial = static_cast<std::size_t>(std::llround(spec_.initial_aware * static_cast<double>(n)));
    for (std::size_t i = 0; i < n && i < initial; ++i)
        choice_[i] = kNewAware;
    for (std::size_t i = n; i > 1; --i) {  // Fisher-Yates keeps exactly `initial` aware
        const auto j = static_cast<std::size_t>(init() % i);
        std::swap(choice_[i - 1], choice_[j]);
    }
    const auto sample = spec_.count <= 0 ? 0 : sc.output.surplus_sample;
    surplus_stride_ = sample <= 0 || sample >= spec_.count ? 1 : static_cast<std::size_t>(spec_.count / sample);
    const auto offers = sc.offer_index().size();
    if (offers + 1 > kMaxOptions) throw std::invalid_argument("too many offers for agent mode");
    if (sc.vendors.size() + 1 > kMaxVendors) throw std::invalid_argument("too many vendors for agent mode");
    for (auto& c : chunk_sums_)  // sized once: the turn's passes allocate nothing
        c.totals.reset(offers, sc.vendors.size());
}

std::size_t AgentDemand::state_bytes() const {
    const std::size_t n = choice_.size();
    return n * (traits_.bytes_per_developer() + sizeof(std::int16_t) * 2 + sizeof(std::uint64_t) + 2 * sizeof(float) +
                sizeof(std::uint32_t)) +
           graph_.offsets.size() * sizeof(std::int64_t) + graph_.targets.size() * sizeof(std::int32_t) +
           peer_slot_.size() * sizeof(std::uint8_t);
}

void AgentDemand::prepare(const OfferBoard& board) {
    const std::size_t m = board.price.size();
    opt_.count = m;
    opt_.min_threshold = kInf;
    for (std::size_t o = 0; o < m; ++o) {
        const double p = board.price[o];
        opt_.threshold[o] = board.available[o] ? p + kappa_ : kInf;
        opt_.price_term[o] = spec_.price_utility == PriceUtility::log ? std::log(p + kappa_) : p;
        opt_.log_rel[o] = std::log(p + kappa_) - log_ref_;
        opt_.quality[o] = board.quality[o];
        opt_.vendor[o] = board.vendor[o];
        opt_.penalty[o] = board.vendor_rationed[board.vendor[o]] ? rationing_penalty_ : 0.0;
        opt_.price[o] = p;
        opt_.min_threshold = std::min(opt_.min_threshold, opt_.threshold[o]);
    }
    // The outside option sits after the offers, with pseudo-vendor id = number of vendors.
    const double p0 = board.outside_price;
    const bool has_outside = std::isfinite(p0);
    opt_.threshold[m] = has_outside ? p0 + kappa_ : kInf;
    opt_.price_term[m] = has_outside ? (spec_.price_utility == PriceUtility::log ? std::log(p0 + kappa_) : p0) : 0.0;
    opt_.log_rel[m] = has_outside ? std::log(p0 + kappa_) - log_ref_ : 0.0;
    opt_.quality[m] = board.outside_quality;
    opt_.vendor[m] = board.vendors;
    opt_.penalty[m] = 0.0;
    opt_.price[m] = has_outside ? p0 : 0.0;
    // Vendor slot of each developer state (index state - kNewAware): offers' vendors, the
    // outside pseudo-vendor, and one slot past it for the states on no option.
    for (std::size_t o = 0; o < m; ++o)
        opt_.state_vendor[o + kStates] = board.vendor[o];
    opt_.state_vendor[static_cast<std::size_t>(kOutside - kNewAware)] = board.vendors;
    for (int state : {kInactive, kUnaware, kNewAware})
        opt_.state_vendor[static_cast<std::size_t>(state - kNewAware)] = board.vendors + 1;
    opt_.min_threshold = std::min(opt_.min_threshold, opt_.threshold[m]);
}

double AgentDemand::usage_at(std::size_t d, double p) const {
    return usage_at_from_log(d, p, std::log(p + kappa_));
}

double AgentDemand::usage_at_from_log(std::size_t d, double p, double log_cost) const {
    double q = traits_.base_usage[d] * std::exp(-static_cast<double>(traits_.elasticity[d]) * (log_cost - log_ref_));
    if (p > 0.0 && std::isfinite(traits_.budget[d])) q = std::min(q, traits_.budget[d] / p);
    return q;
}

__attribute__((always_inline)) inline void AgentDemand::note_option(Scratch& scratch, std::size_t i, int c) {
    const std::size_t opt = c >= 0 ? static_cast<std::size_t>(c) : opt_.count;  // count: the outside option
    scratch.terms.log_rel[i] = opt_.log_rel[opt];
    scratch.terms.price[i] = opt_.price[opt];
    scratch.terms.unused[i] = c >= kOutside ? 0.0f : -1.0f;
}

// (a2) The listed developers of the block in order; the memory they will read (network row,
// neighbours' states, traits) is fetched a few developers ahead. Cloned for AVX2 (no FMA, so
// both clones round every operation the same way): the loops over options vectorise twice as
// wide.
__attribute__((target_clones("avx2", "default"))) void AgentDemand::choose_listed(std::size_t block, std::size_t listed,
                                                                                  const OfferBoard& board, Sink& sink,
                                                                                  Scratch& scratch) {
    DemandTotals& totals = sink.totals;
    const auto& work = scratch.work;
    const std::size_t m = board.price.size();
    const std::size_t outside = m;
    const int outside_vendor = board.vendors;
    const double w = spec_.weight;
    const bool networked = graph_.edges() > 0;
    std::array<double, kMaxOptions> u{}, base{};
    std::array<int, kMaxVendors + 1> neighbours_on{};
    const double mu = spec_.noise_scale;
    const double inv_mu = 1.0 / mu;
    const double gamma = spec_.network_weight;
    for (std::size_t j = 0; j < listed; ++j) {
        if (j + 8 < listed) prefetch_developer(work[j + 8].developer, 0);
        if (j + 4 < listed && work[j + 4].decide) prefetch_developer(work[j + 4].developer, 1);
        const std::size_t d = work[j].developer;
        const bool decide = work[j].decide, sampled_for_surplus = work[j].sampled;
        int c = choice_[d];
        const double value = traits_.value[d];
        const int current_vendor = c >= 0 ? opt_.vendor[c] : (c == kOutside ? outside_vendor : last_vendor_[d]);
        int degree = 0;
        if (decide && gamma > 0.0 && networked) {  // the network term matters only to a choice
            std::fill_n(neighbours_on.begin(), board.vendors + 2, 0);
            const auto b = graph_.offsets[d], e = graph_.offsets[d + 1];
            degree = static_cast<int>(e - b);
            if (peer_slot_.empty()) {
                for (auto k = b; k < e; ++k)  // a neighbour on no option counts in the last slot
                    ++neighbours_on[opt_.state_vendor[static_cast<std::size_t>(choice_[graph_.targets[k]] -
                                                                               kNewAware)]];
            } else {
                for (auto k = b; k < e; ++k)
                    ++neighbours_on[peer_slot_[static_cast<std::size_t>(graph_.targets[k])]];
            }
        }
        const double beta = traits_.quality_weight[d], alpha = traits_.price_weight[d], s = traits_.switching_cost[d];
        // Deterministic utility of each option without the developer-specific network
        // and switching terms; -inf where not viable. Branch-free loops vectorise.
        // (Reductions sit in loops of their own: exact max and sum orders, vectorised maps.)
        for (std::size_t o = 0; o <= m; ++o) {
            const double b = beta * opt_.quality[o] - alpha * opt_.price_term[o] - opt_.penalty[o];
            base[o] = value >= opt_.threshold[o] ? b : -kInf;
        }
        // Some option is viable (base has a finite entry) exactly when value reaches the
        // lowest threshold: a viable option's terms are finite.
        const bool viable = value >= opt_.min_threshold;
        if (sampled_for_surplus && viable) {
            const double surplus_best = max_of(base.data(), m + 1);
            for (std::size_t o = 0; o <= m; ++o) {
                const double e = fast_exp((base[o] - surplus_best) * inv_mu);
                u[o] = base[o] > -kInf ? e : 0.0;
            }
            double sum = 0.0;
            for (std::size_t o = 0; o <= m; ++o)
                sum += u[o];
            totals.consumer_surplus += w * static_cast<double>(surplus_stride_) * (surplus_best + mu * std::log(sum));
        }
        if (decide) {
            if (!viable) {
                c = kInactive;
            } else {
                if (degree > 0) {
                    const double per_neighbour = gamma * inv_mu / degree;
                    for (std::size_t o = 0; o <= m; ++o) {
                        const bool other_vendor = current_vendor >= 0 && opt_.vendor[o] != current_vendor;
                        u[o] = (base[o] - (other_vendor ? s : 0.0)) * inv_mu +
                               per_neighbour * neighbours_on[opt_.vendor[o]];
                    }
                } else {
                    for (std::size_t o = 0; o <= m; ++o) {
                        const bool other_vendor = current_vendor >= 0 && opt_.vendor[o] != current_vendor;
                        u[o] = (base[o] - (other_vendor ? s : 0.0)) * inv_mu;
                    }
                }
                const double best = max_of(u.data(), m + 1);
                for (std::size_t o = 0; o <= m; ++o) {
                    const double e = fast_exp(u[o] - best);
                    u[o] = base[o] > -kInf ? e : 0.0;
                }
                double sum = 0.0;
                for (std::size_t o = 0; o <= m; ++o)
                    sum += u[o];
                double target = work[j].draw * sum;  // drawn in (a1): a choice among viable options
                std::size_t pick = m;
                for (std::size_t o = 0; o <= m; ++o) {
                    if (u[o] <= 0.0) continue;
                    pick = o;
                    target -= u[o];
                    if (target < 0.0) break;
                }
                const int new_vendor = opt_.vendor[pick];
                if (current_vendor >= 0 && new_vendor != current_vendor) totals.switches += w;
                if (new_vendor != current_vendor && pick != outside) {
                    const std::uint64_t bit = std::uint64_t{1} << new_vendor;
                    const float granted = (joined_[d] & bit) != 0 ? 0.0f : static_cast<float>(board.free_quota[pick]);
                    sink.quota_holders += (granted > 0.0f ? 1 : 0) - (quota_[d] > 0.0f ? 1 : 0);
                    quota_[d] = granted;
                    joined_[d] |= bit;
                }
                c = pick == outside ? kOutside : static_cast<int>(pick);
                last_vendor_[d] = static_cast<std::int16_t>(new_vendor);
            }
            set_choice(d, static_cast<std::int16_t>(c), sink.active_count, sink.shared_neighbours);
            note_option(scratch, d - block, c);
        }
    }
}

void AgentDemand::awareness(std::size_t first, std::size_t last, UniformStream& uniform, double market_active_share) {
    // Bass diffusion, synchronous on last turn's active states. Active-neighbour counts are
    // kept up to date as choices change (set_choice), so this costs O(1) per unaware developer.
    const bool networked = graph_.edges() > 0;
    for (std::size_t d = first; d < last; ++d) {
        if (choice_[d] != kUnaware) continue;
        double neighbour_share = market_active_share;
        if (networked) {
            const auto degree = graph_.offsets[d + 1] - graph_.offsets[d];
            neighbour_share =
                degree > 0 ? static_cast<double>(active_neighbours_[d]) / static_cast<double>(degree) : 0.0;
        }
        const double hazard = spec_.p_innovation + spec_.p_imitation * neighbour_share;
        if (uniform() < hazard) choice_[d] = kNewAware;
    }
}

void AgentDemand::choose_blocks(std::size_t first, std::size_t last, const OfferBoard& board, Sink& sink,
                                Scratch& scratch, UniformStream& uniform) {
    const std::size_t outside = board.price.size();
    // Developers left before the next one sampled for surplus (d % surplus_stride_ == 0).
    std::size_t until_sample = (surplus_stride_ - first % surplus_stride_) % surplus_stride_;
    // Block by block: (a) who re-chooses, and the choice; (b) requested usage; (c) the totals,
    // added in developer order.
    for (std::size_t block = first; block < last; block += kBlock) {
        const std::size_t block_end = std::min(last, block + kBlock);
        // (a1) Who re-chooses (or is sampled for surplus). A choice draws one uniform when some
        // option is viable (value >= the lowest threshold); it is drawn here, right after the
        // developer's re-evaluation draw, so the sequence of draws is that of one pass in
        // developer order.
        std::size_t listed = 0;
        for (std::size_t d = block; d < block_end; ++d) {
            const bool sampled_for_surplus = until_sample == 0;
            until_sample = sampled_for_surplus ? surplus_stride_ - 1 : until_sample - 1;
            const int c = choice_[d];
            note_option(scratch, d - block, c);  // a choice below updates it
            if (c == kUnaware) continue;
            const double value = traits_.value[d];
            bool decide = false;
            if (c == kNewAware) {
                decide = true;
            } else if (c == kInactive) {
                decide = value >= opt_.min_threshold;
            } else {
                const auto opt = static_cast<std::size_t>(c == kOutside ? outside : static_cast<std::size_t>(c));
                decide =
                    value < opt_.threshold[opt] || opt_.penalty[opt] > 0.0 || uniform() < traits_.reevaluate_prob[d];
            }
            if (!decide && !sampled_for_surplus) continue;
            auto& entry = scratch.work[listed++];
            entry.developer = d;
            entry.decide = decide;
            entry.sampled = sampled_for_surplus;
            entry.draw = decide && value >= opt_.min_threshold ? uniform() : 0.0;
        }
        choose_listed(block, listed, board, sink, scratch);  // (a2)
        update_usage(scratch, block, block_end);             // (b)
        if (counts_exact_)                                   // (c)
            add_totals<true>(block, block_end, sink);
        else
            add_totals<false>(block, block_end, sink);
    }
}

template <class Body>
void AgentDemand::for_each_chunk(Body&& body) {
    const std::size_t chunks = chunk_sums_.size();
    const auto threads = static_cast<std::size_t>(threads_);
    std::atomic<std::size_t> next{0};  // chunks go to whichever thread is free: the sums do not care
    auto run = [&](std::size_t thread) {
        for (std::size_t c = next++; c < chunks; c = next++)
            body(c, thread);
    };
    if (threads <= 1) {
        run(0);
        return;
    }
    std::vector<std::jthread> helpers;  // a few per turn: thread start-up is microseconds
    helpers.reserve(threads - 1);
    for (std::size_t t = 1; t < threads; ++t)
        helpers.emplace_back(run, t);
    run(0);
}

UniformStream AgentDemand::chunk_stream(Stream stream, int turn, std::size_t chunk) const {
    const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(turn)) << 32) | chunk;
    return UniformStream(Rng(derive_seed(derive_seed(seed_, static_cast<std::uint64_t>(stream)), key)));
}

// The chunks' sums (lagged peers), in chunk order.
void AgentDemand::add_chunk_sums(std::size_t m, DemandTotals& totals, Counts& counts) {
    std::fill_n(full_service_spend_.begin(), m, 0.0);
    for (const ChunkSums& s : chunk_sums_) {
        const DemandTotals& t = s.totals;
        for (std::size_t o = 0; o < m; ++o) {
            totals.requested_mtok[o] += t.requested_mtok[o];
            totals.developers[o] += t.developers[o];
            full_service_spend_[o] += s.full_service_spend[o];
        }
        for (std::size_t v = 0; v < totals.vendor_requested_mtok.size(); ++v) {
            totals.vendor_requested_mtok[v] += t.vendor_requested_mtok[v];
            totals.vendor_developers[v] += t.vendor_developers[v];
        }
        totals.unaware += t.unaware;
        totals.aware_inactive += t.aware_inactive;
        totals.on_offers += t.on_offers;
        totals.outside += t.outside;
        totals.outside_mtok += t.outside_mtok;
        totals.consumer_surplus += t.consumer_surplus;
        totals.switches += t.switches;
        counts.unaware += s.counts.unaware;
        counts.inactive += s.counts.inactive;
        counts.outside += s.counts.outside;
        counts.on_offers += s.counts.on_offers;
        for (std::size_t o = 0; o < m; ++o)
            counts.option[o] += s.counts.option[o];
        for (std::size_t v = 0; v < counts.vendor.size(); ++v)
            counts.vendor[v] += s.counts.vendor[v];
        quota_holders_ += s.quota_holders;
        active_count_ += s.active_count;
    }
}

void AgentDemand::choose(int turn, const OfferBoard& board, DemandTotals& totals) {
    forecast_sampled_ = false;
    const std::size_t n = choice_.size();
    const std::size_t m = board.price.size();
    const double w = spec_.weight;
    prepare(board);
    const double market_active_share = n > 0 ? static_cast<double>(active_count_) / static_cast<double>(n) : 0.0;
    Counts counts;  // developers by state, option and vendor (used when counts_exact_)
    if (!chunked_) {
        // Pass 1: awareness; pass 2: choice and requested usage, in developer order.
        awareness(0, n, awareness_uniform_, market_active_share);
        std::fill_n(full_service_spend_.begin(), m, 0.0);
        Sink sink{totals, counts, full_service_spend_, quota_holders_, active_count_, false};
        choose_blocks(0, n, board, sink, scratch_[0], choice_uniform_);
    } else {
        // Lagged peers: every developer's vendor slot as the turn's choices begin, then
        // awareness; then the choices, which read the slots, never each other's new states.
        for_each_chunk([&](std::size_t c, std::size_t /*thread*/) {
            const std::size_t first = c * kChunk, last = std::min(n, first + kChunk);
            if (!peer_slot_.empty())
                for (std::size_t d = first; d < last; ++d)
                    peer_slot_[d] =
                        static_cast<std::uint8_t>(opt_.state_vendor[static_cast<std::size_t>(choice_[d] - kNewAware)]);
            UniformStream uniform = chunk_stream(Stream::awareness, turn, c);
            awareness(first, last, uniform, market_active_share);
        });
        for_each_chunk([&](std::size_t c, std::size_t thread) {
            const std::size_t first = c * kChunk, last = std::min(n, first + kChunk);
            ChunkSums& sums = chunk_sums_[c];
            sums.totals.reset(m, totals.vendor_requested_mtok.size());
            sums.counts = Counts{};
            std::fill_n(sums.full_service_spend.begin(), m, 0.0);
            sums.quota_holders = sums.active_count = 0;
            Sink sink{sums.totals, sums.counts, sums.full_service_spend, sums.quota_holders, sums.active_count, true};
            UniformStream uniform = chunk_stream(Stream::choice, turn, c);
            choose_blocks(first, last, board, sink, scratch_[thread], uniform);
        });
        add_chunk_sums(m, totals, counts);
    }
    if (counts_exact_) {
        totals.unaware = static_cast<double>(counts.unaware) * w;
        totals.aware_inactive = static_cast<double>(counts.inactive) * w;
        totals.outside = static_cast<double>(counts.outside) * w;
        totals.on_offers = static_cast<double>(counts.on_offers) * w;
        for (std::size_t o = 0; o < m; ++o)
            totals.developers[o] = static_cast<double>(counts.option[o]) * w;
        for (std::size_t v = 0; v < totals.vendor_developers.size(); ++v)
            totals.vendor_developers[v] = static_cast<double>(counts.vendor[v]) * w;
    }
    full_service_sums_ = quota_holders_ == 0;
}

namespace {
// Requested usage base * exp(-elasticity * log_rel), capped by budget / price (with_budgets;
// without budgets the cap is +inf and min(q, inf) = q), for developers [0, count) of the
// arrays; -1 where unused < 0 (on no option). Every operation is done for every developer
// and the results selected (bitwise & on purpose), so the loops have no branch and vectorise.
// An AVX2 clone is chosen at run time where the processor has it; neither clone contracts
// multiply-adds (no FMA target), so both round every operation the same way.
struct UsageInputs {
    const float *base_usage, *elasticity, *budget, *unused;
    const double *log_rel, *price;
};
__attribute__((target_clones("avx2", "default"))) void usage_kernel(std::size_t count, UsageInputs in, float* out,
                                                                    bool with_budgets) {
    if (with_budgets) {
        for (std::size_t i = 0; i < count; ++i) {
            const double q = in.base_usage[i] * fast_exp(-static_cast<double>(in.elasticity[i]) * in.log_rel[i]);
            const double p = in.price[i];
            const double b = in.budget[i];  // non-negative draws, or +inf (no budget)
            const double by_budget = b / (p > 0.0 ? p : 1.0);
            const double cap = ((p > 0.0) & (b < kInf)) ? by_budget : kInf;
            const auto value = static_cast<float>(std::min(q, cap));
            out[i] = in.unused[i] < 0.0f ? -1.0f : value;
        }
    } else {
        for (std::size_t i = 0; i < count; ++i) {
            const double q = in.base_usage[i] * fast_exp(-static_cast<double>(in.elasticity[i]) * in.log_rel[i]);
            const auto value = static_cast<float>(q);
            out[i] = in.unused[i] < 0.0f ? -1.0f : value;
        }
    }
}
}  // namespace

template <bool Counted>
void AgentDemand::add_totals(std::size_t first, std::size_t last, Sink& sink) {
    DemandTotals& totals = sink.totals;
    Counts& counts = sink.counts;
    // In developer order, so every sum adds the same terms in the same order whatever the
    // blocks. Counted: developers are counted and the counts multiplied by the weight at the
    // end, which equals adding the weight once per developer (see counts_exact_).
    const double w = spec_.weight;
    for (std::size_t d = first; d < last; ++d) {
        const int c = choice_[d];
        if (c == kUnaware) {
            if constexpr (Counted)
                ++counts.unaware;
            else
                totals.unaware += w;
        } else if (c == kInactive) {
            if constexpr (Counted)
                ++counts.inactive;
            else
                totals.aware_inactive += w;
        } else if (c == kOutside) {
            if constexpr (Counted)
                ++counts.outside;
            else
                totals.outside += w;
            totals.outside_mtok += w * usage_[d];
        } else {
            const auto opt = static_cast<std::size_t>(c);
            const auto vendor = static_cast<std::size_t>(opt_.vendor[opt]);
            const double q = usage_[d];
            totals.requested_mtok[opt] += w * q;
            sink.full_service_spend[opt] += w * q * opt_.price[opt];
            totals.vendor_requested_mtok[vendor] += w * q;
            if constexpr (Counted) {
                ++counts.on_offers;
                ++counts.option[opt];
                ++counts.vendor[vendor];
            } else {
                totals.on_offers += w;
                totals.developers[opt] += w;
                totals.vendor_developers[vendor] += w;
            }
        }
    }
}

void AgentDemand::update_usage(const Scratch& scratch, std::size_t first, std::size_t last) {
    // Stored in single precision; totals use the stored value so that served tokens
    // (fraction x stored usage) add up exactly to the rationed capacity. Recomputed for every
    // developer on an option: the same value as before unless its price or the choice changed,
    // and a loop without branches (the option's terms noted by note_option) vectorises.
    const UsageInputs in{traits_.base_usage.data() + first, traits_.elasticity.data() + first,
                         traits_.budget.data() + first,     scratch.terms.unused.data(),
                         scratch.terms.log_rel.data(),      scratch.terms.price.data()};
    usage_kernel(last - first, in, usage_.data() + first, budgets_);
}

void AgentDemand::serve(const OfferBoard& board, std::span<const double> fraction, DemandTotals& totals) {
    forecast_sampled_ = false;
    const std::size_t n = choice_.size();
    // Full service and no free quota left: every developer is served its request and pays for
    // all of it. The pass below would then add the same terms in the same order as choose()
    // did, so its sums are taken from there (bit for bit) and the pass is skipped.
    bool full_service = full_service_sums_;
    for (std::size_t v = 0; v < fraction.size() && full_service; ++v)  // a vendor without developers does not count
        full_service =
            fraction[v] == 1.0 || (v < totals.vendor_developers.size() && totals.vendor_developers[v] == 0.0);
    if (full_service) {
        const std::size_t m = board.price.size();
        for (std::size_t o = 0; o < m; ++o) {
            totals.served_mtok[o] = totals.paid_mtok[o] = totals.requested_mtok[o];
            totals.free_mtok[o] = 0.0;
            totals.spend[o] = full_service_spend_[o];
        }
        return;
    }
    if (!chunked_) {
        serve_range(0, n, board, fraction, totals, quota_holders_);
        return;
    }
    const std::size_t m = board.price.size();
    for_each_chunk([&](std::size_t c, std::size_t /*thread*/) {
        ChunkSums& sums = chunk_sums_[c];
        for (auto* v : {&sums.totals.served_mtok, &sums.totals.free_mtok, &sums.totals.paid_mtok, &sums.totals.spend})
            std::fill_n(v->begin(), m, 0.0);
        sums.quota_holders = 0;
        serve_range(c * kChunk, std::min(n, (c + 1) * kChunk), board, fraction, sums.totals, sums.quota_holders);
    });
    for (const ChunkSums& s : chunk_sums_) {  // in chunk order
        for (std::size_t o = 0; o < m; ++o) {
            totals.served_mtok[o] += s.totals.served_mtok[o];
            totals.free_mtok[o] += s.totals.free_mtok[o];
            totals.paid_mtok[o] += s.totals.paid_mtok[o];
            totals.spend[o] += s.totals.spend[o];
        }
        quota_holders_ += s.quota_holders;
    }
}

void AgentDemand::serve_range(std::size_t first, std::size_t last, const OfferBoard& board,
                              std::span<const double> fraction, DemandTotals& totals, std::int64_t& quota_holders) {
    const double w = spec_.weight;
    for (std::size_t d = first; d < last; ++d) {
        const int c = choice_[d];
        if (c < 0) continue;
        const double served = fraction[board.vendor[c]] * usage_[d];
        const double free = std::min<double>(served, quota_[d]);
        const float left = static_cast<float>(quota_[d] - free);
        if (quota_[d] > 0.0f && !(left > 0.0f)) --quota_holders;
        quota_[d] = left;
        const double paid = served - free;
        totals.served_mtok[c] += w * served;
        totals.free_mtok[c] += w * free;
        totals.paid_mtok[c] += w * paid;
        totals.spend[c] += w * paid * board.price[c];
    }
}

void AgentDemand::release_vendor(int vendor, const OfferBoard& board) {
    forecast_sampled_ = false;
    for (std::size_t d = 0; d < choice_.size(); ++d)
        if (choice_[d] >= 0 && board.vendor[choice_[d]] == vendor)
            set_choice(d, kInactive, active_count_, false);  // last_vendor_ keeps the exited vendor
}

void AgentDemand::prefetch_developer(std::size_t d, int stage) const {
    const bool row = d + 1 < graph_.offsets.size();
    if (stage == 0) {  // the traits a choice reads and the network row
        __builtin_prefetch(traits_.quality_weight.data() + d);
        __builtin_prefetch(traits_.price_weight.data() + d);
        __builtin_prefetch(traits_.switching_cost.data() + d);
        __builtin_prefetch(last_vendor_.data() + d);
        __builtin_prefetch(joined_.data() + d);
        if (row) {
            __builtin_prefetch(graph_.offsets.data() + d);
            __builtin_prefetch(graph_.targets.data() + graph_.offsets[d]);
        }
    } else if (row) {  // the neighbours' states (the row was fetched by stage 0)
        for (auto k = graph_.offsets[d]; k < graph_.offsets[d + 1]; ++k) {
            const auto t = static_cast<std::size_t>(graph_.targets[static_cast<std::size_t>(k)]);
            if (peer_slot_.empty())
                __builtin_prefetch(choice_.data() + t);
            else
                __builtin_prefetch(peer_slot_.data() + t);
        }
    }
}

void AgentDemand::set_choice(std::size_t d, std::int16_t c, std::int64_t& active_count, bool shared_neighbours) {
    const bool was = choice_[d] >= kOutside, now = c >= kOutside;
    choice_[d] = c;
    if (was == now) return;
    active_count += now ? 1 : -1;
    for (auto k = graph_.offsets[d]; k < graph_.offsets[d + 1]; ++k) {
        auto& count = active_neighbours_[static_cast<std::size_t>(graph_.targets[k])];
        if (shared_neighbours) {  // whole-number additions: the same counts in any order
            std::atomic_ref<std::uint32_t> shared(count);
            if (now)
                shared.fetch_add(1, std::memory_order_relaxed);
            else
                shared.fetch_sub(1, std::memory_order_relaxed);
        } else {
            count = now ? count + 1 : count - 1;
        }
    }
}

void AgentDemand::ForecastSample::clear() {
    for (auto* v : {&value, &beta, &alpha, &base_usage, &elasticity, &budget, &on_value})
        v->clear();
    on_offset.clear();
}

void AgentDemand::resample_forecast(std::size_t offers) const {
    // The aware population on a deterministic sample of at most ~kForecastSample developers
    // (every stride-th), in developer order.
    auto& s = forecast_sample_;
    s.clear();
    const std::size_t n = choice_.size();
    const std::size_t stride = std::max<std::size_t>(1, n / kForecastSample);
    const std::size_t m = offers;
    s.on_offset.assign(m + 2, 0);
    for (std::size_t d = 0; d < n; d += stride) {
        const int c = choice_[d];
        if (c == kUnaware) continue;
        s.value.push_back(traits_.value[d]);
        s.beta.push_back(traits_.quality_weight[d]);
        s.alpha.push_back(traits_.price_weight[d]);
        s.base_usage.push_back(traits_.base_usage[d]);
        s.elasticity.push_back(traits_.elasticity[d]);
        s.budget.push_back(traits_.budget[d]);
        if (c >= 0 && static_cast<std::size_t>(c) < m) ++s.on_offset[static_cast<std::size_t>(c) + 2];
    }
    for (std::size_t o = 0; o < m; ++o)  // counts to offsets, shifted by one for the fill below
        s.on_offset[o + 2] += s.on_offset[o + 1];
    s.on_value.resize(s.on_offset[m + 1]);
    for (std::size_t d = 0; d < n; d += stride) {
        const int c = choice_[d];
        if (c >= 0 && static_cast<std::size_t>(c) < m)
            s.on_value[s.on_offset[static_cast<std::size_t>(c) + 1]++] = traits_.value[d];
    }
    s.on_offset.pop_back();
    forecast_cache_.invalidate();
    forecast_sampled_ = true;
}

void AgentDemand::forecast(const OfferBoard& board, int offer, double price, ForecastScope scope,
                           std::vector<DemandForecast>& out) const {
    // The aware population on a deterministic sample of at most ~kForecastSample developers,
    // scaled up (a vendor's market research, not a census).
    out.assign(board.price.size(), DemandForecast{});
    const std::size_t n = choice_.size();
    const std::size_t stride = std::max<std::size_t>(1, n / kForecastSample);
    const double mass = spec_.weight * static_cast<double>(stride);
    if (!forecast_sampled_)
        resample_forecast(board.price.size());  // the aware changed since the last forecast (a turn, an exit)
    const auto& s = forecast_sample_;
    const auto own = static_cast<std::size_t>(offer);
    if (own + 1 < s.on_offset.size())
        for (std::size_t k = s.on_offset[own]; k < s.on_offset[own + 1]; ++k)
            if (s.on_value[k] >= price + kappa_) out[own].retained += mass;
    forecast_cache_.add(
        board, offer, price, scope, kappa_, spec_, s.value.size(),
        [&](std::size_t j) {
            return LogitDeveloper{mass, s.value[j], s.beta[j], s.alpha[j]};
        },
        [&](std::size_t j, double p, double log_cost) {
            // usage_at_from_log, on the sample's copy of the traits
            double q = s.base_usage[j] * std::exp(-static_cast<double>(s.elasticity[j]) * (log_cost - log_ref_));
            if (p > 0.0 && std::isfinite(s.budget[j])) q = std::min(q, s.budget[j] / p);
            return q;
        },
        out);
}

}  // namespace pricewar
