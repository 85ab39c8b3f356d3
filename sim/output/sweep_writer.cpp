#include "sim/output/detail/layout.hpp"
#include "sim/output/detail/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pricewar::detail {

namespace {

constexpr std::array<const char*, 6> reserved_design_names{"run_id",   "replicate",   "seed",
                                                           "scenario", "sobol_block", "sobol_index"};

void require_unique(const std::vector<std::string>& names, const char* what) {
    std::set<std::string> seen;
    for (const auto& n : names)
        if (!seen.insert(n).second) throw InvalidInput(fmt::format("{} lists '{}' twice", what, n));
}

void require_link_names(const std::vector<std::string>& names, const char* what) {
    for (const auto& n : names)
        if (const auto problem = layout::name_problem(n); !problem.empty())
            throw InvalidInput(fmt::format("{} name '{}' {}", what, n, problem));
    require_unique(names, what);
}

std::unordered_map<std::string, std::size_t> index_of(const std::vector<std::string>& names) {
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < names.size(); ++i)
        index.emplace(names[i], i);
    return index;
}

}  // namespace

const std::vector<Table>& tables_of(const RunRecord& run, Group group) {
    switch (group) {
        case offer_group:
            return run.offer_series;
        case vendor_group:
            return run.vendor_series;
        case market_group:
            break;
    }
    return run.market_series;
}

void validate_header(const SweepHeader& h) {
    if (h.kind != "batch" && h.kind != "sweep")
        throw InvalidInput(fmt::format("kind '{}' is neither 'batch' nor 'sweep'", h.kind));
    if (h.runs_planned < 0) throw InvalidInput(fmt::format("runs_planned is negative ({})", h.runs_planned));
    if (h.turns < 0) throw InvalidInput(fmt::format("turns is negative ({})", h.turns));
    if (h.vendor_kinds.size() != h.vendor_names.size())
        throw InvalidInput(fmt::format("{} vendor kinds for {} vendors", h.vendor_kinds.size(), h.vendor_names.size()));
    require_unique(h.vendor_names, "vendor_names");
    require_link_names(h.parameters, "parameter");
    for (const auto& p : h.parameters)
        if (std::find(reserved_design_names.begin(), reserved_design_names.end(), p) != reserved_design_names.end())
            throw InvalidInput(fmt::format("parameter '{}' collides with the /design dataset of that name", p));
    if (h.market_summary_units.size() != h.market_summary_names.size())
        throw InvalidInput(fmt::format("{} market summary units for {} names", h.market_summary_units.size(),
                                       h.market_summary_names.size()));
    require_link_names(h.market_summary_names, "market summary");
    require_unique(h.offer_names, "offer_names");
    const bool none = h.vendor_display_names.empty() && h.offer_display_names.empty();
    if (!h.records_presentation() && !none)
        throw InvalidInput(fmt::format("{} vendor display names for {} vendors, {} offer display names for {} offers",
                                       h.vendor_display_names.size(), h.vendor_names.size(),
                                       h.offer_display_names.size(), h.offer_names.size()));
    if (!(h.turn_days >= 0.0) || !std::isfinite(h.turn_days))
        throw InvalidInput(fmt::format("turn_days is {} (expected a finite number >= 0)", h.turn_days));
    if (!h.start_date.empty() && h.turn_days <= 0.0)
        throw InvalidInput(fmt::format("start_date '{}' without a common turn_days", h.start_date));
}

std::vector<std::string> header_differences(const SweepHeader& a, const SweepHeader& b, bool compare_series) {
    std::vector<std::string> out;
    const auto field = [&](bool same, const char* name) {
        if (!same) out.emplace_back(name);
    };
    field(a.kind == b.kind, "kind");
    field(a.pricewar_version == b.pricewar_version, "pricewar_version");
    field(a.master_seed == b.master_seed, "master_seed");
    field(a.design == b.design, "design");
    field(a.sweep_toml == b.sweep_toml, "sweep_toml");
    field(a.runs_planned == b.runs_planned, "runs_planned");
    field(a.turns == b.turns, "turns");
    field(a.currency == b.currency, "currency");
    field(a.vendor_names == b.vendor_names, "vendor_names");
    field(a.vendor_kinds == b.vendor_kinds, "vendor_kinds");
    field(a.parameters == b.parameters, "parameters");
    field(a.market_summary_names == b.market_summary_names, "market_summary_names");
    field(a.market_summary_units == b.market_summary_units, "market_summary_units");
    if (compare_series) {
        field(a.series == b.series, "series");
        field(a.offer_names == b.offer_names, "offer_names");
    }
    // Labels and calendar only where both record them (journals and files of earlier formats
    // do not), so older outputs still resume and merge.
    if (a.records_presentation() && b.records_presentation()) {
        field(a.vendor_display_names == b.vendor_display_names, "vendor_display_names");
        if (compare_series) field(a.offer_display_names == b.offer_display_names, "offer_display_names");
        field(a.start_date == b.start_date, "start_date");
        field(a.turn_days == b.turn_days, "turn_days");
    }
    return out;
}

RowChecker::RowChecker(const SweepHeader& header)
    : header_(&header), vendor_index_(index_of(header.vendor_names)), offer_index_(index_of(header.offer_names)) {}

void RowChecker::check(const RunRow& row) const {
    const SweepHeader& h = *header_;
    const auto size = [&](std::size_t actual, std::size_t expected, const char* what, const char* per) {
        if (actual != expected)
            throw InvalidInput(
                fmt::format("run {}: {} has {} entries for {} {}", row.run_id, what, actual, expected, per));
    };
    if (row.run_id < 0) throw InvalidInput(fmt::format("run_id {} is negative", row.run_id));
    if (row.status != 0 && row.status != 1)
        throw InvalidInput(fmt::format("run {}: status {} is neither 0 (ok) nor 1 (failed)", row.run_id, row.status));
    size(row.parameter_values.size(), h.parameters.size(), "parameter_values", "parameters");
    size(row.exit_turn.size(), h.vendor_names.size(), "exit_turn", "vendors");
    size(row.exit_reason.size(), h.vendor_names.size(), "exit_reason", "vendors");
    size(row.final_share.size(), h.vendor_names.size(), "final_share", "vendors");
    size(row.cumulative_profit.size(), h.vendor_names.size(), "cumulative_profit", "vendors");
    size(row.peak_loss.size(), h.vendor_names.size(), "peak_loss", "vendors");
    size(row.market_summary.size(), h.market_summary_names.size(), "market_summary", "market summary names");
    if (!h.series || !row.series) return;

    const RunRecord& run = *row.series;
    const auto members = [&](const std::vector<std::string>& names,
                             const std::unordered_map<std::string, std::size_t>& index, const char* what) {
        std::set<std::string> seen;
        for (const auto& n : names) {
            if (!index.contains(n))
                throw InvalidInput(
                    fmt::format("run {}: {} '{}' is not in the sweep header's {} list", row.run_id, what, n, what));
            if (!seen.insert(n).second) throw InvalidInput(fmt::format("run {}: {} '{}' twice", row.run_id, what, n));
        }
    };
    members(run.vendor_names, vendor_index_, "vendor");
    members(run.offer_names, offer_index_, "offer");
    for (const Group g : {offer_group, vendor_group, market_group}) {
        const std::size_t cols = g == offer_group    ? run.offer_names.size()
                                 : g == vendor_group ? run.vendor_names.size()
                                                     : 1;
        std::set<std::string> seen;
        for (const auto& t : tables_of(run, g)) {
            const auto where = fmt::format("run {}: series/{}/{}", row.run_id, group_names[g], t.name);
            if (const auto problem = layout::name_problem(t.name); !problem.empty())
                throw InvalidInput(fmt::format("{}: name {}", where, problem));
            if (!seen.insert(t.name).second) throw InvalidInput(fmt::format("{} appears twice", where));
            if (t.values.size() != t.rows * t.cols)
                throw InvalidInput(
                    fmt::format("{} holds {} values for {} x {}", where, t.values.size(), t.rows, t.cols));
            if (t.cols != cols) throw InvalidInput(fmt::format("{} has {} columns, expected {}", where, t.cols, cols));
            if (t.rows > static_cast<std::size_t>(h.turns))
                throw InvalidInput(fmt::format("{} has {} turns, the sweep {}", where, t.rows, h.turns));
        }
    }
}

void SeriesLayoutBuilder::add(Group group, const std::string& name, const std::string& units) {
    const std::string u = layout::units_or_one(units);
    const auto [it, inserted] = units_[group].emplace(name, u);
    if (!inserted && it->second != u)
        throw InvalidInput(fmt::format("series/{}/{} has units '{}' in one run and '{}' in another", group_names[group],
                                       name, it->second, u));
}

SeriesLayout SeriesLayoutBuilder::layout() const {
    SeriesLayout out;
    for (std::size_t g = 0; g < out.size(); ++g) {
        for (const auto& [name, units] : units_[g])
            out[g].push_back({name, units});
        std::sort(out[g].begin(), out[g].end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    }
    return out;
}

SeriesPlacer::SeriesPlacer(const SweepHeader& header)
    : header_(&header), vendor_index_(index_of(header.vendor_names)), offer_index_(index_of(header.offer_names)) {}

std::size_t SeriesPlacer::columns(Group group) const {
    switch (group) {
        case offer_group:
            return header_->offer_names.size();
        case vendor_group:
            return header_->vendor_names.size();
        case market_group:
            break;
    }
    return 1;
}

void SeriesPlacer::place(const RunRecord& run, Group group, const std::string& name, std::vector<double>& out) const {
    const std::size_t turns = static_cast<std::size_t>(header_->turns);
    const std::size_t width = columns(group);
    out.assign(turns * width, std::numeric_limits<double>::quiet_NaN());
    const auto& tables = tables_of(run, group);
    const auto table = std::find_if(tables.begin(), tables.end(), [&](const Table& t) { return t.name == name; });
    if (table == tables.end()) return;
    std::vector<std::size_t> column(table->cols, 0);
    if (group != market_group) {
        const auto& names = group == offer_group ? run.offer_names : run.vendor_names;
        const auto& index = group == offer_group ? offer_index_ : vendor_index_;
        for (std::size_t j = 0; j < table->cols; ++j)
            column[j] = index.at(names.at(j));
    }
    const std::size_t rows = std::min(table->rows, turns);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < table->cols; ++j)
            out[r * width + column[j]] = table->at(r, j);
}

namespace {

constexpr std::size_t block_rows = 1024;

// One [R] or [R, width] dataset filled block by block.
template <class T>
class Column {
public:
    Column() = default;
    Column(h5::Handle dataset, std::size_t width, bool matrix)
        : dataset_(std::move(dataset)), width_(width), matrix_(matrix) {}

    void push(std::span<const T> values) {
        if (values.size() != width_) throw InvalidInput("row width does not match the dataset");
        buffer_.insert(buffer_.end(), values.begin(), values.end());
        ++buffered_rows_;
        if (buffered_rows_ >= block_rows) flush();
    }
    void push(const T& value) { push(std::span<const T>(&value, 1)); }
    void flush() {
        if (buffered_rows_ == 0) return;
        if (matrix_)
            h5::write_block<T>(dataset_.get(), {written_, 0}, {buffered_rows_, width_}, buffer_);
        else
            h5::write_block<T>(dataset_.get(), {written_}, {buffered_rows_}, buffer_);
        written_ += buffered_rows_;
        buffered_rows_ = 0;
        buffer_.clear();
    }

private:
    h5::Handle dataset_;
    std::size_t width_ = 1;
    bool matrix_ = false;
    hsize_t written_ = 0;
    std::size_t buffered_rows_ = 0;
    std::vector<T> buffer_;
};

class StringColumn {
public:
    StringColumn() = default;
    explicit StringColumn(h5::Handle dataset) : dataset_(std::move(dataset)) {}
    void push(const std::string& value) {
        buffer_.push_back(value);
        if (buffer_.size() >= block_rows) flush();
    }
    void flush() {
        h5::write_strings_block(dataset_.get(), written_, buffer_);
        written_ += buffer_.size();
        buffer_.clear();
    }

private:
    h5::Handle dataset_;
    hsize_t written_ = 0;
    std::vector<std::string> buffer_;
};

}  // namespace

struct SweepWriter::Impl {
    const SweepHeader& header;
    std::size_t rows;
    std::size_t added = 0;
    bool sobol;
    std::array<std::size_t, 3> columns{};

    Column<std::int64_t> run_id, replicate;
    Column<std::uint64_t> seed;
    StringColumn scenario;
    std::vector<Column<double>> parameters;
    Column<std::int32_t> sobol_block, sobol_index;
    Column<std::int32_t> status;
    StringColumn error;
    Column<double> wall_seconds;
    Column<std::int32_t> exit_turn, exit_reason;
    Column<double> final_share, cumulative_profit, peak_loss;
    std::vector<Column<double>> market;
    std::array<std::vector<h5::Handle>, 3> series;
    // Per group: whether its series datasets take filtered chunks as they are (see write_chunk).
    std::array<bool, 3> direct_chunks{};
    // Dimension scales `run` (filled with the run ids when the rows are complete).
    std::vector<h5::Handle> run_scales;
    std::vector<std::int64_t> run_ids;

    // Labels the data of `path` with dimension scales: `run` on axis 0, then `turn` (when
    // `turns`), then `labels` (named `label`) on the next axis. With `turns` and a start date,
    // the coordinate variable `date` over `turn`; with `names`, the coordinate variable
    // `names_name` over the label axis. Every data dataset names its coordinate variables in
    // its `coordinates` attribute (CF), so netCDF readers see them as coordinates.
    void add_scales(hid_t file, const char* path, bool turns, const char* label, const std::vector<std::string>* labels,
                    const char* names_name = nullptr, const std::vector<std::string>* names = nullptr) {
        h5::Templates tpl;
        h5::Handle group = h5::open_group(file, path);
        const auto members = h5::member_names(group.get());
        const hsize_t r = rows;
        run_scales.push_back(h5::create_dataset(tpl, group.get(), layout::run_scale, h5::Type<std::int64_t>::file(),
                                                {r}, h5::DatasetOptions{{4096}, false}));
        std::vector<std::string> scales{layout::run_scale};
        std::vector<std::string> coordinates;
        std::vector<std::size_t> coordinate_axis;  // the scale each coordinate variable runs along
        if (turns) {
            const auto n = static_cast<std::size_t>(header.turns);
            std::vector<std::int32_t> values(n);
            for (std::size_t i = 0; i < n; ++i)
                values[i] = static_cast<std::int32_t>(i);
            h5::Handle scale = h5::write_dataset<std::int32_t>(tpl, group.get(), layout::turn_scale, {n}, values, "");
            if (header.turn_days > 0.0) h5::set_attr<double>(tpl, scale.get(), "turn_days", header.turn_days);
            if (!header.start_date.empty()) {
                h5::set_attr(tpl, scale.get(), "start_date", header.start_date);
                std::vector<double> days(n);
                for (std::size_t i = 0; i < n; ++i)
                    days[i] = static_cast<double>(i) * header.turn_days;
                h5::Handle date = h5::write_dataset<double>(tpl, group.get(), layout::date_coordinate, {n}, days,
                                                            layout::date_units(header.start_date));
                h5::set_attr(tpl, date.get(), "calendar", "proleptic_gregorian");
                coordinates.emplace_back(layout::date_coordinate);
                coordinate_axis.push_back(scales.size());
            }
            scales.emplace_back(layout::turn_scale);
        }
        if (labels != nullptr) {
            h5::write_string_dataset(tpl, group.get(), label, *labels);
            if (names != nullptr) {
                h5::write_string_dataset(tpl, group.get(), names_name, *names);
                coordinates.emplace_back(names_name);
                coordinate_axis.push_back(scales.size());
            }
            scales.emplace_back(label);
        }
        h5::AxisLabels axes(tpl, group.get(), scales);
        const std::string coordinate_list = fmt::format("{}", fmt::join(coordinates, " "));
        for (const auto& name : members) {
            h5::Handle dataset = h5::open_dataset(group.get(), name);
            axes.attach(dataset.get(), name);
            if (!coordinates.empty()) h5::set_attr(tpl, dataset.get(), "coordinates", coordinate_list);
        }
        for (std::size_t k = 0; k < coordinates.size(); ++k) {
            h5::Handle dataset = h5::open_dataset(group.get(), coordinates[k]);
            axes.attach(dataset.get(), coordinates[k], {coordinate_axis[k]});
        }
        axes.finish();
    }

    Impl(hid_t file, const SweepHeader& h, std::size_t rows_, bool sobol_, const SeriesLayout* layout)
        : header(h), rows(rows_), sobol(sobol_) {
        const hsize_t r = rows;
        const hsize_t v = h.vendor_names.size();
        const hsize_t turns = static_cast<hsize_t>(h.turns);
        const h5::DatasetOptions by_rows{{4096}, false};
        const h5::DatasetOptions by_row_blocks{{block_rows, v}, false};
        const auto column = [&](hid_t group, const char* name, hid_t type, const std::string& units) {
            h5::Handle dataset = h5::create_dataset(group, name, type, {r}, by_rows);
            if (!units.empty()) h5::set_attr(dataset.get(), "units", units);
            return dataset;
        };
        const auto matrix = [&](hid_t group, const char* name, hid_t type, const std::string& units) {
            h5::Handle dataset = h5::create_dataset(group, name, type, {r, v}, by_row_blocks);
            h5::set_attr(dataset.get(), "units", units);
            return dataset;
        };

        h5::set_attr(file, "format", layout::sweep_format);
        h5::set_attr<std::int32_t>(file, "format_version", sweep_format_version);
        h5::set_attr(file, "pricewar_version", h.pricewar_version);
        h5::set_attr(file, "kind", h.kind);
        h5::set_attr<std::uint64_t>(file, "master_seed", h.master_seed);
        h5::set_attr(file, "design", h.design);
        h5::set_attr<std::int64_t>(file, "runs_planned", h.runs_planned);
        h5::set_attr<std::int32_t>(file, "turns", h.turns);
        h5::set_attr(file, "currency", h.currency);
        h5::set_attr<std::int32_t>(file, "series", layout != nullptr ? 1 : 0);
        if (h.turn_days > 0.0) h5::set_attr<double>(file, "turn_days", h.turn_days);
        if (!h.start_date.empty()) h5::set_attr(file, "start_date", h.start_date);
        {
            h5::Handle sweep = h5::create_group(file, "sweep");
            h5::set_attr(sweep.get(), "toml", h.sweep_toml);
        }
        {
            h5::Handle design = h5::create_group(file, "design");
            h5::set_attr(design.get(), "parameters", h.parameters);
            run_id = {column(design.get(), "run_id", h5::Type<std::int64_t>::file(), ""), 1, false};
            replicate = {column(design.get(), "replicate", h5::Type<std::int64_t>::file(), ""), 1, false};
            seed = {column(design.get(), "seed", h5::Type<std::uint64_t>::file(), ""), 1, false};
            scenario = StringColumn(h5::create_string_dataset(design.get(), "scenario", r, by_rows));
            for (const auto& p : h.parameters)
                parameters.emplace_back(column(design.get(), p.c_str(), h5::Type<double>::file(), ""), 1, false);
            if (sobol) {
                sobol_block = {column(design.get(), "sobol_block", h5::Type<std::int32_t>::file(), ""), 1, false};
                sobol_index = {column(design.get(), "sobol_index", h5::Type<std::int32_t>::file(), ""), 1, false};
            }
        }
        {
            h5::Handle runs = h5::create_group(file, "runs");
            h5::Handle status_set = column(runs.get(), "status", h5::Type<std::int32_t>::file(), "");
            h5::set_attr(status_set.get(), "description", "0: ok; 1: failed (see error)");
            status = {std::move(status_set), 1, false};
            error = StringColumn(h5::create_string_dataset(runs.get(), "error", r, by_rows));
            wall_seconds = {column(runs.get(), "wall_seconds", h5::Type<double>::file(), layout::seconds_units), 1,
                            false};
        }
        {
            h5::Handle vendors = h5::create_group(file, "vendors");
            h5::write_string_dataset(vendors.get(), "name", h.vendor_names);
            h5::write_string_dataset(vendors.get(), "kind", h.vendor_kinds);
            if (h.records_presentation())
                h5::write_string_dataset(vendors.get(), "display_name", h.vendor_display_names);
        }
        if (layout != nullptr) {
            h5::Handle offers = h5::create_group(file, "offers");
            h5::write_string_dataset(offers.get(), "name", h.offer_names);
            if (h.records_presentation()) h5::write_string_dataset(offers.get(), "display_name", h.offer_display_names);
        }
        {
            h5::Handle summary = h5::create_group(file, "summary");
            h5::Handle vendor = h5::create_group(summary.get(), "vendor");
            // Names and units from the declaration (sim/model/series.hpp).
            auto summary_matrix = [&](std::size_t index, hid_t type) {
                const auto& d = outputs::vendor_summary[index];
                return matrix(vendor.get(), std::string(d.name).c_str(), type, outputs::units(d.unit, h.currency));
            };
            h5::Handle exit =
                summary_matrix(outputs::vendor_summary_index("exit_turn"), h5::Type<std::int32_t>::file());
            h5::set_attr(exit.get(), "description", layout::sweep_exit_turn_description());
            exit_turn = {std::move(exit), v, true};
            h5::Handle reason =
                summary_matrix(outputs::vendor_summary_index("exit_reason"), h5::Type<std::int32_t>::file());
            h5::set_attr(reason.get(), "codes", layout::exit_reason_codes() + "; -2: vendor not in this run");
            exit_reason = {std::move(reason), v, true};
            final_share = {summary_matrix(outputs::vendor_summary_index("final_share"), h5::Type<double>::file()), v,
                           true};
            cumulative_profit = {
                summary_matrix(outputs::vendor_summary_index("cumulative_profit"), h5::Type<double>::file()), v, true};
            peak_loss = {summary_matrix(outputs::vendor_summary_index("peak_loss"), h5::Type<double>::file()), v, true};
            h5::Handle market_group_handle = h5::create_group(summary.get(), "market");
            for (std::size_t i = 0; i < h.market_summary_names.size(); ++i)
                market.emplace_back(column(market_group_handle.get(), h.market_summary_names[i].c_str(),
                                           h5::Type<double>::file(), layout::units_or_one(h.market_summary_units[i])),
                                    1, false);
        }
        columns = {h.offer_names.size(), h.vendor_names.size(), 1};
        run_ids.reserve(rows);
        if (layout != nullptr) {
            h5::Handle series_group = h5::create_group(file, "series");
            for (const Group g : {offer_group, vendor_group, market_group}) {
                h5::Handle group = h5::create_group(series_group.get(), group_names[g]);
                const std::vector<hsize_t> dims =
                    g == market_group ? std::vector<hsize_t>{r, turns} : std::vector<hsize_t>{r, turns, columns[g]};
                std::vector<hsize_t> chunk = dims;
                chunk[0] = 1;
                for (const auto& table : (*layout)[g]) {
                    h5::Handle dataset =
                        h5::create_dataset(group.get(), table.name, h5::Type<double>::file(), dims, {chunk, true});
                    h5::set_attr(dataset.get(), "units", table.units);
                    series[g].push_back(std::move(dataset));
                }
                direct_chunks[g] = !series[g].empty() && takes_filtered_chunks(series[g].front().get(), chunk);
            }
        }
        const bool named = h.records_presentation();
        const auto* vendor_names = named ? &h.vendor_display_names : nullptr;
        const auto* offer_names = named ? &h.offer_display_names : nullptr;
        add_scales(file, "design", false, nullptr, nullptr);
        add_scales(file, "runs", false, nullptr, nullptr);
        add_scales(file, "summary/vendor", false, layout::vendor_scale, &h.vendor_names, layout::vendor_name_coordinate,
                   vendor_names);
        add_scales(file, "summary/market", false, nullptr, nullptr);
        if (layout != nullptr) {
            add_scales(file, "series/offer", true, layout::offer_scale, &h.offer_names, layout::offer_name_coordinate,
                       offer_names);
            add_scales(file, "series/vendor", true, layout::vendor_scale, &h.vendor_names,
                       layout::vendor_name_coordinate, vendor_names);
            add_scales(file, "series/market", true, nullptr, nullptr);
        }
    }

    void add(const RunRow& row) {
        if (added >= rows) throw InvalidInput(fmt::format("more rows than the {} announced", rows));
        if (row.parameter_values.size() != parameters.size() || row.market_summary.size() != market.size())
            throw InvalidInput(
                fmt::format("run {} does not match the sweep's parameters or market summaries", row.run_id));
        run_id.push(row.run_id);
        run_ids.push_back(row.run_id);
        replicate.push(row.replicate);
        seed.push(row.seed);
        scenario.push(row.scenario);
        for (std::size_t i = 0; i < parameters.size(); ++i)
            parameters[i].push(row.parameter_values[i]);
        if (sobol) {
            sobol_block.push(row.sobol_block);
            sobol_index.push(row.sobol_index);
        }
        status.push(row.status);
        error.push(row.error);
        wall_seconds.push(row.wall_seconds);
        exit_turn.push(row.exit_turn);
        exit_reason.push(row.exit_reason);
        final_share.push(row.final_share);
        cumulative_profit.push(row.cumulative_profit);
        peak_loss.push(row.peak_loss);
        for (std::size_t i = 0; i < market.size(); ++i)
            market[i].push(row.market_summary[i]);
        ++added;
    }

    // Whether a dataset stores each row in one chunk through the pipeline filter_chunk
    // reproduces (shuffle, deflate, Fletcher-32). Not so where the library lacks deflate or a
    // row exceeds the largest chunk h5::Templates makes: chunks are then unfiltered and written
    // as values.
    static bool takes_filtered_chunks(hid_t dataset, const std::vector<hsize_t>& row_chunk) {
        const h5::ChunkLayout layout = h5::chunk_layout(dataset);
        const std::vector<H5Z_filter_t> pipeline{H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE, H5Z_FILTER_FLETCHER32};
        return layout.shape == row_chunk && layout.filters == pipeline;
    }

    void write_chunk(Group g, std::size_t index, const FilteredChunk& chunk) {
        if (added == 0) throw InvalidInput("series written before any row");
        const std::size_t count = static_cast<std::size_t>(header.turns) * columns[g];
        if (count == 0) return;  // nothing stored
        if (!direct_chunks[g]) {
            std::vector<double> values;
            try {
                values = unfilter_chunk(chunk, count);
            } catch (const ChunkError& e) {
                throw InvalidInput(
                    fmt::format("run {}: a series chunk of group {}: {}", run_ids.back(), group_names[g], e.what()));
            }
            write_series(g, index, values);
            return;
        }
        const hsize_t row = added - 1;
        const std::vector<hsize_t> offset =
            g == market_group ? std::vector<hsize_t>{row, 0} : std::vector<hsize_t>{row, 0, 0};
        h5::write_chunk(series[g].at(index).get(), offset, chunk.bytes, chunk.filter_mask);
    }

    void write_series(Group g, std::size_t index, std::span<const double> values) {
        if (added == 0) throw InvalidInput("series written before any row");
        const hsize_t row = added - 1;
        const hsize_t turns = static_cast<hsize_t>(header.turns);
        const hid_t dataset = series[g].at(index).get();
        if (g == market_group)
            h5::write_block<double>(dataset, {row, 0}, {1, turns}, values);
        else
            h5::write_block<double>(dataset, {row, 0, 0}, {1, turns, columns[g]}, values);
    }

    void flush() {
        if (added != rows) throw InvalidInput(fmt::format("{} rows written, {} announced", added, rows));
        run_id.flush();
        replicate.flush();
        seed.flush();
        scenario.flush();
        for (auto& p : parameters)
            p.flush();
        if (sobol) {
            sobol_block.flush();
            sobol_index.flush();
        }
        status.flush();
        error.flush();
        wall_seconds.flush();
        exit_turn.flush();
        exit_reason.flush();
        final_share.flush();
        cumulative_profit.flush();
        peak_loss.flush();
        for (auto& m : market)
            m.flush();
        if (rows > 0)
            for (auto& scale : run_scales)
                h5::write_all<std::int64_t>(scale.get(), run_ids);
    }
};

SweepWriter::SweepWriter(hid_t file, const SweepHeader& header, std::size_t rows, bool sobol,
                         const SeriesLayout* series)
    : impl_(std::make_unique<Impl>(file, header, rows, sobol, series)) {}

SweepWriter::~SweepWriter() = default;

void SweepWriter::add(const RunRow& row) {
    impl_->add(row);
}

void SweepWriter::write_series(Group group, std::size_t index, std::span<const double> values) {
    impl_->write_series(group, index, values);
}

void SweepWriter::write_chunk(Group group, std::size_t index, const FilteredChunk& chunk) {
    impl_->write_chunk(group, index, chunk);
}

std::size_t SweepWriter::columns(Group group) const {
    return impl_->columns[group];
}

void SweepWriter::finish() {
    impl_->flush();
    impl_.reset();
}

}  // namespace pricewar::detail
