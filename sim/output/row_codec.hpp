#pragma once
// One RunRow as bytes and back: the journal's record payload (journal_codec.hpp), for moving
// rows between processes (MPI ranks). The series travel along when the row has them.

#include <string>
#include <string_view>

#include "sim/output/sweep_file.hpp"

namespace pricewar {

std::string encode_run_row(const RunRow& row);
// Throws OutputError on bytes that are not an encoded row.
RunRow decode_run_row(std::string_view bytes);

}  // namespace pricewar
