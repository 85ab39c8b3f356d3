#include "sim/model/events.hpp"

namespace pricewar {

const Registry<EventKindInfo>& event_kinds() {
    using R = EventKey::Role;
    using K = EventKey::Kind;
    const EventKey offer{"offer", R::required, K::offer, nullptr, {}, "\"vendor.offer\" naming an offer in [vendors]",
                         ""};
    const auto price_key = [](const char* key, std::optional<double> Event::*m, R role) {
        return EventKey{key, role, K::number, m, at_least(0), "a price >= 0, CNY per Mtok", "currency/Mtok"};
    };
    static const Registry<EventKindInfo> registry(
        "event kind",
        {
            {"price",
             Event::Kind::price,
             "sets an offer's list price (input, output or both)",
             {offer, price_key("price_in", &Event::price_in, R::one_of),
              price_key("price_out", &Event::price_out, R::one_of)}},
            {"launch",
             Event::Kind::launch,
             "puts an offer with active = false on sale, optionally at new prices and quality",
             {offer,
              price_key("price_in", &Event::price_in, R::optional),
              price_key("price_out", &Event::price_out, R::optional),
              {"quality", R::optional, K::number, &Event::quality, closed(0, 10), "a capability index", "1"}}},
            {"withdraw", Event::Kind::withdraw, "takes an offer off the market for good", {offer}},
            {"quality",
             Event::Kind::quality,
             "changes an offer's capability index",
             {offer, {"quality", R::required, K::number, &Event::quality, closed(0, 10), "a capability index", "1"}}},
            {"cost_shock",
             Event::Kind::cost_shock,
             "multiplies unit costs of one vendor (or of all, without vendor) from this turn on",
             {{"vendor", R::optional, K::vendor, nullptr, {}, "a vendor id", ""},
              {"factor", R::required, K::number, &Event::factor, above(0), "a multiplier of unit cost", "1"}}},
            {"gpu_supply",
             Event::Kind::gpu_supply,
             "sets the market-wide GPU deliveries per turn",
             {{"value", R::required, K::number, &Event::value, at_least_or_inf(0), "GPUs delivered per turn",
               "GPUs/turn"}}},
            {"vc_climate",
             Event::Kind::vc_climate,
             "sets the funding climate",
             {{"value", R::required, K::number, &Event::value, closed(0, 1), "a funding climate", "1"}}},
            {"vendor_entry",
             Event::Kind::vendor_entry,
             "brings in a vendor declared with present = false",
             {{"vendor", R::required, K::vendor, nullptr, {}, "the id of a vendor with present = false", ""}}},
        });
    return registry;
}

const char* to_string(Event::Kind kind) {
    const auto& all = event_kinds().all();
    const auto i = static_cast<std::size_t>(kind);
    return i < all.size() ? all[i].name.c_str() : "unknown";
}

}  // namespace pricewar
