// Building sweep files: from a journal (finalize_sweep) and from shard files (merge), and
// reading them back.

#include "sim/output/sweep_file.hpp"

#include "sim/output/detail/file_util.hpp"
#include "sim/output/detail/h5.hpp"
#include "sim/output/detail/journal_codec.hpp"
#include "sim/output/detail/layout.hpp"
#include "sim/output/detail/sweep.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pricewar {

namespace {

using detail::Group;
using detail::group_names;
using detail::InvalidInput;
using detail::SeriesLayout;
using detail::SweepWriter;
using h5::Handle;

constexpr std::array<Group, 3> all_groups{detail::offer_group, detail::vendor_group, detail::market_group};

// ---- reading ------------------------------------------------------------------------------

template <class T>
std::vector<T> read_rows(hid_t group, const std::string& name, std::size_t rows, std::size_t width, bool matrix) {
    Handle dataset = h5::open_dataset(group, name);
    const auto dims = h5::shape(dataset.get());
    const bool ok =
        matrix ? (dims.size() == 2 && dims[0] == rows && dims[1] == width) : (dims.size() == 1 && dims[0] == rows);
    if (!ok)
        throw h5::Error(fmt::format("dataset '{}' has shape [{}], expected [{}]", name, fmt::join(dims, ", "),
                                    matrix ? fmt::format("{}, {}", rows, width) : fmt::format("{}", rows)));
    return h5::read_all<T>(dataset.get());
}

std::vector<std::string> read_string_rows(hid_t group, const std::string& name, std::size_t rows) {
    Handle dataset = h5::open_dataset(group, name);
    const auto dims = h5::shape(dataset.get());
    if (dims.size() != 1 || dims[0] != rows)
        throw h5::Error(fmt::format("dataset '{}' has shape [{}], expected [{}]", name, fmt::join(dims, ", "), rows));
    return h5::read_strings(dataset.get());
}

SweepContents read_contents(hid_t file) {
    layout::check_format(file, layout::sweep_format, sweep_format_version);
    SweepContents out;
    SweepHeader& h = out.header;
    h.kind = h5::attr_string(file, "kind");
    h.pricewar_version = h5::attr_string(file, "pricewar_version");
    h.master_seed = h5::attr_value<std::uint64_t>(file, "master_seed");
    h.design = h5::attr_string(file, "design");
    h.runs_planned = h5::attr_value<std::int64_t>(file, "runs_planned");
    h.turns = h5::attr_value<std::int32_t>(file, "turns");
    h.currency = h5::attr_string(file, "currency");
    h.series = h5::attr_value<std::int32_t>(file, "series") != 0;
    if (h5::has_attr(file, "turn_days")) h.turn_days = h5::attr_value<double>(file, "turn_days");
    if (h5::has_attr(file, "start_date")) h.start_date = h5::attr_string(file, "start_date");
    {
        Handle sweep = h5::open_group(file, "sweep");
        h.sweep_toml = h5::attr_string(sweep.get(), "toml");
    }
    Handle design = h5::open_group(file, "design");
    h.parameters = h5::attr_strings(design.get(), "parameters");
    {
        Handle vendors = h5::open_group(file, "vendors");
        h.vendor_names = h5::read_strings(h5::open_dataset(vendors.get(), "name").get());
        h.vendor_kinds = read_string_rows(vendors.get(), "kind", h.vendor_names.size());
        // Files of format 1 have no display names (records_presentation() stays false).
        if (h5::has_link(vendors.get(), "display_name"))
            h.vendor_display_names = read_string_rows(vendors.get(), "display_name", h.vendor_names.size());
    }
    if (h.series) {
        Handle offers = h5::open_group(file, "offers");
        h.offer_names = h5::read_strings(h5::open_dataset(offers.get(), "name").get());
        if (h5::has_link(offers.get(), "display_name"))
            h.offer_display_names = read_string_rows(offers.get(), "display_name", h.offer_names.size());
    }
    Handle summary = h5::open_group(file, "summary");
    Handle market = h5::open_group(summary.get(), "market");
    h.market_summary_names = h5::member_names(market.get());
    for (const auto& name : h.market_summary_names) {
        Handle dataset = h5::open_dataset(market.get(), name);
        h.market_summary_units.push_back(h5::has_attr(dataset.get(), "units") ? h5::attr_string(dataset.get(), "units")
                                                                              : "");
    }

    const std::size_t rows = h5::shape(h5::open_dataset(design.get(), "run_id").get()).at(0);
    const std::size_t vendors = h.vendor_names.size();
    const auto run_id = read_rows<std::int64_t>(design.get(), "run_id", rows, 1, false);
    const auto replicate = read_rows<std::int64_t>(design.get(), "replicate", rows, 1, false);
    const auto seed = read_rows<std::uint64_t>(design.get(), "seed", rows, 1, false);
    const auto scenario = read_string_rows(design.get(), "scenario", rows);
    std::vector<std::vector<double>> parameters;
    for (const auto& p : h.parameters)
        parameters.push_back(read_rows<double>(design.get(), p, rows, 1, false));
    const bool sobol = h5::has_link(design.get(), "sobol_block");
    std::vector<std::int32_t> sobol_block(rows, -1), sobol_index(rows, -1);
    if (sobol) {
        sobol_block = read_rows<std::int32_t>(design.get(), "sobol_block", rows, 1, false);
        sobol_index = read_rows<std::int32_t>(design.get(), "sobol_index", rows, 1, false);
    }
    Handle runs = h5::open_group(file, "runs");
    const auto status = read_rows<std::int32_t>(runs.get(), "status", rows, 1, false);
    const auto error = read_string_rows(runs.get(), "error", rows);
    const auto wall = read_rows<double>(runs.get(), "wall_seconds", rows, 1, false);
    Handle vendor = h5::open_group(summary.get(), "vendor");
    const auto exit_turn = read_rows<std::int32_t>(vendor.get(), std::string(outputs::vendor_summary_name("exit_turn")),
                                                   rows, vendors, true);
    const std::string reason_name(outputs::vendor_summary_name("exit_reason"));
    const bool has_reason = h5::has_link(vendor.get(), reason_name);
    const auto exit_reason = has_reason ? read_rows<std::int32_t>(vendor.get(), reason_name, rows, vendors, true)
                                        : std::vector<std::int32_t>{};
    const auto final_share =
        read_rows<double>(vendor.get(), std::string(outputs::vendor_summary_name("final_share")), rows, vendors, true);
    const auto cumulative_profit = read_rows<double>(
        vendor.get(), std::string(outputs::vendor_summary_name("cumulative_profit")), rows, vendors, true);
    const auto peak_loss =
        read_rows<double>(vendor.get(), std::string(outputs::vendor_summary_name("peak_loss")), rows, vendors, true);
    std::vector<std::vector<double>> market_values;
    for (const auto& name : h.market_summary_names)
        market_values.push_back(read_rows<double>(market.get(), name, rows, 1, false));

    const auto slice = [vendors](const auto& matrix, std::size_t r) {
        using T = typename std::decay_t<decltype(matrix)>::value_type;
        const auto first = matrix.begin() + static_cast<std::ptrdiff_t>(r * vendors);
        return std::vector<T>(first, first + static_cast<std::ptrdiff_t>(vendors));
    };
    out.rows.reserve(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        if (r > 0 && run_id[r] <= run_id[r - 1])
            throw h5::Error(fmt::format("/design/run_id is not strictly increasing at row {}", r));
        RunRow row;
        row.run_id = run_id[r];
        row.replicate = replicate[r];
        row.seed = seed[r];
        row.scenario = scenario[r];
        for (const auto& p : parameters)
            row.parameter_values.push_back(p[r]);
        row.sobol_block = sobol_block[r];
        row.sobol_index = sobol_index[r];
        row.status = status[r];
        row.error = error[r];
        row.wall_seconds = wall[r];
        row.exit_turn = slice(exit_turn, r);
        if (has_reason)
            row.exit_reason = slice(exit_reason, r);
        else  // files written before exit routes were recorded: every exit was a shutdown
            for (const auto e : row.exit_turn)
                row.exit_reason.push_back(e >= 0 ? 1 : (e == -1 ? 0 : -2));
        row.final_share = slice(final_share, r);
        row.cumulative_profit = slice(cumulative_profit, r);
        row.peak_loss = slice(peak_loss, r);
        for (const auto& m : market_values)
            row.market_summary.push_back(m[r]);
        out.rows.push_back(std::move(row));
    }
    return out;
}

// ---- writing ------------------------------------------------------------------------------

// Runs `write(file)` into a fresh HDF5 file that replaces `out_path` only once complete.
template <class Write>
void write_sweep_atomically(const std::string& out_path, Write&& write) {
    detail::AtomicOutput output(out_path);
    {
        h5::Session session;
        try {
            Handle file = h5::create_file(output.temp_path());
            write(file.get());
            h5::close_file(file);
        } catch (const h5::Error& e) {
            throw OutputError(fmt::format("cannot write '{}': {}", out_path, e.what()));
        } catch (const InvalidInput& e) {
            throw OutputError(fmt::format("cannot write '{}': {}", out_path, e.what()));
        }
    }
    output.commit();
}

struct JournalEntry {
    std::int64_t run_id;
    std::uint64_t offset;
};

// The row's chunk of table `name` of group `g`, if the row carries its series as chunks.
const journal::ChunkedTable* find_chunk(const journal::JournalRow& row, Group g, const std::string& name) {
    const auto& tables = row.chunked_series;
    const auto it = std::find_if(tables.begin(), tables.end(),
                                 [&](const journal::ChunkedTable& t) { return t.group == g && t.name == name; });
    return it == tables.end() ? nullptr : &*it;
}

// Every series table of the layout for the row last added: its chunk as the journal holds it,
// or else its values placed on the union (NaN for a table the run lacks).
void write_row_series(SweepWriter& writer, const SeriesLayout& layout, const detail::SeriesPlacer& placer,
                      const journal::JournalRow& row, std::vector<double>& values) {
    const RunRecord empty;
    const RunRecord& run = row.row.series ? *row.row.series : empty;
    for (const Group g : all_groups)
        for (std::size_t k = 0; k < layout[g].size(); ++k) {
            if (const auto* chunk = find_chunk(row, g, layout[g][k].name)) {
                writer.write_chunk(g, k, chunk->chunk);
                continue;
            }
            placer.place(run, g, layout[g][k].name, values);
            writer.write_series(g, k, values);
        }
}

}  // namespace

void finalize_sweep(const std::string& journal_path, const std::string& out_path) {
    detail::FileDescriptor fd(::open(journal_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        throw OutputError(fmt::format("cannot open journal '{}': {}", journal_path, detail::errno_text(errno)));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
        throw OutputError(
            fmt::format("journal '{}' is still open for appending (close it before finalizing)", journal_path));

    // Pass 1: index the rows and collect what shapes the file (series tables, sobol columns).
    std::vector<JournalEntry> index;
    detail::SeriesLayoutBuilder series_tables;
    bool sobol = false;
    bool with_series = false;
    const auto scan = journal::scan(fd.get(), journal_path, [&](std::uint64_t offset, std::span<const std::byte> p) {
        const journal::JournalRow decoded = journal::decode_journal_row(p);
        const RunRow& row = decoded.row;
        index.push_back({row.run_id, offset});
        sobol = sobol || row.sobol_block >= 0 || row.sobol_index >= 0;
        try {
            if (row.series)
                for (const Group g : all_groups)
                    for (const auto& t : detail::tables_of(*row.series, g))
                        series_tables.add(g, t.name, t.units);
            for (const auto& t : decoded.chunked_series)
                series_tables.add(static_cast<Group>(t.group), t.name, t.units);
        } catch (const InvalidInput& e) {
            throw OutputError(fmt::format("journal '{}': {}", journal_path, e.what()));
        }
    });
    if (!scan.has_header)
        throw OutputError(fmt::format("journal '{}' has no header: no run was recorded", journal_path));
    const SweepHeader& header = scan.header;
    try {
        detail::validate_header(header);
    } catch (const InvalidInput& e) {
        throw OutputError(fmt::format("journal '{}': invalid sweep header: {}", journal_path, e.what()));
    }
    with_series = header.series;
    std::sort(index.begin(), index.end(), [](const auto& a, const auto& b) { return a.run_id < b.run_id; });
    for (std::size_t i = 1; i < index.size(); ++i)
        if (index[i].run_id == index[i - 1].run_id)
            throw OutputError(fmt::format("journal '{}' records run {} twice", journal_path, index[i].run_id));

    // Pass 2: rows in run_id order, read back one at a time.
    const SeriesLayout series_layout = series_tables.layout();
    const detail::SeriesPlacer placer(header);
    write_sweep_atomically(out_path, [&](hid_t file) {
        SweepWriter writer(file, header, index.size(), sobol, with_series ? &series_layout : nullptr);
        std::vector<std::byte> payload;
        std::vector<double> values;
        for (const auto& entry : index) {
            journal::read_record(fd.get(), journal_path, entry.offset, payload);
            journal::JournalRow decoded;
            try {
                decoded = journal::decode_journal_row(payload);
            } catch (const journal::DecodeError& e) {
                throw OutputError(fmt::format("journal '{}': the record at byte offset {} cannot be decoded: {}",
                                              journal_path, entry.offset, e.what()));
            }
            writer.add(decoded.row);
            if (with_series) write_row_series(writer, series_layout, placer, decoded, values);
        }
        writer.finish();
    });
    fd.reset();
    (void)::unlink(journal_path.c_str());
    detail::sync_dir(detail::parent_dir(journal_path));
}

SweepContents read_sweep_file(const std::string& path) {
    h5::Session session;
    try {
        Handle file = h5::open_file_read(path);
        return read_contents(file.get());
    } catch (const h5::Error& e) {
        throw OutputError(fmt::format("cannot read '{}': {}", path, e.what()));
    } catch (const std::out_of_range&) {
        throw OutputError(fmt::format("cannot read '{}': malformed dataset shape", path));
    }
}

namespace {

// One shard's series datasets, opened for reading rows.
struct ShardSeries {
    Handle file;
    std::array<std::map<std::string, Handle>, 3> tables;
    std::array<std::size_t, 3> columns{};
};

ShardSeries open_shard_series(const std::string& path, const SweepHeader& header, std::size_t rows,
                              detail::SeriesLayoutBuilder& layout) {
    ShardSeries s;
    s.file = h5::open_file_read(path);
    s.columns = {header.offer_names.size(), header.vendor_names.size(), 1};
    const std::size_t turns = static_cast<std::size_t>(header.turns);
    Handle series = h5::open_group(s.file.get(), "series");
    for (const Group g : all_groups) {
        Handle group = h5::open_group(series.get(), group_names[g]);
        for (const auto& name : h5::member_names(group.get())) {
            Handle dataset = h5::open_dataset(group.get(), name);
            const auto dims = h5::shape(dataset.get());
            const bool ok = g == detail::market_group
                                ? dims.size() == 2 && dims[0] == rows && dims[1] == turns
                                : dims.size() == 3 && dims[0] == rows && dims[1] == turns && dims[2] == s.columns[g];
            if (!ok)
                throw h5::Error(fmt::format("series/{}/{} has shape [{}], which does not fit {} rows x {} turns",
                                            group_names[g], name, fmt::join(dims, ", "), rows, turns));
            layout.add(g, name, h5::has_attr(dataset.get(), "units") ? h5::attr_string(dataset.get(), "units") : "");
            s.tables[g].emplace(name, std::move(dataset));
        }
    }
    return s;
}

}  // namespace

void merge_sweep_files(const std::vector<std::string>& shards, const std::string& out_path) {
    if (shards.empty()) throw OutputError(fmt::format("cannot write '{}': no shard files to merge", out_path));
    std::vector<SweepContents> contents;
    contents.reserve(shards.size());
    for (const auto& shard : shards)
        contents.push_back(read_sweep_file(shard));

    const bool with_series =
        std::all_of(contents.begin(), contents.end(), [](const auto& c) { return c.header.series; });
    for (std::size_t i = 1; i < contents.size(); ++i) {
        const SweepHeader& a = contents[0].header;
        const SweepHeader& b = contents[i].header;
        const bool both_series = a.series && b.series;
        auto diff = detail::header_differences(a, b, false);
        if (both_series && a.offer_names != b.offer_names) diff.emplace_back("offer_names");
        if (both_series && a.records_presentation() && b.records_presentation() &&
            a.offer_display_names != b.offer_display_names)
            diff.emplace_back("offer_display_names");
        if (!diff.empty())
            throw OutputError(fmt::format("cannot merge '{}' with '{}': not shards of the same sweep (differs in: {})",
                                          shards[i], shards[0], fmt::join(diff, ", ")));
    }

    struct Source {
        std::int64_t run_id;
        std::size_t shard;
        std::size_t row;
    };
    std::vector<Source> order;
    bool sobol = false;
    for (std::size_t s = 0; s < contents.size(); ++s)
        for (std::size_t r = 0; r < contents[s].rows.size(); ++r) {
            const RunRow& row = contents[s].rows[r];
            order.push_back({row.run_id, s, r});
            sobol = sobol || row.sobol_block >= 0 || row.sobol_index >= 0;
        }
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        return a.run_id != b.run_id ? a.run_id < b.run_id : a.shard < b.shard;
    });
    for (std::size_t i = 1; i < order.size(); ++i)
        if (order[i].run_id == order[i - 1].run_id)
            throw OutputError(fmt::format("cannot merge: run {} appears in both '{}' and '{}'", order[i].run_id,
                                          shards[order[i - 1].shard], shards[order[i].shard]));

    SweepHeader header = contents[0].header;
    header.series = with_series;
    // Labels and calendar from a shard that records them (shards of an earlier format do not;
    // with series kept, every shard has the same offers).
    const auto labelled =
        std::find_if(contents.begin(), contents.end(), [](const auto& c) { return c.header.records_presentation(); });
    if (labelled != contents.end()) {
        header.vendor_display_names = labelled->header.vendor_display_names;
        header.offer_display_names = labelled->header.offer_display_names;
        header.start_date = labelled->header.start_date;
        header.turn_days = labelled->header.turn_days;
    }
    if (!with_series) {
        header.offer_names.clear();
        header.offer_display_names.clear();
    }

    write_sweep_atomically(out_path, [&](hid_t file) {
        std::vector<ShardSeries> shard_series;
        detail::SeriesLayoutBuilder builder;
        if (with_series) {
            for (std::size_t s = 0; s < shards.size(); ++s) {
                try {
                    shard_series.push_back(open_shard_series(shards[s], header, contents[s].rows.size(), builder));
                } catch (const h5::Error& e) {
                    throw OutputError(fmt::format("cannot read '{}': {}", shards[s], e.what()));
                }
            }
        }
        const SeriesLayout series_layout = builder.layout();
        SweepWriter writer(file, header, order.size(), sobol, with_series ? &series_layout : nullptr);
        std::vector<double> values;
        for (const auto& source : order) {
            writer.add(contents[source.shard].rows[source.row]);
            if (!with_series) continue;
            const ShardSeries& shard = shard_series[source.shard];
            const hsize_t row = source.row;
            const hsize_t turns = static_cast<hsize_t>(header.turns);
            for (const Group g : all_groups)
                for (std::size_t k = 0; k < series_layout[g].size(); ++k) {
                    const std::size_t width = shard.columns[g];
                    values.assign(turns * width, std::numeric_limits<double>::quiet_NaN());
                    const auto it = shard.tables[g].find(series_layout[g][k].name);
                    if (it != shard.tables[g].end()) {
                        try {
                            if (g == detail::market_group)
                                h5::read_block<double>(it->second.get(), {row, 0}, {1, turns}, values);
                            else
                                h5::read_block<double>(it->second.get(), {row, 0, 0}, {1, turns, width}, values);
                        } catch (const h5::Error& e) {
                            throw OutputError(fmt::format("cannot read '{}': {}", shards[source.shard], e.what()));
                        }
                    }
                    writer.write_series(g, k, values);
                }
        }
        writer.finish();
    });
}

}  // namespace pricewar
