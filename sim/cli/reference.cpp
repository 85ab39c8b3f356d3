#include "sim/cli/reference.hpp"

#include <iostream>

#include "sim/scenario/schema.hpp"

namespace pricewar::cli {

int list_keys(const std::vector<std::string>& args) {
    bool markdown = false;
    for (const auto& a : args) {
        if (a == "--markdown") {
            markdown = true;
        } else if (a == "-h" || a == "--help") {
            std::cout << "usage: pricewar list-keys [--markdown]\n"
                         "  every scenario key: path, type, default, allowed values, unit, meaning\n"
                         "  --markdown  Markdown tables, as included in docs/scenario-format.md\n";
            return 0;
        } else {
            std::cerr << "pricewar: list-keys: unknown option '" << a << "' (expected --markdown)\n";
            return 2;
        }
    }
    std::cout << schema::key_reference(markdown) << "\n";
    return 0;
}

}  // namespace pricewar::cli
