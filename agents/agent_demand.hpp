#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "agents/demand_model.hpp"
#include "agents/developer_traits.hpp"
#include "agents/logit_forecast.hpp"
#include "agents/network.hpp"

namespace pricewar {

class AgentDemand final : public DemandModel {
public:
    static constexpr std::size_t kMaxOptions = 257;  // 256 offers + the outside option
    static constexpr std::size_t kMaxVendors = 65;   // 64 vendors + the outside pseudo-vendor

    // Encoding of a developer's state in choice_ (>= 0: index of the offer it uses).
    static constexpr std::int16_t kOutside = -1;   // self-hosting
    static constexpr std::int16_t kInactive = -2;  // aware, no viable option (waiting)
    static constexpr std::int16_t kUnaware = -3;
    static constexpr std::int16_t kNewAware = -4;  // became aware this turn: must choose
    static constexpr std::size_t kStates = 4;      // negative states, kNewAware to kOutside

    // threads: how many threads the turn's passes may use when agents see last turn's peer
    // choices (developers.peer_update = "lagged"); the results do not depend on it.
    AgentDemand(const Scenario& scenario, std::uint64_t seed, int threads = 1);

    void choose(int turn, const OfferBoard& board, DemandTotals& totals) override;
    void serve(const OfferBoard& board, std::span<const double> served_fraction, DemandTotals& totals) override;
    void release_vendor(int vendor, const OfferBoard& board) override;
    void forecast(const OfferBoard& board, int offer, double price, ForecastScope scope,
                  std::vector<DemandForecast>& per_offer) const override;
    [[nodiscard]] std::size_t state_bytes() const override;

    // Read access for tests.
    [[nodiscard]] const std::vector<std::int16_t>& choices() const { return choice_; }
    [[nodiscard]] const CsrGraph& graph() const { return graph_; }

private:
    // Per-turn option table: the offers, then the outside option.
    struct Options {
        std::size_t count = 0;  // offers (outside is at index count)
        double min_threshold = kInf;
        std::array<double, kMaxOptions> threshold{}, price_term{}, log_rel{}, quality{}, penalty{}, price{};
        std::array<int, kMaxOptions> vendor{};
        std::array<int, kMaxOptions + kStates> state_vendor{};  // see prepare()
    };
    void prepare(const OfferBoard& board);
    static constexpr std::size_t kBlock = 1024;  // developers per block of the choice pass
    // With lagged peers the population is processed in chunks of this many developers, each
    // with its own random streams and sums, added in chunk order: chunks can run on any
    // thread in any order and the results stay the same.
    static constexpr std::size_t kChunk = 16 * kBlock;
    struct Counts {
        std::int64_t unaware = 0, inactive = 0, outside = 0, on_offers = 0;
        std::array<std::int64_t, kMaxOptions> option{};
        std::array<std::int64_t, kMaxVendors> vendor{};
    };
    // Developers of the current block that re-choose or are sampled for surplus.
    struct Work {
        std::size_t developer = 0;
        bool decide = false, sampled = false;
        double draw = 0.0;  // the choice's uniform draw (when it has a viable option)
    };
    // Per developer of the current block: its option's log relative price and price, and -1
    // when it is on no option (0 otherwise).
    struct OptionTerms {
        std::array<double, kBlock> log_rel{}, price{};
        std::array<float, kBlock> unused{};
    };
    // One thread's working memory for a block.
    struct Scratch {
        std::array<Work, kBlock> work{};
        OptionTerms terms;
    };
    // Where a pass adds its sums and counts: the turn's totals, or (lagged peers) its chunk's.
    struct Sink {
        DemandTotals& totals;
        Counts& counts;
        std::array<double, kMaxOptions>& full_service_spend;
        std::int64_t& quota_holders;
        std::int64_t& active_count;
        bool shared_neighbours;  // other threads update active_neighbours_ too
    };
    struct ChunkSums {
        DemandTotals totals;
        Counts counts;
        std::array<double, kMaxOptions> full_service_spend{};
        std::int64_t quota_holders = 0, active_count = 0;  // changes during the pass
    };
    // Every change of a developer's state goes through here: keeps the active-neighbour
    // counts and the active total exact.
    void set_choice(std::size_t developer, std::int16_t choice, std::int64_t& active_count, bool shared_neighbours);
    // Software prefetch for a developer about to be processed: stage 0 its row and traits,
    // stage 1 its neighbours' states.
    void prefetch_developer(std::size_t developer, int stage) const;
    // Pass 1 (awareness) for developers [first, last).
    void awareness(std::size_t first, std::size_t last, UniformStream& uniform, double market_active_share);
    // Pass 2 for developers [first, last) (first a multiple of kBlock), block by block.
    void choose_blocks(std::size_t first, std::size_t last, const OfferBoard& board, Sink& sink, Scratch& scratch,
                       UniformStream& uniform);
    // Pass 2 (a2): the choices of the developers listed in scratch.work for the block starting at `block`.
    void choose_listed(std::size_t block, std::size_t listed, const OfferBoard& board, Sink& sink, Scratch& scratch);
    // Requested usage of developers [first, last) at their current option.
    void update_usage(const Scratch& scratch, std::size_t first, std::size_t last);
    // Pass 2 (c): the totals of developers [first, last).
    template <bool Counted>
    void add_totals(std::size_t first, std::size_t last, Sink& sink);
    // Notes the usage terms of developer block + i's option (c: its state) for update_usage.
    void note_option(Scratch& scratch, std::size_t i, int c);
    // Serving developers [first, last): served, free and paid tokens and spend into `out`.
    void serve_range(std::size_t first, std::size_t last, const OfferBoard& board, std::span<const double> fraction,
                     DemandTotals& out, std::int64_t& quota_holders);
    // Calls body(chunk, thread) for every chunk of the population, on up to threads_ threads.
    template <class Body>
    void for_each_chunk(Body&& body);
    // Adds the chunks' sums of a turn's choices to the turn's, in chunk order (lagged peers).
    void add_chunk_sums(std::size_t offers, DemandTotals& totals, Counts& counts);
    // Random stream of one chunk in one turn (lagged peers), under a component's stream.
    [[nodiscard]] UniformStream chunk_stream(Stream stream, int turn, std::size_t chunk) const;
    [[nodiscard]] double usage_at(std::size_t developer, double price) const;
    // The same with log(price + kappa) given (computed once per offer by the forecasts).
    [[nodiscard]] double usage_at_from_log(std::size_t developer, double price, double log_cost) const;

    DeveloperSpec spec_;
    double kappa_;
    double log_ref_;
    double rationing_penalty_;
    DeveloperTraits traits_;
    CsrGraph graph_;
    std::vector<std::int16_t> choice_;
    std::vector<std::int16_t> last_vendor_;         // vendor of the last provider (-1 none)
    std::vector<std::uint64_t> joined_;             // vendors whose free quota was granted
    std::vector<float> quota_;                      // free Mtok left at the current vendor
    std::int64_t quota_holders_ = 0;                // developers with quota_ > 0
    bool budgets_ = false;                          // some developer has a finite budget
    bool counts_exact_ = false;                     // developer totals may be taken as count x weight
    std::vector<float> usage_;                      // requested Mtok at the current option (-1: none)
    std::vector<std::uint32_t> active_neighbours_;  // neighbours on an offer or self-hosting
    // With peer_update = lagged: each developer's vendor slot (Options::state_vendor) at the
    // start of the turn's choices, which the network term counts instead of the live states.
    std::vector<std::uint8_t> peer_slot_;
    static_assert(kMaxVendors + 1 <= 255, "vendor slots must fit in a byte");
    std::int64_t active_count_ = 0;
    std::size_t surplus_stride_ = 1;
    UniformStream awareness_uniform_;
    UniformStream choice_uniform_;
    Options opt_;
    std::vector<Scratch> scratch_;  // one per thread
    // Lagged peers: chunks, random streams and sums per chunk.
    bool chunked_ = false;
    int threads_ = 1;
    std::uint64_t seed_ = 0;
    std::vector<ChunkSums> chunk_sums_;
    // Sums for serve() when every vendor serves in full and nobody has free quota left
    // (valid when full_service_sums_ was set by the last choose()).
    std::array<double, kMaxOptions> full_service_spend_{};
    bool full_service_sums_ = false;
    // Forecasts of one turn share the sampled aware developers and their logit terms; any
    // change of the developers' states (choose, serve, release_vendor) clears them.
    // The sample's traits are copied into contiguous arrays (a forecast reads them once per
    // price tried), and the values of the sampled developers on each offer are grouped by offer
    // (CSR, sample order) for the retained count.
    struct ForecastSample {
        std::vector<float> value, beta, alpha, base_usage, elasticity, budget;
        std::vector<std::size_t> on_offset;  // [offers + 1]
        std::vector<float> on_value;         // values of the sampled developers on each offer
        void clear();
    };
    void resample_forecast(std::size_t offers) const;
    mutable bool forecast_sampled_ = false;
    mutable ForecastSample forecast_sample_;
    mutable LogitSweepCache forecast_cache_;
};

}  // namespace pricewar
