#pragma once
// The bytes of a file built in memory, ready to be written out in one piece.

#include <cstddef>
#include <memory>
#include <span>

namespace pricewar {

struct FileImage {
    std::unique_ptr<char[]> bytes;  // not zeroed before being filled
    std::size_t size = 0;
    [[nodiscard]] std::span<const char> view() const { return {bytes.get(), size}; }
};

}  // namespace pricewar
