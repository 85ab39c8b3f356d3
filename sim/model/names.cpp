#include "sim/model/scenario.hpp"

namespace pricewar {

const char* to_string(VendorKind kind) {
    switch (kind) {
        case VendorKind::cloud:
            return "cloud";
        case VendorKind::startup:
            return "startup";
        case VendorKind::foreign:
            return "foreign";
    }
    return "unknown";
}

const char* to_string(Distribution::Kind kind) {
    switch (kind) {
        case Distribution::Kind::constant:
            return "constant";
        case Distribution::Kind::lognormal:
            return "lognormal";
        case Distribution::Kind::normal:
            return "normal";
        case Distribution::Kind::uniform:
            return "uniform";
    }
    return "unknown";
}

}  // namespace pricewar
