#pragma once
#include <ostream>

#include "sim/model/run_record.hpp"

namespace pricewar {
// The table `pricewar run` prints: one row per vendor, then the market at the last turn.
void print_summary(std::ostream& out, const RunRecord& record);
}  // namespace pricewar
