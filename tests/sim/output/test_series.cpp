// The series declaration (sim/model/series.hpp) and the reference generated from it.

#include "sim/model/series.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

using namespace pricewar;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The text between the begin marker line and the end marker line.
std::string between_markers(const std::string& text, const std::string& begin, const std::string& end) {
    const auto b = text.find(begin);
    REQUIRE_MESSAGE(b != std::string::npos, "no marker " << begin);
    const auto start = text.find('\n', b);
    REQUIRE(start != std::string::npos);
    const auto e = text.find(end, start);
    REQUIRE_MESSAGE(e != std::string::npos, "no marker " << end);
    return text.substr(start + 1, e - start - 1);
}

template <class Table>
void check_names(const Table& table) {
    std::set<std::string_view> seen;
    for (const auto& d : table) {
        CAPTURE(d.name);
        CHECK(seen.insert(d.name).second);
        CHECK_FALSE(d.name.empty());
        CHECK(d.name.find('/') == std::string_view::npos);
        CHECK_FALSE(d.description.empty());
    }
}

}  // namespace

TEST_CASE("every series and summary name is unique within its group and has a description") {
    check_names(outputs::offer_series);
    check_names(outputs::vendor_series);
    check_names(outputs::market_series);
    check_names(outputs::vendor_summary);
    check_names(outputs::market_summary);
    check_names(outputs::repeated_game_summary);
}

TEST_CASE("names are found by position at compile time") {
    static_assert(outputs::offer_series[outputs::offer_index("price")].name == "price");
    static_assert(outputs::vendor_series[outputs::vendor_index("token_share")].name == "token_share");
    static_assert(outputs::market_series[outputs::market_index("hhi")].name == "hhi");
    static_assert(outputs::vendor_summary_name("peak_loss") == "peak_loss");
    CHECK(outputs::offer_index("quality") == outputs::offer_series.size() - 1);
}

TEST_CASE("units resolve money with the run's currency") {
    CHECK(outputs::units(outputs::Unit::money, "CNY") == "CNY");
    CHECK(outputs::units(outputs::Unit::money_per_mtok, "USD") == "USD/Mtok");
    CHECK(outputs::units(outputs::Unit::money_per_turn, "CNY") == "CNY/turn");
    CHECK(outputs::units(outputs::Unit::mtok_per_turn, "CNY") == "Mtok/turn");
    CHECK(outputs::units(outputs::Unit::one, "CNY") == "1");
    CHECK(outputs::units(outputs::Unit::hhi, "CNY") == "index 0-10000");
}

TEST_CASE("the reference lists every entry once, in Markdown and in plain text") {
    const std::size_t entries = outputs::offer_series.size() + outputs::vendor_series.size() +
                                outputs::market_series.size() + outputs::vendor_summary.size() +
                                outputs::market_summary.size() + outputs::repeated_game_summary.size();
    for (const bool markdown : {true, false}) {
        CAPTURE(markdown);
        const std::string text = outputs::series_reference(markdown);
        std::size_t lines = 0;
        for (const char c : text)
            lines += c == '\n' ? 1 : 0;
        CHECK(lines == entries + (markdown ? 2 : 1));  // + header (and the Markdown rule)
        CHECK(text.find("token_price_elasticity") != std::string::npos);
        CHECK(text.find("money/Mtok") != std::string::npos);
    }
    const std::string md = outputs::series_reference(true);
    CHECK(md.find("| `price` | `series/offer` | [T, O] | money/Mtok | ") != std::string::npos);
    CHECK(md.find("| `exit_turn` | `summary/vendor` | [V] | turn | ") != std::string::npos);
}

TEST_CASE("docs/hdf5-layout.md holds the generated series table") {
    const std::string doc = read_text(PRICEWAR_HDF5_LAYOUT_DOC);
    const std::string committed =
        between_markers(doc, "<!-- generated: list-series begin -->", "<!-- generated: list-series end -->");
    // To regenerate, replace the lines between the markers with series_reference(true).
    CHECK_MESSAGE(committed == outputs::series_reference(true),
                  "docs/hdf5-layout.md differs from series_reference(true) (pricewar list-series --markdown)");
}
