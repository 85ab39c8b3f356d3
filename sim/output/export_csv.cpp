#include "sim/output/export_csv.hpp"

#include "sim/model/series.hpp"

#include "sim/output/detail/h5.hpp"
#include "sim/output/detail/layout.hpp"
#include "sim/output/output_error.hpp"
#include "sim/output/run_file.hpp"
#include "sim/output/sweep_file.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace pricewar {

namespace {

namespace fs = std::filesystem;

// RFC 4180 field: quoted when it holds a comma, quote or line break.
std::string field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string field(double value) {
    return std::isnan(value) ? std::string() : fmt::format("{}", value);
}

template <class T>
requires std::is_integral_v<T> std::string field(T value) {
    return fmt::format("{}", value);
}

class CsvFile {
public:
    CsvFile(const fs::path& path, const std::vector<std::string>& columns) : path_(path), out_(path) {
        if (!out_) throw OutputError(fmt::format("cannot write '{}'", path.string()));
        std::vector<std::string> quoted;
        for (const auto& c : columns)
            quoted.push_back(field(c));
        out_ << fmt::format("{}\n", fmt::join(quoted, ","));
    }
    void row(const std::vector<std::string>& fields) { out_ << fmt::format("{}\n", fmt::join(fields, ",")); }
    void close() {
        out_.close();
        if (!out_) throw OutputError(fmt::format("cannot write '{}'", path_.string()));
    }

private:
    fs::path path_;
    std::ofstream out_;
};

struct Units {
    std::vector<std::array<std::string, 3>> rows;  // table, column, units
    void add(const std::string& table, const std::string& column, const std::string& units) {
        rows.push_back({table, column, units});
    }
};

void write_units(const fs::path& dir, const Units& units, std::vector<std::string>& written) {
    CsvFile f(dir / "units.csv", {"table", "column", "units"});
    for (const auto& r : units.rows)
        f.row({field(r[0]), field(r[1]), field(r[2])});
    f.close();
    written.emplace_back("units.csv");
}

// One run's series (any group) as long rows: run_id, turn, labels..., one column per table.
void series_rows(CsvFile& f, std::int64_t run_id, std::size_t turns,
                 const std::vector<std::vector<std::string>>& labels,
                 const std::vector<const std::vector<double>*>& tables, std::size_t columns) {
    for (std::size_t t = 0; t < turns; ++t)
        for (std::size_t c = 0; c < columns; ++c) {
            std::vector<std::string> row{field(run_id), field(t)};
            for (const auto& l : labels)
                row.push_back(field(l[c]));
            for (const auto* values : tables)
                row.push_back(field((*values)[t * columns + c]));
            f.row(row);
        }
}

std::vector<std::string> offer_vendors(const std::vector<std::string>& offers) {
    std::vector<std::string> vendors;
    for (const auto& o : offers)
        vendors.push_back(o.substr(0, o.find('.')));
    return vendors;
}

std::vector<std::string> export_run(const RunRecord& r, const fs::path& dir) {
    std::vector<std::string> written;
    Units units;
    {
        CsvFile f(dir / "design.csv", {"run_id", "replicate", "seed", "scenario"});
        f.row({"0", "0", field(r.seed), field(r.scenario_name)});
        f.close();
        written.emplace_back("design.csv");
    }
    {
        std::vector<std::string> columns{"run_id", "status", "error", "turns"};
        std::vector<std::string> row{"0", "0", "", field(r.turns)};
        units.add("runs", "turns", layout::turn_units);
        for (const auto& s : r.market_summary) {
            columns.push_back(s.name);
            row.push_back(field(s.value));
            units.add("runs", s.name, layout::units_or_one(s.units));
        }
        CsvFile f(dir / "runs.csv", columns);
        f.row(row);
        f.close();
        written.emplace_back("runs.csv");
    }
    {
        CsvFile f(dir / "vendors.csv",
                  {"run_id", "vendor", "kind", "exit_turn", "final_share", "cumulative_profit", "peak_loss"});
        for (std::size_t v = 0; v < r.vendor_names.size(); ++v)
            f.row({"0", field(r.vendor_names[v]), field(r.vendor_kinds[v]), field(r.exit_turn[v]),
                   field(r.final_share[v]), field(r.cumulative_profit[v]), field(r.peak_loss[v])});
        f.close();
        written.emplace_back("vendors.csv");
        for (const auto& d : outputs::vendor_summary)
            units.add("vendors", std::string(d.name), outputs::units(d.unit, r.currency));
    }
    const auto turns = static_cast<std::size_t>(std::max(0, r.turns));
    const auto group = [&](const char* name, const std::vector<Table>& tables, std::vector<std::string> label_columns,
                           const std::vector<std::vector<std::string>>& labels, std::size_t columns) {
        std::vector<std::string> header{"run_id", "turn"};
        header.insert(header.end(), label_columns.begin(), label_columns.end());
        std::vector<const std::vector<double>*> values;
        const std::string table = std::string("series_") + name;
        for (const auto& t : tables) {
            header.push_back(t.name);
            values.push_back(&t.values);
            units.add(table, t.name, layout::units_or_one(t.units));
        }
        CsvFile f(dir / (table + ".csv"), header);
        series_rows(f, 0, std::min(turns, tables.empty() ? turns : tables.front().rows), labels, values, columns);
        f.close();
        written.push_back(table + ".csv");
    };
    group("offer", r.offer_series, {"offer", "vendor"}, {r.offer_names, offer_vendors(r.offer_names)},
          r.offer_names.size());
    group("vendor", r.vendor_series, {"vendor"}, {r.vendor_names}, r.vendor_names.size());
    group("market", r.market_series, {}, {}, 1);
    write_units(dir, units, written);
    return written;
}

std::vector<std::string> export_sweep(const std::string& in_path, const SweepContents& contents, const fs::path& dir) {
    const SweepHeader& h = contents.header;
    std::vector<std::string> written;
    Units units;
    bool sobol = false;
    for (const auto& r : contents.rows)
        sobol = sobol || r.sobol_block >= 0;
    {
        std::vector<std::string> columns{"run_id", "replicate", "seed", "scenario"};
        columns.insert(columns.end(), h.parameters.begin(), h.parameters.end());
        if (sobol) columns.insert(columns.end(), {"sobol_block", "sobol_index"});
        CsvFile f(dir / "design.csv", columns);
        for (const auto& r : contents.rows) {
            std::vector<std::string> row{field(r.run_id), field(r.replicate), field(r.seed), field(r.scenario)};
            for (const double v : r.parameter_values)
                row.push_back(field(v));
            if (sobol) row.insert(row.end(), {field(r.sobol_block), field(r.sobol_index)});
            f.row(row);
        }
        f.close();
        written.emplace_back("design.csv");
    }
    {
        std::vector<std::string> columns{"run_id", "status", "error", "wall_seconds"};
        units.add("runs", "wall_seconds", layout::seconds_units);
        for (std::size_t i = 0; i < h.market_summary_names.size(); ++i) {
            columns.push_back(h.market_summary_names[i]);
            units.add("runs", h.market_summary_names[i], layout::units_or_one(h.market_summary_units[i]));
        }
        CsvFile f(dir / "runs.csv", columns);
        for (const auto& r : contents.rows) {
            std::vector<std::string> row{field(r.run_id), field(r.status), field(r.error), field(r.wall_seconds)};
            for (const double v : r.market_summary)
                row.push_back(field(v));
            f.row(row);
        }
        f.close();
        written.emplace_back("runs.csv");
    }
    {
        CsvFile f(dir / "vendors.csv",
                  {"run_id", "vendor", "kind", "exit_turn", "final_share", "cumulative_profit", "peak_loss"});
        for (const auto& r : contents.rows)
            for (std::size_t v = 0; v < h.vendor_names.size(); ++v) {
                if (r.exit_turn[v] == -2) continue;  // vendor not in this run
                f.row({field(r.run_id), field(h.vendor_names[v]), field(h.vendor_kinds[v]), field(r.exit_turn[v]),
                       field(r.final_share[v]), field(r.cumulative_profit[v]), field(r.peak_loss[v])});
            }
        f.close();
        written.emplace_back("vendors.csv");
        for (const auto& d : outputs::vendor_summary)
            units.add("vendors", std::string(d.name), outputs::units(d.unit, h.currency));
    }
    if (h.series) {
        h5::Session session;
        try {
            h5::Handle file = h5::open_file_read(in_path);
            const auto turns = static_cast<std::size_t>(std::max(0, h.turns));
            const std::array<const char*, 3> names{"offer", "vendor", "market"};
            const std::array<std::vector<std::string>, 3> label_columns{std::vector<std::string>{"offer", "vendor"},
                                                                        std::vector<std::string>{"vendor"},
                                                                        std::vector<std::string>{}};
            const std::array<std::vector<std::vector<std::string>>, 3> labels{
                std::vector<std::vector<std::string>>{h.offer_names, offer_vendors(h.offer_names)},
                std::vector<std::vector<std::string>>{h.vendor_names}, std::vector<std::vector<std::string>>{}};
            const std::array<std::size_t, 3> columns{h.offer_names.size(), h.vendor_names.size(), 1};
            for (std::size_t g = 0; g < 3; ++g) {
                h5::Handle group = h5::open_group(file.get(), std::string("series/") + names[g]);
                const auto tables = h5::member_names(group.get());
                const std::string table = std::string("series_") + names[g];
                std::vector<std::string> header{"run_id", "turn"};
                header.insert(header.end(), label_columns[g].begin(), label_columns[g].end());
                std::vector<h5::Handle> datasets;
                for (const auto& t : tables) {
                    header.push_back(t);
                    datasets.push_back(h5::open_dataset(group.get(), t));
                    const auto& d = datasets.back();
                    units.add(table, t, h5::has_attr(d.get(), "units") ? h5::attr_string(d.get(), "units") : "1");
                }
                CsvFile f(dir / (table + ".csv"), header);
                std::vector<std::vector<double>> values(tables.size(), std::vector<double>(turns * columns[g]));
                std::vector<const std::vector<double>*> pointers;
                for (const auto& v : values)
                    pointers.push_back(&v);
                for (std::size_t row = 0; row < contents.rows.size(); ++row) {
                    for (std::size_t i = 0; i < datasets.size(); ++i) {
                        const auto r = static_cast<hsize_t>(row);
                        if (g == 2)
                            h5::read_block<double>(datasets[i].get(), {r, 0}, {1, turns}, values[i]);
                        else
                            h5::read_block<double>(datasets[i].get(), {r, 0, 0}, {1, turns, columns[g]}, values[i]);
                    }
                    series_rows(f, contents.rows[row].run_id, turns, labels[g], pointers, columns[g]);
                }
                f.close();
                written.push_back(table + ".csv");
            }
        } catch (const h5::Error& e) {
            throw OutputError(fmt::format("cannot read '{}': {}", in_path, e.what()));
        }
    }
    write_units(dir, units, written);
    return written;
}

}  // namespace

std::vector<std::string> export_csv(const std::string& in_path, const std::string& dir) {
    std::string format;
    {
        h5::Session session;
        try {
            h5::Handle file = h5::open_file_read(in_path);
            layout::check_format(file.get(), "", 0);
            format = h5::attr_string(file.get(), "format");
        } catch (const h5::Error& e) {
            throw OutputError(fmt::format("cannot read '{}': {}", in_path, e.what()));
        }
    }
    std::error_code ec;
    fs::create_directory(dir, ec);
    if (ec) throw OutputError(fmt::format("cannot create folder '{}': {}", dir, ec.message()));
    if (format == layout::run_format) return export_run(read_run_file(in_path), dir);
    return export_sweep(in_path, read_sweep_file(in_path), dir);
}

}  // namespace pricewar
