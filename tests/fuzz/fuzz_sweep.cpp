// libFuzzer target: the sweep-file parser.
//
// The input is a sweep file, parsed as if it lay in PRICEWAR_FUZZ_SWEEP_DIR (environment
// variable, else the folder compiled in), where `base.toml` is a small valid base scenario:
// seeds that say `scenario = "base.toml"` reach the deeper checks, and any other base
// scenario path usually does not exist, which must be an InputError like every other bad
// input. When the file is accepted, its base scenario with the [set] overrides must load, and
// the design must expand into plans whose scenarios load or fail with an InputError (levels
// are validated one parameter at a time, so a combination may still be invalid).
// Anything else (another exception, a crash, a sanitizer report) is a finding.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "sim/runners/design.hpp"
#include "sim/runners/sweep_file.hpp"
#include "sim/scenario/loader.hpp"
#include "tests/fuzz/harness.hpp"

#ifndef PRICEWAR_FUZZ_SWEEP_DIR
#define PRICEWAR_FUZZ_SWEEP_DIR "."
#endif

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail) {
    pricewar::fuzz::finding("fuzz_sweep", what, detail);
}

const std::string& sweep_path() {
    static const std::string path = [] {
        const char* env = std::getenv("PRICEWAR_FUZZ_SWEEP_DIR");
        return std::string(env != nullptr && *env != '\0' ? env : PRICEWAR_FUZZ_SWEEP_DIR) + "/fuzz-sweep.toml";
    }();
    return path;
}

// Plans checked per input: enough to cover every design, few enough to keep executions fast.
constexpr std::int64_t kMaxPlansExpanded = 2000;
constexpr std::size_t kMaxPlansLoaded = 4;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    pricewar::SweepSpec spec;
    if (!pricewar::fuzz::accepts("fuzz_sweep", "parse_sweep",
                                 [&] { spec = pricewar::parse_sweep(text, sweep_path()); }))
        return 0;

    try {
        (void)pricewar::plan_scenario(spec, {});
    } catch (const std::exception& e) {
        finding("an accepted sweep's base scenario with its [set] overrides does not load", e.what());
    }

    std::int64_t count = 0;
    try {
        count = pricewar::plan_count(spec);
    } catch (const std::exception& e) {
        finding("plan_count threw on an accepted sweep", e.what());
    }
    if (count < 0) finding("plan_count is negative", std::to_string(count));
    if (count > kMaxPlansExpanded) return 0;
    std::vector<pricewar::RunPlan> plans;
    try {
        plans = pricewar::expand(spec);
    } catch (const std::exception& e) {
        finding("expand threw on an accepted sweep", e.what());
    }
    if (static_cast<std::int64_t>(plans.size()) != count)
        finding("expand and plan_count disagree",
                std::to_string(plans.size()) + " plans, plan_count " + std::to_string(count));
    for (std::size_t i = 0; i < plans.size() && i < kMaxPlansLoaded; ++i) {
        try {
            (void)pricewar::plan_scenario(spec, plans[i].values);
        } catch (const pricewar::InputError&) {
            // A combination of individually valid levels may be invalid: a failed run, not a crash.
        } catch (const std::exception& e) {
            finding("a plan's scenario threw an exception other than InputError", e.what());
        }
    }
    return 0;
}
