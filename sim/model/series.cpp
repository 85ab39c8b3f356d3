#include "sim/model/series.hpp"

#include <algorithm>
#include <span>
#include <vector>

namespace pricewar::outputs {

std::string units(Unit unit, std::string_view currency) {
    const std::string money(currency);
    switch (unit) {
        case Unit::money:
            return money;
        case Unit::money_per_turn:
            return money + "/turn";
        case Unit::money_per_mtok:
            return money + "/Mtok";
        case Unit::money_per_period:
            return money + "/period";
        case Unit::mtok:
            return "Mtok";
        case Unit::mtok_per_turn:
            return "Mtok/turn";
        case Unit::developers:
            return "developers";
        case Unit::gpus:
            return "GPUs";
        case Unit::turn:
            return "turn";
        case Unit::turns:
            return "turns";
        case Unit::periods:
            return "periods";
        case Unit::vendors:
            return "vendors";
        case Unit::utils:
            return "util";
        case Unit::hhi:
            return "index 0-10000";
        case Unit::one:
            return "1";
    }
    return "1";
}

std::string_view group_path(Group group) {
    switch (group) {
        case Group::offer:
            return "series/offer";
        case Group::vendor:
            return "series/vendor";
        case Group::market:
            return "series/market";
        case Group::vendor_summary:
            return "summary/vendor";
        case Group::market_summary:
        case Group::repeated_game_summary:
            return "summary/market";
    }
    return "";
}

std::string_view group_dims(Group group) {
    switch (group) {
        case Group::offer:
            return "[T, O]";
        case Group::vendor:
            return "[T, V]";
        case Group::market:
            return "[T]";
        case Group::vendor_summary:
            return "[V]";
        case Group::market_summary:
            return "scalar";
        case Group::repeated_game_summary:
            return "scalar (repeated game)";
    }
    return "";
}

namespace {

struct Row {
    std::string name, group, dims, units, description;
};

std::vector<Row> reference_rows() {
    std::vector<Row> rows;
    auto add = [&](Group group, std::span<const Descriptor> table) {
        for (const auto& d : table)
            rows.push_back({std::string(d.name), std::string(group_path(group)), std::string(group_dims(group)),
                            units(d.unit, "money"), std::string(d.description)});
    };
    add(Group::offer, offer_series);
    add(Group::vendor, vendor_series);
    add(Group::market, market_series);
    add(Group::vendor_summary, vendor_summary);
    add(Group::market_summary, market_summary);
    add(Group::repeated_game_summary, repeated_game_summary);
    return rows;
}

// A Markdown table cell: '|' would end the cell.
std::string cell(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '|') out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

std::string series_reference(bool markdown) {
    const std::vector<Row> rows = reference_rows();
    std::string out;
    if (markdown) {
        out += "| name | group | dims | units | description |\n";
        out += "| --- | --- | --- | --- | --- |\n";
        for (const auto& r : rows)
            out += "| `" + r.name + "` | `" + r.group + "` | " + r.dims + " | " + cell(r.units) + " | " +
                   cell(r.description) + " |\n";
        return out;
    }
    const Row header{"name", "group", "dims", "units", "description"};
    std::size_t width[4] = {header.name.size(), header.group.size(), header.dims.size(), header.units.size()};
    for (const auto& r : rows) {
        width[0] = std::max(width[0], r.name.size());
        width[1] = std::max(width[1], r.group.size());
        width[2] = std::max(width[2], r.dims.size());
        width[3] = std::max(width[3], r.units.size());
    }
    auto line = [&](const Row& r) {
        auto pad = [](const std::string& s, std::size_t w) { return s + std::string(w - s.size() + 2, ' '); };
        out += pad(r.name, width[0]) + pad(r.group, width[1]) + pad(r.dims, width[2]) + pad(r.units, width[3]) +
               r.description + "\n";
    };
    line(header);
    for (const auto& r : rows)
        line(r);
    return out;
}

}  // namespace pricewar::outputs
