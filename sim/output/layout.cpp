#include "sim/output/detail/layout.hpp"

#include "sim/output/detail/h5.hpp"

#include <cstdint>

#include <fmt/format.h>

namespace pricewar::layout {

bool is_scale_name(const std::string& name) {
    return name == turn_scale || name == vendor_scale || name == offer_scale || name == run_scale;
}

bool is_coordinate_name(const std::string& name) {
    return name == date_coordinate || name == vendor_name_coordinate || name == offer_name_coordinate;
}

std::string name_problem(const std::string& name) {
    if (name.empty()) return "is empty";
    if (name == ".") return "is '.'";
    if (name.find('/') != std::string::npos) return "contains '/'";
    if (is_scale_name(name)) return "is reserved for a dimension scale";
    if (is_coordinate_name(name)) return "is reserved for a coordinate variable";
    return {};
}

void check_format(hid_t file, const std::string& expected, int newest_supported) {
    if (!h5::has_attr(file, "format")) throw h5::Error("not a pricewar file (no 'format' attribute)");
    const std::string format = h5::attr_string(file, "format");
    if (expected.empty()) {
        if (format != run_format && format != sweep_format)
            throw h5::Error(fmt::format("not a pricewar file (format '{}')", format));
        return;
    }
    if (format != expected) {
        if (format == run_format || format == sweep_format)
            throw h5::Error(fmt::format("a {} file, not a {} file", format, expected));
        throw h5::Error(fmt::format("not a pricewar file (format '{}', expected '{}')", format, expected));
    }
    const auto version = h5::attr_value<std::int64_t>(file, "format_version");
    if (version < 1 || version > newest_supported)
        throw h5::Error(fmt::format("{} format_version {} is not supported (this pricewar reads 1 to {})", format,
                                    version, newest_supported));
}

}  // namespace pricewar::layout
