#pragma once
// Timeline event kinds, declared once: each kind's name, help and keys (role, type, range,
// unit). The scenario loader reads events by this table, the key reference prints it, and
// to_string(Event::Kind) names kinds from it. How the engine applies each kind is the switch
// in sim/engine/engine.cpp (apply_events), which the compiler checks covers every kind.

#include <optional>
#include <string>
#include <vector>

#include "sim/model/checks.hpp"
#include "sim/model/registry.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar {

struct EventKey {
    enum class Role { required, optional, one_of };  // one_of: at least one key of the group
    enum class Kind { offer, vendor, number };
    std::string name;
    Role role = Role::optional;
    Kind kind = Kind::number;
    std::optional<double> Event::*member = nullptr;  // number keys
    Range range;
    std::string what;  // what the key holds, for messages and the reference
    std::string unit;
};

struct EventKindInfo {
    std::string name;
    Event::Kind kind;
    std::string help;
    std::vector<EventKey> keys;  // besides turn, kind and note, which every event has
};

// In Event::Kind order.
const Registry<EventKindInfo>& event_kinds();

}  // namespace pricewar
