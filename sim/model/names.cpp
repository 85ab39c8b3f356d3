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

const char* to_string(Event::Kind kind) {
    switch (kind) {
        case Event::Kind::price:
            return "price";
        case Event::Kind::launch:
            return "launch";
        case Event::Kind::withdraw:
            return "withdraw";
        case Event::Kind::quality:
            return "quality";
        case Event::Kind::cost_shock:
            return "cost_shock";
        case Event::Kind::gpu_supply:
            return "gpu_supply";
        case Event::Kind::vc_climate:
            return "vc_climate";
        case Event::Kind::vendor_entry:
            return "vendor_entry";
    }
    return "unknown";
}

}  // namespace pricewar
