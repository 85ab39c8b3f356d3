#include "sim/cli/reference.hpp"

#include <iostream>

#include "sim/model/series.hpp"
#include "sim/scenario/schema.hpp"

namespace pricewar::cli {

namespace {

// Both commands take only --markdown; `print` writes the reference.
template <class Print>
int reference_command(const std::string& name, const std::string& what, const std::string& doc,
                      const std::vector<std::string>& args, Print print) {
    bool markdown = false;
    for (const auto& a : args) {
        if (a == "--markdown") {
            markdown = true;
        } else if (a == "-h" || a == "--help") {
            std::cout << "usage: pricewar " << name << " [--markdown]\n  " << what
                      << "\n  --markdown  Markdown tables, as included in " << doc << "\n";
            return 0;
        } else {
            std::cerr << "pricewar: " << name << ": unknown option '" << a << "' (expected --markdown)\n";
            return 2;
        }
    }
    std::cout << print(markdown) << "\n";
    return 0;
}

}  // namespace

int list_keys(const std::vector<std::string>& args) {
    return reference_command("list-keys", "every scenario key: path, type, default, allowed values, unit, meaning",
                             "docs/scenario-format.md", args, [](bool md) { return schema::key_reference(md); });
}

int list_series(const std::vector<std::string>& args) {
    return reference_command("list-series", "every output series and summary: name, group, dimensions, units, meaning",
                             "docs/hdf5-layout.md", args, [](bool md) { return outputs::series_reference(md); });
}

}  // namespace pricewar::cli
