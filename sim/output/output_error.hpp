#pragma once
// The one exception type of sim/output: every failure to write or read a pricewar file
// (cannot create, disk full, HDF5 failure, truncated or foreign file, damaged journal).
// Messages name the file concerned.

#include <stdexcept>

namespace pricewar {

class OutputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace pricewar
