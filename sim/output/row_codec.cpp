#include "sim/output/row_codec.hpp"

#include <cstddef>
#include <span>

#include "sim/output/detail/journal_codec.hpp"
#include "sim/output/output_error.hpp"

namespace pricewar {

std::string encode_run_row(const RunRow& row) {
    const std::vector<std::byte> payload = journal::encode_row(row, row.series.has_value());
    return std::string(reinterpret_cast<const char*>(payload.data()), payload.size());
}

RunRow decode_run_row(std::string_view bytes) {
    try {
        return journal::decode_row(
            std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
    } catch (const journal::DecodeError& e) {
        throw OutputError(std::string("cannot decode a run row: ") + e.what());
    }
}

}  // namespace pricewar
