#include "sim/output/run_file.hpp"

#include "sim/model/series.hpp"
#include "sim/output/detail/file_util.hpp"
#include "sim/output/detail/h5.hpp"
#include "sim/output/detail/layout.hpp"

#include <algorithm>
#include <cstdint>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <tuple>

#include <fmt/format.h>

namespace pricewar {

namespace {

using h5::Handle;

// Problems with the record itself (not with the file system).
class InvalidRecord : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

void require_size(std::size_t actual, std::size_t expected, const char* what, const char* per) {
    if (actual != expected)
        throw InvalidRecord(fmt::format("{} has {} entries for {} {}", what, actual, expected, per));
}

void validate_tables(const std::vector<Table>& tables, const char* group, std::size_t cols, bool market) {
    std::set<std::string> seen;
    for (const auto& t : tables) {
        if (const auto problem = layout::name_problem(t.name); !problem.empty())
            throw InvalidRecord(fmt::format("series/{} table name '{}' {}", group, t.name, problem));
        if (!seen.insert(t.name).second)
            throw InvalidRecord(fmt::format("series/{} has two tables named '{}'", group, t.name));
        if (t.values.size() != t.rows * t.cols)
            throw InvalidRecord(fmt::format("series/{}/{} holds {} values for {} x {}", group, t.name, t.values.size(),
                                            t.rows, t.cols));
        if (market ? t.cols != 1 : t.cols != cols)
            throw InvalidRecord(fmt::format("series/{}/{} has {} columns, expected {}", group, t.name, t.cols,
                                            market ? std::size_t{1} : cols));
    }
}

void validate(const RunRecord& r) {
    const std::size_t vendors = r.vendor_names.size();
    const std::size_t offers = r.offer_names.size();
    require_size(r.vendor_kinds.size(), vendors, "vendor_kinds", "vendors");
    require_size(r.offer_tiers.size(), offers, "offer_tiers", "offers");
    require_size(r.offer_vendor.size(), offers, "offer_vendor", "offers");
    for (std::size_t i = 0; i < offers; ++i)
        if (r.offer_vendor[i] < 0 || static_cast<std::size_t>(r.offer_vendor[i]) >= vendors)
            throw InvalidRecord(fmt::format("offer '{}' refers to vendor index {} of {} vendors", r.offer_names[i],
                                            r.offer_vendor[i], vendors));
    validate_tables(r.offer_series, "offer", offers, false);
    validate_tables(r.vendor_series, "vendor", vendors, false);
    validate_tables(r.market_series, "market", 1, true);
    require_size(r.exit_turn.size(), vendors, "exit_turn", "vendors");
    require_size(r.exit_reason.size(), vendors, "exit_reason", "vendors");
    require_size(r.final_share.size(), vendors, "final_share", "vendors");
    require_size(r.cumulative_profit.size(), vendors, "cumulative_profit", "vendors");
    require_size(r.peak_loss.size(), vendors, "peak_loss", "vendors");
    std::set<std::string> seen;
    for (const auto& s : r.market_summary) {
        if (const auto problem = layout::name_problem(s.name); !problem.empty())
            throw InvalidRecord(fmt::format("market summary name '{}' {}", s.name, problem));
        if (!seen.insert(s.name).second)
            throw InvalidRecord(fmt::format("two market summary values are named '{}'", s.name));
    }
}

template <class To, class From>
std::vector<To> convert(const std::vector<From>& values) {
    return std::vector<To>(values.begin(), values.end());
}

// The `turn` dimension scale of a series group: 0 .. turns-1, with the days per turn and, when
// the scenario has one, the date of turn 0.
void write_turn_scale(h5::Templates& tpl, hid_t group, const RunRecord& r, std::size_t rows) {
    std::vector<std::int32_t> turn(rows);
    for (std::size_t i = 0; i < rows; ++i)
        turn[i] = static_cast<std::int32_t>(i);
    Handle scale = h5::write_dataset<std::int32_t>(tpl, group, layout::turn_scale, {rows}, turn, "");
    h5::set_attr<double>(tpl, scale.get(), "turn_days", r.turn_days);
    if (!r.start_date.empty()) h5::set_attr(tpl, scale.get(), "start_date", r.start_date);
}

// Writes one series group: first its dimension scales (`turn`, and `label` over the columns
// unless market), then the tables, each labelled with them.
void write_tables(h5::Templates& templates, hid_t group, const std::vector<Table>& tables, const RunRecord& r,
                  const char* label, const std::vector<std::string>* labels) {
    const bool market = labels == nullptr;
    const std::size_t rows = tables.empty() ? static_cast<std::size_t>(std::max(0, r.turns)) : tables.front().rows;
    write_turn_scale(templates, group, r, rows);
    // With a start date, the coordinate variable `date` over `turn` (CF time: days since turn
    // 0), named in every table's `coordinates` attribute, as in sweep files.
    const bool dated = !r.start_date.empty();
    if (dated) {
        std::vector<double> days(rows);
        for (std::size_t i = 0; i < rows; ++i)
            days[i] = static_cast<double>(i) * r.turn_days;
        Handle date = h5::write_dataset<double>(templates, group, layout::date_coordinate, {rows}, days,
                                                layout::date_units(r.start_date));
        h5::set_attr(templates, date.get(), "calendar", "proleptic_gregorian");
    }
    std::vector<std::string> scales{layout::turn_scale};
    if (!market) {
        h5::write_string_dataset(templates, group, label, *labels);
        scales.emplace_back(label);
    }
    h5::AxisLabels axes(templates, group, std::move(scales));
    for (const auto& t : tables) {
        const std::vector<hsize_t> dims = market ? std::vector<hsize_t>{t.rows} : std::vector<hsize_t>{t.rows, t.cols};
        Handle dataset =
            h5::write_dataset<double>(templates, group, t.name, dims, t.values, layout::units_or_one(t.units));
        axes.attach(dataset.get(), t.name);
        if (dated) h5::set_attr(templates, dataset.get(), "coordinates", std::string(layout::date_coordinate));
    }
    if (dated) {
        Handle date = h5::open_dataset(group, layout::date_coordinate);
        axes.attach(date.get(), layout::date_coordinate, {0});
    }
    axes.finish();
}

// /summary/vendor/<name>: name and units from the declaration (sim/model/series.hpp).
template <class T>
Handle write_summary(h5::Templates& templates, hid_t group, std::size_t index, const std::vector<hsize_t>& dims,
                     std::span<const T> values, const std::string& currency) {
    const auto& d = outputs::vendor_summary[index];
    return h5::write_dataset<T>(templates, group, std::string(d.name), dims, values, outputs::units(d.unit, currency));
}

void write_contents(hid_t file, const RunRecord& r, const std::string& version) {
    // One set of creation lists and types for the whole file (see h5::Templates).
    h5::Templates tpl;
    h5::set_attr(tpl, file, "format", layout::run_format);
    h5::set_attr<std::int32_t>(tpl, file, "format_version", run_format_version);
    h5::set_attr(tpl, file, "pricewar_version", version);
    h5::set_attr<std::uint64_t>(tpl, file, "seed", r.seed);
    h5::set_attr<std::int32_t>(tpl, file, "turns", r.turns);
    h5::set_attr<double>(tpl, file, "turn_days", r.turn_days);
    h5::set_attr(tpl, file, "currency", r.currency);
    h5::set_attr(tpl, file, "scenario_name", r.scenario_name);
    if (!r.start_date.empty()) h5::set_attr(tpl, file, "start_date", r.start_date);
    {
        Handle scenario = h5::create_group(tpl, file, "scenario");
        h5::set_attr(tpl, scenario.get(), "toml", r.scenario_toml);
        h5::set_attr(tpl, scenario.get(), "resolved", r.resolved_toml);
    }
    {
        Handle vendors = h5::create_group(tpl, file, "vendors");
        h5::write_string_dataset(tpl, vendors.get(), "name", r.vendor_names);
        h5::write_string_dataset(tpl, vendors.get(), "kind", r.vendor_kinds);
    }
    {
        Handle offers = h5::create_group(tpl, file, "offers");
        h5::write_string_dataset(tpl, offers.get(), "name", r.offer_names);
        h5::write_string_dataset(tpl, offers.get(), "tier", r.offer_tiers);
        const auto vendor_index = convert<std::int32_t>(r.offer_vendor);
        h5::write_dataset<std::int32_t>(tpl, offers.get(), "vendor", {vendor_index.size()}, vendor_index, "");
    }
    {
        Handle series = h5::create_group(tpl, file, "series");
        Handle offer = h5::create_group(tpl, series.get(), "offer");
        write_tables(tpl, offer.get(), r.offer_series, r, layout::offer_scale, &r.offer_names);
        Handle vendor = h5::create_group(tpl, series.get(), "vendor");
        write_tables(tpl, vendor.get(), r.vendor_series, r, layout::vendor_scale, &r.vendor_names);
        Handle market = h5::create_group(tpl, series.get(), "market");
        write_tables(tpl, market.get(), r.market_series, r, nullptr, nullptr);
    }
    {
        Handle summary = h5::create_group(tpl, file, "summary");
        Handle vendor = h5::create_group(tpl, summary.get(), "vendor");
        const std::vector<hsize_t> dims{r.vendor_names.size()};
        h5::write_string_dataset(tpl, vendor.get(), layout::vendor_scale, r.vendor_names);
        h5::AxisLabels axes(tpl, vendor.get(), {layout::vendor_scale});
        const auto exit_turn = convert<std::int32_t>(r.exit_turn);
        {
            Handle exit = write_summary<std::int32_t>(tpl, vendor.get(), outputs::vendor_summary_index("exit_turn"),
                                                      dims, exit_turn, r.currency);
            h5::set_attr(tpl, exit.get(), "description", layout::run_exit_turn_description());
            axes.attach(exit.get(), "exit_turn");
        }
        {
            const auto exit_reason = convert<std::int32_t>(r.exit_reason);
            Handle reason = write_summary<std::int32_t>(tpl, vendor.get(), outputs::vendor_summary_index("exit_reason"),
                                                        dims, exit_reason, r.currency);
            h5::set_attr(tpl, reason.get(), "codes", layout::exit_reason_codes());
            axes.attach(reason.get(), "exit_reason");
        }
        const auto write_vendor_summary = [&](std::size_t index, const std::vector<double>& values) {
            Handle dataset = write_summary<double>(tpl, vendor.get(), index, dims, values, r.currency);
            axes.attach(dataset.get(), std::string(outputs::vendor_summary[index].name));
        };
        write_vendor_summary(outputs::vendor_summary_index("final_share"), r.final_share);
        write_vendor_summary(outputs::vendor_summary_index("cumulative_profit"), r.cumulative_profit);
        write_vendor_summary(outputs::vendor_summary_index("peak_loss"), r.peak_loss);
        axes.finish();
        Handle market = h5::create_group(tpl, summary.get(), "market");
        for (const auto& s : r.market_summary)
            h5::write_dataset<double>(tpl, market.get(), s.name, {}, std::span<const double>(&s.value, 1),
                                      layout::units_or_one(s.units));
    }
    {
        Handle events = h5::create_group(tpl, file, "events");
        std::vector<std::int32_t> turn;
        std::vector<std::string> kind, vendor, offer, description;
        for (const auto& e : r.events) {
            turn.push_back(e.turn);
            kind.push_back(e.kind);
            vendor.push_back(e.vendor);
            offer.push_back(e.offer);
            description.push_back(e.description);
        }
        h5::write_dataset<std::int32_t>(tpl, events.get(), "turn", {turn.size()}, turn, layout::turn_units);
        h5::write_string_dataset(tpl, events.get(), "kind", kind);
        h5::write_string_dataset(tpl, events.get(), "vendor", vendor);
        h5::write_string_dataset(tpl, events.get(), "offer", offer);
        h5::write_string_dataset(tpl, events.get(), "description", description);
    }
}

std::vector<Table> read_tables(hid_t group, bool market) {
    std::vector<Table> tables;
    for (const auto& name : h5::member_names(group)) {
        Handle dataset = h5::open_dataset(group, name);
        const auto dims = h5::shape(dataset.get());
        if (dims.size() != (market ? 1U : 2U))
            throw h5::Error(fmt::format("series table '{}' has {} dimensions", name, dims.size()));
        const std::string units = h5::has_attr(dataset.get(), "units") ? h5::attr_string(dataset.get(), "units") : "";
        Table t(name, units, dims[0], market ? 1 : dims[1]);
        t.values = h5::read_all<double>(dataset.get());
        tables.push_back(std::move(t));
    }
    return tables;
}

std::vector<std::string> read_string_column(hid_t group, const char* name) {
    Handle dataset = h5::open_dataset(group, name);
    return h5::read_strings(dataset.get());
}

template <class T>
std::vector<T> read_column(hid_t group, std::string_view name) {
    Handle dataset = h5::open_dataset(group, std::string(name));
    return h5::read_all<T>(dataset.get());
}

RunRecord read_contents(hid_t file) {
    layout::check_format(file, layout::run_format, run_format_version);
    RunRecord r;
    r.seed = h5::attr_value<std::uint64_t>(file, "seed");
    r.turns = h5::attr_value<std::int32_t>(file, "turns");
    r.turn_days = h5::attr_value<double>(file, "turn_days");
    r.currency = h5::attr_string(file, "currency");
    r.scenario_name = h5::attr_string(file, "scenario_name");
    if (h5::has_attr(file, "start_date")) r.start_date = h5::attr_string(file, "start_date");
    {
        Handle scenario = h5::open_group(file, "scenario");
        r.scenario_toml = h5::attr_string(scenario.get(), "toml");
        r.resolved_toml = h5::attr_string(scenario.get(), "resolved");
    }
    {
        Handle vendors = h5::open_group(file, "vendors");
        r.vendor_names = read_string_column(vendors.get(), "name");
        r.vendor_kinds = read_string_column(vendors.get(), "kind");
    }
    {
        Handle offers = h5::open_group(file, "offers");
        r.offer_names = read_string_column(offers.get(), "name");
        r.offer_tiers = read_string_column(offers.get(), "tier");
        r.offer_vendor = convert<int>(read_column<std::int32_t>(offers.get(), "vendor"));
    }
    {
        Handle series = h5::open_group(file, "series");
        Handle offer = h5::open_group(series.get(), "offer");
        r.offer_series = read_tables(offer.get(), false);
        Handle vendor = h5::open_group(series.get(), "vendor");
        r.vendor_series = read_tables(vendor.get(), false);
        Handle market = h5::open_group(series.get(), "market");
        r.market_series = read_tables(market.get(), true);
    }
    {
        Handle summary = h5::open_group(file, "summary");
        Handle vendor = h5::open_group(summary.get(), "vendor");
        r.exit_turn = convert<int>(read_column<std::int32_t>(vendor.get(), outputs::vendor_summary_name("exit_turn")));
        if (h5::has_link(vendor.get(), std::string(outputs::vendor_summary_name("exit_reason"))))
            r.exit_reason =
                convert<int>(read_column<std::int32_t>(vendor.get(), outputs::vendor_summary_name("exit_reason")));
        else  // files written before exit routes were recorded: every exit was a shutdown
            for (const int e : r.exit_turn)
                r.exit_reason.push_back(e >= 0 ? 1 : 0);
        r.final_share = read_column<double>(vendor.get(), outputs::vendor_summary_name("final_share"));
        r.cumulative_profit = read_column<double>(vendor.get(), outputs::vendor_summary_name("cumulative_profit"));
        r.peak_loss = read_column<double>(vendor.get(), outputs::vendor_summary_name("peak_loss"));
        Handle market = h5::open_group(summary.get(), "market");
        for (const auto& name : h5::member_names(market.get())) {
            Handle dataset = h5::open_dataset(market.get(), name);
            const auto values = h5::read_all<double>(dataset.get());
            if (values.size() != 1)
                throw h5::Error(fmt::format("summary/market/{} holds {} values, expected 1", name, values.size()));
            const std::string units =
                h5::has_attr(dataset.get(), "units") ? h5::attr_string(dataset.get(), "units") : "";
            r.market_summary.push_back(Scalar{name, units, values.front()});
        }
    }
    {
        Handle events = h5::open_group(file, "events");
        const auto turn = read_column<std::int32_t>(events.get(), "turn");
        const auto kind = read_string_column(events.get(), "kind");
        const auto vendor = read_string_column(events.get(), "vendor");
        const auto offer = read_string_column(events.get(), "offer");
        const auto description = read_string_column(events.get(), "description");
        const std::size_t n = turn.size();
        if (kind.size() != n || vendor.size() != n || offer.size() != n || description.size() != n)
            throw h5::Error("the /events datasets differ in length");
        for (std::size_t i = 0; i < n; ++i)
            r.events.push_back({turn[i], kind[i], vendor[i], offer[i], description[i]});
    }
    try {
        validate(r);
    } catch (const InvalidRecord& e) {
        throw h5::Error(fmt::format("inconsistent contents: {}", e.what()));
    }
    return r;
}

// A little more than the size of the file: the data plus 1 KiB of object header, chunk index
// and attributes per dataset (a default run file needs about 600 bytes), plus 16 KiB for the
// superblock and groups. The memory driver zeroes what it takes and grows in steps of this
// size if it is short.
std::size_t expected_file_bytes(const RunRecord& r) {
    std::size_t bytes = std::size_t{16} << 10;
    std::size_t datasets = 16;
    for (const auto* group : {&r.offer_series, &r.vendor_series, &r.market_series})
        for (const auto& t : *group) {
            bytes += t.values.size() * sizeof(double);
            ++datasets;
        }
    bytes += r.scenario_toml.size() + r.resolved_toml.size() + datasets * 1024;
    for (const auto& e : r.events)
        bytes += e.kind.size() + e.vendor.size() + e.offer.size() + e.description.size() + 64;
    return bytes;
}

FileImage encode(const RunRecord& record, const std::string& pricewar_version, const std::string& memory_name) {
    // Built in memory, then written with plain POSIX calls: a full disk fails our write(),
    // never HDF5's own close (see h5::create_memory_file).
    h5::Session session;
    Handle file = h5::create_memory_file(memory_name, expected_file_bytes(record));
    write_contents(file.get(), record, pricewar_version);
    FileImage image = h5::file_image(file.get());
    h5::close_file(file);
    return image;
}

// Throws OutputError("<context>: invalid run record: <problem>").
void check_record(const RunRecord& record, const std::string& context) {
    try {
        validate(record);
    } catch (const InvalidRecord& e) {
        throw OutputError(fmt::format("{}: invalid run record: {}", context, e.what()));
    }
}

}  // namespace

void write_run_file(const RunRecord& record, const std::string& path, const std::string& pricewar_version) {
    check_record(record, fmt::format("cannot write '{}'", path));
    detail::AtomicOutput output(path);
    FileImage image;
    try {
        image = encode(record, pricewar_version, output.temp_path());
    } catch (const h5::Error& e) {
        throw OutputError(fmt::format("cannot write '{}': {}", path, e.what()));
    }
    output.write(image.view());
    output.commit();
}

FileImage encode_run_file(const RunRecord& record, const std::string& pricewar_version) {
    // The name only has to differ from other files open in the process at the same time.
    check_record(record, "cannot encode a run file");
    std::ostringstream name;
    name << "run-image-" << std::this_thread::get_id() << '-' << static_cast<const void*>(&record);
    try {
        return encode(record, pricewar_version, name.str());
    } catch (const h5::Error& e) {
        throw OutputError(fmt::format("cannot encode a run file: {}", e.what()));
    }
}

RunRecord read_run_file(const std::string& path) {
    h5::Session session;
    try {
        Handle file = h5::open_file_read(path);
        return read_contents(file.get());
    } catch (const h5::Error& e) {
        throw OutputError(fmt::format("cannot read '{}': {}", path, e.what()));
    }
}

std::string read_pricewar_version(const std::string& path) {
    h5::Session session;
    try {
        Handle file = h5::open_file_read(path);
        layout::check_format(file.get(), "", 0);
        return h5::attr_string(file.get(), "pricewar_version");
    } catch (const h5::Error& e) {
        throw OutputError(fmt::format("cannot read '{}': {}", path, e.what()));
    }
}

}  // namespace pricewar
