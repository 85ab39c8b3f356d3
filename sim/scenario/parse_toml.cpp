// parse_toml: toml::parse with syntax errors as InputError, guarded against a toml++ 3.3 bug.
//
// toml++ 3.3 (Debian 12) classifies a non-ASCII character as whitespace or not with a lookup
// that reaches __builtin_unreachable() for many code points (Latin-1 letters, Greek, Cyrillic,
// kana, fullwidth forms, ...): undefined behaviour. It does so only where it looks for
// whitespace: between tokens, while reading ahead through a value that starts with a digit or
// a sign (quotes included), on the character after a backslash in a multi-line basic string,
// and on the first character after a line-ending backslash. Strings, comments and the rest of
// a document are read without it. Before handing text to toml++, this scan finds those places:
//
// - a non-ASCII character outside strings and comments is never valid TOML: reported here as a
//   syntax error, at its position;
// - nor is one after the start of such a value and before the line break, ',', ']', '}' or '#'
//   that must end it;
// - a non-ASCII character right after a backslash (or after a backslash and spaces that do not
//   end the line) in a multi-line basic string is an invalid escape: reported here;
// - a non-ASCII character that starts the text after a line-ending backslash is valid: it is
//   written as a \u escape (the same string) in the copy given to toml++, and positions of
//   errors later on its line are mapped back.
//
// An error toml++ finds before the first such position is reported first, as toml++ would.

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/scenario/loader.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace pricewar {

using input::utf8_sequence;

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// Line and column (1-based, in code points, as toml++ counts them) of byte offset `at`.
std::pair<int, int> position_of(std::string_view s, std::size_t at) {
    int line = 1;
    int column = 1;
    // toml++ skips a byte order mark without counting it.
    const std::size_t start = s.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    for (std::size_t i = start; i < at && i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\n') {
            ++line;
            column = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++column;
        }
    }
    return {line, column};
}

struct Rewrite {
    std::size_t offset = 0;  // byte offset of the character in the original text
    std::size_t length = 0;  // its UTF-8 length
    char32_t cp = 0;
};

struct Scan {
    std::size_t reject = kNone;  // first character toml++ must not see
    std::string problem;
    std::vector<Rewrite> rewrites;  // characters to write as escapes (all before `reject`)
};

// "'é' (U+00E9)"; invisible characters that could garble the message line (C1 controls, line
// and paragraph separators, zero-width and bidirectional formatting) by their code point only.
std::string describe(char32_t cp, std::string_view bytes) {
    const bool invisible = (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) ||
                           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF;
    if (invisible) return fmt::format("U+{:04X}", static_cast<std::uint32_t>(cp));
    return fmt::format("'{}' (U+{:04X})", bytes, static_cast<std::uint32_t>(cp));
}

Scan scan(std::string_view s) {
    enum class State { normal, comment, basic, literal, ml_basic, ml_literal };
    Scan out;
    State state = State::normal;
    std::size_t i = 0;
    // A UTF-8 byte order mark may start the document; toml++ skips it.
    if (s.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
    const auto at = [&](std::size_t k) { return k < s.size() ? s[k] : '\0'; };
    const auto is_blank = [](char c) { return c == ' ' || c == '\t'; };
    // Outside strings: the last significant character and the open brackets, enough to tell
    // where a value starts (after '=', or after '[' or ',' inside an array) from a key.
    enum class Bracket { array, header, inline_table };
    std::vector<Bracket> brackets;
    char previous = '\n';
    const auto in_array = [&] { return !brackets.empty() && brackets.back() == Bracket::array; };
    const auto value_starts = [&] { return previous == '=' || ((previous == ',' || previous == '[') && in_array()); };
    while (i < s.size()) {
        const char c = s[i];
        char32_t cp = 0;
        const std::size_t n = utf8_sequence(s, i, cp);
        if (n == 0) return out;  // invalid UTF-8: toml++ stops there with its own error
        switch (state) {
            case State::normal:
                if (n > 1) {
                    out.reject = i;
                    out.problem = "unexpected character " + describe(cp, s.substr(i, n)) +
                                  " (outside quoted strings and comments TOML allows only ASCII)";
                    return out;
                }
                if (c == '#') {
                    state = State::comment;
                } else if (c == '"' || c == '\'') {
                    const bool triple = at(i + 1) == c && at(i + 2) == c;
                    state = c == '"' ? (triple ? State::ml_basic : State::basic)
                                     : (triple ? State::ml_literal : State::literal);
                    if (triple) i += 2;
                    previous = '"';
                } else if (c == '\n') {
                    if (brackets.empty()) previous = '\n';
                } else if (!is_blank(c) && c != '\r') {
                    if ((c >= '0' && c <= '9') || c == '+' || c == '-') {
                        if (value_starts()) {
                            // toml++ reads ahead through a value that starts with a digit or a sign,
                            // quotes included, classifying each character; a valid value ends
                            // before a line break, ',', ']', '}' or '#'.
                            for (std::size_t k = i + 1; k < s.size(); ++k) {
                                const char d = s[k];
                                if (d == '\n' || d == ',' || d == ']' || d == '}' || d == '#') break;
                                if (static_cast<unsigned char>(d) < 0x80) continue;
                                char32_t ahead = 0;
                                const std::size_t m = utf8_sequence(s, k, ahead);
                                if (m == 0) break;
                                out.reject = k;
                                out.problem = "unexpected character " + describe(ahead, s.substr(k, m)) +
                                              " in a value that starts like a number, date or time";
                                return out;
                            }
                        }
                    } else if (c == '[') {
                        brackets.push_back(value_starts() ? Bracket::array : Bracket::header);
                    } else if (c == '{') {
                        brackets.push_back(Bracket::inline_table);
                    } else if ((c == ']' || c == '}') && !brackets.empty()) {
                        brackets.pop_back();
                    }
                    previous = c;
                }
                break;
            case State::comment:
                if (c == '\n') {
                    state = State::normal;
                    if (brackets.empty()) previous = '\n';
                }
                break;
            case State::basic:
                if (c == '\\') {
                    // toml++ reads the escaped character without classifying it here.
                    const std::size_t m = utf8_sequence(s, i + 1, cp);
                    i += m;
                } else if (c == '"' || c == '\n') {
                    state = State::normal;  // a newline ends it with toml++'s own error
                }
                break;
            case State::literal:
                if (c == '\'' || c == '\n') state = State::normal;
                break;
            case State::ml_literal:
            case State::ml_basic: {
                const char quote = state == State::ml_basic ? '"' : '\'';
                if (c == quote) {
                    std::size_t run = 1;
                    while (at(i + run) == quote)
                        ++run;
                    if (run >= 3) {
                        // Up to two quotes belong to the string, then the closing three.
                        state = State::normal;
                        i += std::min<std::size_t>(run, 5) - 1;
                    } else {
                        i += run - 1;
                    }
                    break;
                }
                if (state == State::ml_literal || c != '\\') break;
                // A backslash in a multi-line basic string: an escape or a line-ending backslash.
                std::size_t k = i + 1;
                while (is_blank(at(k)))
                    ++k;
                if (k >= s.size()) return out;
                char32_t next = 0;
                const std::size_t m = utf8_sequence(s, k, next);
                if (m == 0) return out;
                if (m > 1) {
                    out.reject = k;
                    out.problem = k == i + 1 ? "unknown escape sequence '\\" + std::string(s.substr(k, m)) + "'"
                                             : "line-ending backslashes must be the last non-whitespace character on "
                                               "the line (got " +
                                                   describe(next, s.substr(k, m)) + ")";
                    return out;
                }
                if (at(k) == '\n' || (at(k) == '\r' && at(k + 1) == '\n')) {
                    // A line-ending backslash: whitespace and line breaks up to the next character
                    // are skipped, and that character is classified.
                    while (k < s.size() && (is_blank(s[k]) || s[k] == '\n' || s[k] == '\r'))
                        ++k;
                    if (k >= s.size()) return out;
                    const std::size_t first = utf8_sequence(s, k, next);
                    if (first == 0) return out;
                    if (first > 1) out.rewrites.push_back(Rewrite{k, first, next});
                    i = k;
                    continue;  // examine that character in the string as usual
                }
                if (k == i + 1) ++i;  // an ordinary escape: skip the escaped ASCII character
                break;
            }
        }
        i += n;
    }
    return out;
}

InputError syntax_error(const std::string& path, const toml::parse_error& e, const std::vector<Rewrite>& rewrites,
                        std::string_view original) {
    int line = static_cast<int>(e.source().begin.line);
    int column = static_cast<int>(e.source().begin.column);
    // Undo the column shift of an escape written earlier on the same line.
    for (const auto& r : rewrites) {
        const auto [rl, rc] = position_of(original, r.offset);
        const int extra = (r.cp > 0xFFFF ? 10 : 6) - 1;
        if (rl == line && column > rc) column = std::max(rc, column - extra);
    }
    return InputError(path, line, column, "(syntax)", std::string(e.description()));
}

}  // namespace

toml::table parse_toml(std::string_view text, const std::string& path_for_messages) {
    const Scan found = scan(text);
    std::string rewritten;
    std::string_view input = text;
    if (!found.rewrites.empty()) {
        std::size_t from = 0;
        for (const auto& r : found.rewrites) {
            rewritten.append(text.substr(from, r.offset - from));
            rewritten += r.cp > 0xFFFF ? fmt::format("\\U{:08X}", static_cast<std::uint32_t>(r.cp))
                                       : fmt::format("\\u{:04X}", static_cast<std::uint32_t>(r.cp));
            from = r.offset + r.length;
        }
        rewritten.append(text.substr(from));
        input = rewritten;
    }
    if (found.reject != kNone) {
        // The text before the rejected character is safe to parse: an earlier error comes first.
        std::size_t cut = found.reject;
        for (const auto& r : found.rewrites)
            cut += (r.cp > 0xFFFF ? 10 : 6) - r.length;
        const auto [line, column] = position_of(text, found.reject);
        try {
            (void)toml::parse(input.substr(0, cut), std::string_view(path_for_messages));
        } catch (const toml::parse_error& e) {
            InputError earlier = syntax_error(path_for_messages, e, found.rewrites, text);
            if (earlier.line < line || (earlier.line == line && earlier.column < column)) throw earlier;
        }
        throw InputError(path_for_messages, line, column, "(syntax)", found.problem);
    }
    try {
        return toml::parse(input, std::string_view(path_for_messages));
    } catch (const toml::parse_error& e) {
        throw syntax_error(path_for_messages, e, found.rewrites, text);
    }
}

}  // namespace pricewar
