#pragma once
// Reference commands generated from the declarations: list-keys (scenario schema) and
// list-series (output series).

#include <string>
#include <vector>

namespace pricewar::cli {

// `pricewar list-keys [--markdown]`: every scenario key with type, default, allowed values,
// unit and help. Returns the exit status.
int list_keys(const std::vector<std::string>& args);
// `pricewar list-series [--markdown]`: every output series and summary.
int list_series(const std::vector<std::string>& args);

}  // namespace pricewar::cli
