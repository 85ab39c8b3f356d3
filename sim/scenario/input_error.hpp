#pragma once
// Bad input (a scenario or sweep file, or a --set override): where it is and what is wrong.
// The command line prints what() and exits with status 2.

#include <stdexcept>
#include <string>

namespace pricewar {

struct InputError : std::runtime_error {
    InputError(std::string file_, int line_, int column_, std::string key_, std::string problem_)
        : std::runtime_error(format(file_, line_, column_, key_, problem_)),
          file(std::move(file_)),
          line(line_),
          column(column_),
          key(std::move(key_)),
          problem(std::move(problem_)) {}

    std::string file;     // file name as given, or "--set" for a command-line override
    int line = 0;         // 1-based; 0 when the problem is not at a position (unreadable file)
    int column = 0;       // 1-based
    std::string key;      // full dotted key, e.g. "vendors.baichuan.offers.yi.price_in"
    std::string problem;  // e.g. "must be >= 0 (got -3)"

    // "FILE:LINE:COL: KEY: problem", always a single line.
    static std::string format(const std::string& file, int line, int column, const std::string& key,
                              const std::string& problem) {
        std::string out =
            file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + key + ": " + problem;
        for (char& c : out)
            if (c == '\n' || c == '\r') c = ' ';
        return out;
    }
};

}  // namespace pricewar
