#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/scenario/detail.hpp"
#include "sim/scenario/loader.hpp"

namespace pricewar {

Scenario parse_scenario(std::string_view toml_text, const std::string& path_for_messages,
                        const std::vector<std::string>& overrides) {
    scenario_detail::Context ctx;
    ctx.file = path_for_messages;
    toml::table root = parse_toml(toml_text, path_for_messages);
    scenario_detail::apply_overrides(root, overrides, ctx);
    Scenario s = scenario_detail::build_scenario(root, ctx);
    s.source_path = path_for_messages;
    s.source_toml = std::string(toml_text);
    if (!overrides.empty()) {
        // The overrides travel with the text, as comments, so outputs record them.
        if (!s.source_toml.empty() && s.source_toml.back() != '\n') s.source_toml += '\n';
        s.source_toml += "\n# --set overrides applied:\n";
        for (std::string o : overrides) {
            for (char& c : o)
                if (c == '\n' || c == '\r') c = ' ';
            s.source_toml += "# --set " + o + "\n";
        }
    }
    return s;
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw InputError(path, 0, 0, "(file)", "cannot read: is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, 0, 0, "(file)", std::string("cannot read: ") + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw InputError(path, 0, 0, "(file)", std::string("cannot read: ") + std::strerror(errno));
    return parse_scenario(text.str(), path, overrides);
}

}  // namespace pricewar
