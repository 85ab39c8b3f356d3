#pragma once

#include <cstdint>
#include <vector>

#include "agents/demand_model.hpp"
#include "agents/developer_traits.hpp"

namespace pricewar {

class MeanFieldDemand final : public DemandModel {
public:
    MeanFieldDemand(const Scenario& scenario, std::uint64_t seed);

    void choose(int turn, const OfferBoard& board, DemandTotals& totals) override;
    void serve(const OfferBoard& board, std::span<const double> served_fraction, DemandTotals& totals) override;
    void release_vendor(int vendor, const OfferBoard& board) override;
    void forecast(const OfferBoard& board, int offer, double price, ForecastScope scope,
                  std::vector<DemandForecast>& per_offer) const override;
    [[nodiscard]] std::size_t state_bytes() const override;

private:
    [[nodiscard]] double price_term(double p) const;
    [[nodiscard]] double usage(std::size_t type, double price) const;
    // The same with log(price + kappa) given (computed once per offer by the forecasts).
    [[nodiscard]] double usage_from_log(std::size_t type, double price, double log_cost) const;
    void option_prices(const OfferBoard& board, std::vector<double>& price, std::vector<std::uint8_t>& open,
                       std::vector<int>& vendor, std::vector<double>& quality) const;

    DeveloperSpec spec_;
    double kappa_, log_ref_, rationing_penalty_;
    std::size_t types_ = 0, offers_ = 0, vendors_ = 0, options_ = 0;
    DeveloperTraits traits_;  // one entry per type
    // Mass (weighted developers) per type in each state; on_ is [type, option].
    std::vector<double> unaware_, new_aware_, inactive_, on_;
    std::vector<double> quota_;  // free Mtok pool per [type, vendor]
    // Scratch, sized once.
    std::vector<double> next_, probs_, base_, base_fresh_, served_fraction_, vendor_share_;
    std::vector<double> price_, quality_;
    std::vector<std::uint8_t> open_;
    std::vector<int> vendor_of_;
};

}  // namespace pricewar
