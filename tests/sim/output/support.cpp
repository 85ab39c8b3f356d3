#include "tests/sim/output/support.hpp"

#include "sim/output/detail/h5.hpp"
#include "sim/output/detail/journal_codec.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pricewar::test {

namespace {
double wave(double a, double b, double c) {
    return std::round(1000.0 * std::sin(a * 1.7 + b * 0.31 + c * 0.057)) / 8.0;
}
}  // namespace

RunRecord make_record(std::uint64_t seed, std::size_t vendors, int turns) {
    RunRecord r;
    r.scenario_name = "calibrated-2024";
    r.currency = "CNY";
    r.seed = seed;
    r.turns = turns;
    r.turn_days = 7.0;
    r.scenario_toml = "# 价格战 2024\n[market]\noutput_share = 0.25\n\n[[vendors]]\nid = \"deepseek\"\n";
    r.resolved_toml = r.scenario_toml + "cost_decline = 0.7\n";
    const char* kinds[] = {"startup", "cloud", "foreign"};
    for (std::size_t v = 0; v < vendors; ++v) {
        r.vendor_names.push_back(fmt::format("v{}", v));
        r.vendor_kinds.emplace_back(kinds[v % 3]);
        for (const char* tier : {"lite", "pro"}) {
            r.offer_names.push_back(fmt::format("v{}.{}", v, tier));
            r.offer_tiers.emplace_back(tier);
            r.offer_vendor.push_back(static_cast<int>(v));
        }
    }
    const auto rows = static_cast<std::size_t>(turns);
    const auto table = [&](const std::string& name, const std::string& units, std::size_t cols, double salt) {
        Table t(name, units, rows, cols);
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < cols; ++j)
                t.at(i, j) = wave(static_cast<double>(seed), static_cast<double>(i) + salt, static_cast<double>(j));
        return t;
    };
    const std::size_t offers = r.offer_names.size();
    r.offer_series.push_back(table("price", "CNY/Mtok", offers, 0.5));
    r.offer_series.push_back(table("tokens", "Mtok", offers, 1.5));
    r.offer_series.push_back(table("developers", "developers", offers, 2.5));
    Table margin = table("margin", "1", offers, 3.5);
    if (rows > 1 && offers > 0) margin.at(1, 0) = std::numeric_limits<double>::quiet_NaN();
    r.offer_series.push_back(margin);
    r.vendor_series.push_back(table("cash", "CNY", vendors, 4.5));
    r.vendor_series.push_back(table("alive", "1", vendors, 5.5));
    r.market_series.push_back(table("total_tokens", "Mtok", 1, 6.5));
    r.market_series.push_back(table("hhi", "1", 1, 7.5));
    for (std::size_t v = 0; v < vendors; ++v) {
        r.exit_turn.push_back(v == 0 ? turns / 2 : -1);
        r.exit_reason.push_back(v == 0 ? 2 : 0);
        r.final_share.push_back(1.0 / static_cast<double>(vendors));
        r.cumulative_profit.push_back(wave(static_cast<double>(seed), 9.0, static_cast<double>(v)) * 1e6);
        r.peak_loss.push_back(std::abs(wave(static_cast<double>(seed), 10.0, static_cast<double>(v))) * 1e6);
    }
    r.market_summary.push_back({"total_spend", "CNY", 1.25e9});
    r.market_summary.push_back({"consumer_surplus", "CNY", -3.5});
    r.market_summary.push_back({"outside_share", "1", 0.125});
    r.events.push_back({2, "price", "v0", "v0.lite", "v0 cuts lite to 1 CNY/Mtok"});
    r.events.push_back({5, "cost_shock", "", "", "新架构: unit cost x0.5"});
    return r;
}

SweepHeader make_header(bool series, std::int64_t runs_planned) {
    SweepHeader h;
    h.kind = "sweep";
    h.pricewar_version = "0.1.0-test";
    h.master_seed = 0xC0FFEE'0000'0001ULL;
    h.design = "factorial";
    h.sweep_toml = "[sweep]\nscenario = \"calibrated.toml\"\n[[sweep.parameters]]\npath = \"market.cost_decline\"\n";
    h.runs_planned = runs_planned;
    h.turns = 8;
    h.currency = "CNY";
    h.vendor_names = {"v0", "v1", "v2"};
    h.vendor_kinds = {"startup", "cloud", "foreign"};
    h.parameters = {"vendors.v0.price_cut", "market.cost_decline"};
    h.market_summary_names = {"total_spend", "hhi_final", "consumer_surplus"};
    h.market_summary_units = {"CNY", "1", "CNY"};
    h.series = series;
    h.offer_names = {"v0.lite", "v0.pro", "v1.lite", "v1.pro", "v2.lite", "v2.pro"};
    h.vendor_display_names = {"Vendor Zero (零)", "v1", "Vendor Two"};
    h.offer_display_names = {"Zero Lite", "Zero Pro", "v1 lite", "v1 pro", "Two Lite 32k", "Two Pro"};
    h.start_date = "2024-04-29";
    h.turn_days = 7.0;
    return h;
}

RunRow make_row(const SweepHeader& header, std::int64_t run_id, bool sobol) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto id = static_cast<double>(run_id);
    RunRow row;
    row.run_id = run_id;
    row.replicate = run_id % 2;
    row.seed = 0xF000'0000'0000'0000ULL + static_cast<std::uint64_t>(run_id) * 7919U;
    row.scenario = run_id % 5 == 0 ? "calibrated" : "baseline";
    row.parameter_values = {0.1 * static_cast<double>(run_id % 5), 0.5 + 0.01 * id};
    if (sobol) {
        row.sobol_block = static_cast<std::int32_t>(run_id / 4);
        row.sobol_index = static_cast<std::int32_t>(run_id % 4);
    }
    row.wall_seconds = 0.25 + 0.001 * id;
    const bool failed = run_id % 7 == 3;
    const bool lacks_v2 = run_id % 4 == 1;
    const std::size_t vendors = header.vendor_names.size();
    if (failed) {
        row.status = 1;
        row.error = fmt::format("run {}: strategy 'undercut' diverged", run_id);
        row.exit_turn.assign(vendors, -2);
        row.exit_reason.assign(vendors, -2);
        row.final_share.assign(vendors, nan);
        row.cumulative_profit.assign(vendors, nan);
        row.peak_loss.assign(vendors, nan);
        row.market_summary.assign(header.market_summary_names.size(), nan);
        return row;
    }
    for (std::size_t v = 0; v < vendors; ++v) {
        const bool absent = lacks_v2 && v == 2;
        row.exit_turn.push_back(absent ? -2 : (v == 0 && run_id % 3 == 0 ? 5 : -1));
        row.exit_reason.push_back(absent ? -2 : (v == 0 && run_id % 3 == 0 ? 1 : 0));
        row.final_share.push_back(absent ? nan : 0.25 * static_cast<double>(v + 1));
        row.cumulative_profit.push_back(absent ? nan : 1e6 * id - 1e5 * static_cast<double>(v));
        row.peak_loss.push_back(absent ? nan : 1e4 * static_cast<double>(v));
    }
    for (std::size_t m = 0; m < header.market_summary_names.size(); ++m)
        row.market_summary.push_back(id * 10.0 + static_cast<double>(m));
    if (!header.series) return row;

    // Series: vendors listed in reverse order on odd runs to exercise the column mapping;
    // value = run_id * 1000 + turn * 10 + union column (+ 0.5 for the second table).
    RunRecord s;
    std::vector<std::size_t> present;
    for (std::size_t v = 0; v < vendors; ++v)
        if (!(lacks_v2 && v == 2)) present.push_back(v);
    if (run_id % 2 == 1) std::reverse(present.begin(), present.end());
    std::vector<std::size_t> offer_columns;
    for (const std::size_t v : present) {
        s.vendor_names.push_back(header.vendor_names[v]);
        for (std::size_t k = 0; k < 2; ++k) {
            s.offer_names.push_back(header.offer_names[2 * v + k]);
            offer_columns.push_back(2 * v + k);
        }
    }
    const std::size_t rows = static_cast<std::size_t>(header.turns) - (run_id % 3 == 2 ? 2 : 0);
    const auto fill = [&](const std::string& name, const std::string& units, const std::vector<std::size_t>& columns,
                          double offset) {
        Table t(name, units, rows, columns.size());
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t j = 0; j < columns.size(); ++j)
                t.at(r, j) = id * 1000.0 + static_cast<double>(r) * 10.0 + static_cast<double>(columns[j]) + offset;
        return t;
    };
    s.offer_series.push_back(fill("price", "CNY/Mtok", offer_columns, 0.0));
    s.offer_series.push_back(fill("tokens", "Mtok", offer_columns, 0.5));
    if (run_id % 5 == 0) s.offer_series.push_back(fill("margin", "1", offer_columns, 0.25));
    s.vendor_series.push_back(fill("cash", "CNY", present, 0.0));
    s.vendor_series.push_back(fill("alive", "1", present, 0.5));
    s.market_series.push_back(fill("hhi", "1", {0}, 0.0));
    s.market_series.push_back(fill("total_tokens", "Mtok", {0}, 0.5));
    row.series = std::move(s);
    return row;
}

std::vector<char> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

ChildResult run_in_child(const std::function<int(std::string& message)>& body) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::close(fds[0]);
        int code = 90;
        std::string message;
        try {
            code = body(message);
        } catch (const std::exception& e) {
            message = std::string("unexpected exception: ") + e.what();
            code = 91;
        }
        std::size_t done = 0;
        while (done < message.size()) {
            const ssize_t n = ::write(fds[1], message.data() + done, message.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        // A normal exit, so library clean-up at exit (where HDF5 could trip) runs too.
        std::exit(code);
    }
    ::close(fds[1]);
    ChildResult result;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
        if (n <= 0) break;
        result.message.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    return result;
}

bool exists(const std::string& path) {
    return std::filesystem::exists(path);
}

bool same_double(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

bool same_doubles(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!same_double(a[i], b[i])) return false;
    return true;
}

namespace {

struct Value {
    std::string type;
    std::vector<hsize_t> dims;
    std::vector<std::string> strings;
    std::vector<double> doubles;
    std::vector<std::int64_t> ints;
    std::vector<std::uint64_t> uints;

    bool operator==(const Value& o) const {
        return type == o.type && dims == o.dims && strings == o.strings && same_doubles(doubles, o.doubles) &&
               ints == o.ints && uints == o.uints;
    }
};

std::string type_name(hid_t type) {
    const H5T_class_t c = H5Tget_class(type);
    const std::size_t size = H5Tget_size(type);
    if (c == H5T_STRING) return H5Tis_variable_str(type) > 0 ? "string" : fmt::format("string{}", size);
    if (c == H5T_INTEGER) return fmt::format("{}int{}", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", size * 8);
    if (c == H5T_FLOAT) return fmt::format("float{}", size * 8);
    return fmt::format("class{}", static_cast<int>(c));
}

Value dataset_value(hid_t dataset) {
    Value v;
    h5::Handle type(H5Dget_type(dataset));
    v.type = type_name(type.get());
    v.dims = h5::shape(dataset);
    const H5T_class_t c = H5Tget_class(type.get());
    if (c == H5T_STRING)
        v.strings = h5::read_strings(dataset);
    else if (c == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_NONE)
        v.uints = h5::read_all<std::uint64_t>(dataset);
    else if (c == H5T_INTEGER)
        v.ints = h5::read_all<std::int64_t>(dataset);
    else
        v.doubles = h5::read_all<double>(dataset);
    return v;
}

Value attribute_value(hid_t obj, const std::string& name) {
    Value v;
    h5::Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
    h5::Handle type(H5Aget_type(attr.get()));
    v.type = type_name(type.get());
    const H5T_class_t c = H5Tget_class(type.get());
    if (c == H5T_STRING)
        v.strings = h5::attr_strings(obj, name);
    else if (c == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_NONE)
        v.uints = {h5::attr_value<std::uint64_t>(obj, name)};
    else if (c == H5T_INTEGER)
        v.ints = {h5::attr_value<std::int64_t>(obj, name)};
    else
        v.doubles = {h5::attr_value<double>(obj, name)};
    return v;
}

std::vector<std::string> attribute_names(hid_t obj) {
    std::vector<std::string> names;
    hsize_t index = 0;
    (void)H5Aiterate2(
        obj, H5_INDEX_NAME, H5_ITER_INC, &index,
        [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        },
        &names);
    return names;
}

// Every object below `group`: path -> attributes and (for datasets) contents.
struct Object {
    bool dataset = false;
    std::map<std::string, Value> attributes;
    Value contents;
};

void collect(hid_t obj, const std::string& path, bool is_dataset, std::map<std::string, Object>& out) {
    Object& o = out[path];
    o.dataset = is_dataset;
    for (const auto& a : attribute_names(obj)) {
        // Dimension-scale bookkeeping holds object references (addresses inside each file):
        // its presence is compared, the attachments through the scales listed below.
        if (a == "DIMENSION_LIST" || a == "REFERENCE_LIST") {
            o.attributes[a].type = "references";
            continue;
        }
        o.attributes[a] = attribute_value(obj, a);
    }
    if (is_dataset) {
        o.contents = dataset_value(obj);
        return;
    }
    // member_names leaves the dimension scales out; compare them too.
    auto members = h5::member_names(obj);
    for (const char* scale : {"turn", "vendor", "offer", "run", "date", "vendor_name", "offer_name"})
        if (h5::has_link(obj, scale)) members.emplace_back(scale);
    for (const auto& name : members) {
        h5::Handle child(H5Oopen(obj, name.c_str(), H5P_DEFAULT));
        const std::string child_path = path == "/" ? "/" + name : path + "/" + name;
        collect(child.get(), child_path, H5Iget_type(child.get()) == H5I_DATASET, out);
    }
}

std::map<std::string, Object> collect_file(const std::string& path) {
    h5::Handle file = h5::open_file_read(path);
    h5::Handle root(H5Gopen2(file.get(), "/", H5P_DEFAULT));
    std::map<std::string, Object> out;
    collect(root.get(), "/", false, out);
    return out;
}

std::string describe(const Value& v) {
    std::ostringstream s;
    s << v.type << " [" << fmt::format("{}", fmt::join(v.dims, ",")) << "]";
    if (!v.strings.empty()) s << " strings " << fmt::format("{}", fmt::join(v.strings, "|")).substr(0, 80);
    if (!v.doubles.empty()) s << " doubles " << fmt::format("{}", fmt::join(v.doubles, ",")).substr(0, 80);
    if (!v.ints.empty()) s << " ints " << fmt::format("{}", fmt::join(v.ints, ",")).substr(0, 80);
    if (!v.uints.empty()) s << " uints " << fmt::format("{}", fmt::join(v.uints, ",")).substr(0, 80);
    return s.str();
}

}  // namespace

std::string hdf5_differences(const std::string& a, const std::string& b) {
    h5::Session session;
    const auto left = collect_file(a);
    const auto right = collect_file(b);
    std::string out;
    for (const auto& [path, o] : left) {
        const auto it = right.find(path);
        if (it == right.end()) {
            out += fmt::format("{}: only in the first file\n", path);
            continue;
        }
        if (o.dataset != it->second.dataset) out += fmt::format("{}: group in one, dataset in the other\n", path);
        if (o.dataset && !(o.contents == it->second.contents))
            out += fmt::format("{}: contents differ: {} vs {}\n", path, describe(o.contents),
                               describe(it->second.contents));
        for (const auto& [name, value] : o.attributes) {
            const auto at = it->second.attributes.find(name);
            if (at == it->second.attributes.end())
                out += fmt::format("{}@{}: only in the first file\n", path, name);
            else if (!(value == at->second))
                out += fmt::format("{}@{}: differs: {} vs {}\n", path, name, describe(value), describe(at->second));
        }
        for (const auto& [name, value] : it->second.attributes)
            if (!o.attributes.contains(name)) out += fmt::format("{}@{}: only in the second file\n", path, name);
    }
    for (const auto& [path, o] : right)
        if (!left.contains(path)) out += fmt::format("{}: only in the second file\n", path);
    return out;
}

std::vector<std::int64_t> ids(std::int64_t n) {
    std::vector<std::int64_t> out(static_cast<std::size_t>(n));
    std::iota(out.begin(), out.end(), 0);
    return out;
}

void journal_rows(const std::string& out, const SweepHeader& header, const std::vector<std::int64_t>& run_ids,
                  bool sobol) {
    auto journal = SweepJournal::create(sweep_journal_path(out), header);
    for (const auto id : run_ids)
        journal.append(make_row(header, id, sobol));
    journal.close();
}

void build_sweep(const std::string& out, const SweepHeader& header, const std::vector<std::int64_t>& run_ids,
                 bool sobol) {
    journal_rows(out, header, run_ids, sobol);
    finalize_sweep(sweep_journal_path(out), out);
}

void write_journal(const std::string& path, const SweepHeader& header, std::uint32_t version,
                   const std::vector<std::int64_t>& run_ids) {
    std::vector<char> bytes(journal::file_magic.size());
    std::memcpy(bytes.data(), journal::file_magic.data(), bytes.size());
    const auto add = [&](const std::vector<std::byte>& payload) {
        const auto record = journal::frame(payload);
        const auto* p = reinterpret_cast<const char*>(record.data());
        bytes.insert(bytes.end(), p, p + record.size());
    };
    const auto written = std::clamp(version, journal::oldest_readable_version, journal::format_version);
    auto payload = journal::encode_header(header, written);
    if (version != written) {  // a version this pricewar cannot write: bytes 1..4, little-endian
        for (std::size_t i = 0; i < 4; ++i)
            payload[1 + i] = static_cast<std::byte>((version >> (8 * i)) & 0xFFU);
    }
    add(payload);
    for (const auto id : run_ids)
        add(journal::encode_row(make_row(header, id), header.series));
    write_bytes(path, bytes);
}

}  // namespace pricewar::test
