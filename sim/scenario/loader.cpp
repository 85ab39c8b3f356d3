#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/scenario/detail/build.hpp"
#include "sim/scenario/loader.hpp"

namespace pricewar {

Scenario parse_scenario(std::string_view toml_text, const std::string& path_for_messages,
                        const std::vector<std::string>& overrides) {
    input::Context ctx;
    ctx.file = path_for_messages;
    toml::table root = parse_toml(toml_text, path_for_messages);
    detail::apply_overrides(root, overrides, ctx);
    Scenario s = detail::build_scenario(root, ctx);
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

void throw_at(const toml::node& node_or_table, const std::string& file, const std::string& key,
              const std::string& problem) {
    const auto p = input::first_position(node_or_table);
    throw InputError(file, static_cast<int>(p.line), static_cast<int>(p.column), key, problem);
}

void throw_in_scenario(const Scenario& sc, const std::string& key, const std::string& problem,
                       const std::string& hint) {
    const auto dot = key.rfind('.');
    const std::string last = dot == std::string::npos ? key : key.substr(dot + 1);
    int line = 1, found_line = 0, found_col = 0;
    std::size_t start = 0;
    const std::string& text = sc.source_toml;
    while (start <= text.size() && found_line == 0) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        const std::string_view row(text.data() + start, end - start);
        const std::size_t first = row.find_first_not_of(" \t");
        if (first != std::string_view::npos && row[first] != '#') {
            const std::string_view body = row.substr(first);
            const bool sets_key = body.starts_with(last) && body.size() > last.size() &&
                                  (body[last.size()] == ' ' || body[last.size()] == '=');
            const std::size_t h = hint.empty() ? std::string_view::npos : row.find(hint);
            if (sets_key || h != std::string_view::npos) {
                found_line = line;
                found_col = static_cast<int>((sets_key ? first : h) + 1);
            }
        }
        start = end + 1;
        ++line;
    }
    if (found_line == 0) found_line = found_col = 1;
    throw InputError(sc.source_path, found_line, found_col, key, problem);
}

}  // namespace pricewar
