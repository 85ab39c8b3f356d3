#pragma once
// What both fuzz targets demand of a parser: it accepts its input or throws an InputError with
// a one-line message. Anything else is a finding: printed, then abort(), so that libFuzzer
// keeps the input that caused it.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "sim/scenario/input_error.hpp"

namespace pricewar::fuzz {

[[noreturn]] inline void finding(const char* target, const char* what, const std::string& detail) {
    std::fprintf(stderr, "\n*** %s finding: %s\n%s\n", target, what, detail.c_str());
    std::fflush(stderr);
    std::abort();
}

// Runs `parse` (named `parser` in findings). True when it accepted the input, false when it
// rejected it with a one-line InputError.
template <class Parse>
bool accepts(const char* target, const char* parser, Parse&& parse) {
    try {
        parse();
        return true;
    } catch (const InputError& e) {
        const std::string what = e.what();
        if (what.find('\n') != std::string::npos || what.find('\r') != std::string::npos)
            finding(target, "InputError message spans several lines", what);
        return false;
    } catch (const std::exception& e) {
        finding(target, (std::string(parser) + " threw an exception other than InputError").c_str(), e.what());
    } catch (...) {
        finding(target, (std::string(parser) + " threw a non-standard exception").c_str(), "");
    }
}

}  // namespace pricewar::fuzz
