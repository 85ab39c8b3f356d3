// libFuzzer target: the scenario loader.
//
// The input is a scenario file, optionally followed by a NUL byte and --set overrides, one per
// line (a NUL never occurs in valid TOML, so the split costs no coverage). The loader must
// either accept the input or throw InputError; when it accepts it, the resolved TOML must load
// again, without error, and resolve to the same text (the resolved scenario round-trips).
// Anything else (another exception, a crash, a sanitizer report) is a finding.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/loader.hpp"
#include "tests/fuzz/harness.hpp"

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail) {
    pricewar::fuzz::finding("fuzz_scenario", what, detail);
}

std::vector<std::string> split_overrides(std::string_view tail) {
    std::vector<std::string> out;
    while (!tail.empty()) {
        const auto nl = tail.find('\n');
        const std::string_view line = tail.substr(0, nl);
        if (!line.empty()) out.emplace_back(line);
        if (nl == std::string_view::npos) break;
        tail.remove_prefix(nl + 1);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string_view text = input;
    std::vector<std::string> overrides;
    if (const auto nul = input.find('\0'); nul != std::string_view::npos) {
        text = input.substr(0, nul);
        overrides = split_overrides(input.substr(nul + 1));
    }

    // Bad input is reported as one line "FILE:LINE:COL: KEY: problem".
    pricewar::Scenario scenario;
    if (!pricewar::fuzz::accepts("fuzz_scenario", "parse_scenario",
                                 [&] { scenario = pricewar::parse_scenario(text, "fuzz.toml", overrides); }))
        return 0;

    std::string resolved;
    try {
        resolved = pricewar::resolved_toml(scenario);
    } catch (const std::exception& e) {
        finding("resolved_toml threw", e.what());
    }
    try {
        const pricewar::Scenario again = pricewar::parse_scenario(resolved, "resolved.toml");
        const std::string resolved_again = pricewar::resolved_toml(again);
        if (resolved_again != resolved)
            finding("the resolved scenario does not resolve to itself",
                    "first:\n" + resolved + "\nsecond:\n" + resolved_again);
    } catch (const std::exception& e) {
        finding("the resolved scenario does not load", std::string(e.what()) + "\nresolved text:\n" + resolved);
    }
    return 0;
}
