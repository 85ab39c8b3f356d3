#include "sim/output/calibration_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/output/detail/file_util.hpp"
#include "sim/output/detail/h5.hpp"
#include "sim/output/detail/journal_codec.hpp"
#include "sim/output/detail/layout.hpp"

namespace pricewar {

namespace {

using detail::errno_text;
using detail::FileDescriptor;
using detail::lock_journal;
using detail::sync_data;
using detail::write_all_at;
using h5::Handle;

constexpr const char* kFormat = "pricewar-calibration";

// ------------------------------------------------------------------------------ HDF5 file

void put(hid_t loc, const std::string& name, const std::vector<double>& values, std::vector<hsize_t> dims,
         const std::string& units = "") {
    (void)h5::write_dataset<double>(loc, name, dims, values, units);
}
void put(hid_t loc, const std::string& name, const std::vector<std::int32_t>& values) {
    (void)h5::write_dataset<std::int32_t>(loc, name, {values.size()}, values, "");
}
void put(hid_t loc, const std::string& name, const std::vector<std::string>& values) {
    (void)h5::write_string_dataset(loc, name, values);
}

void write_contents(hid_t file, const CalibrationResult& r) {
    const hsize_t P = r.parameter_names.size(), M = r.moment_names.size(), E = r.trace_objective.size();
    const auto S = static_cast<hsize_t>(r.runs_per_evaluation);
    h5::set_attr(file, "format", kFormat);
    h5::set_attr<std::int32_t>(file, "format_version", calibration_format_version);
    h5::set_attr(file, "pricewar_version", r.pricewar_version);
    h5::set_attr(file, "scenario_name", r.scenario_name);
    h5::set_attr(file, "currency", r.currency);
    h5::set_attr<std::uint64_t>(file, "master_seed", r.master_seed);
    h5::set_attr<std::int64_t>(file, "runs_per_evaluation", r.runs_per_evaluation);
    h5::set_attr(file, "weights", r.weights_kind);
    h5::set_attr<double>(file, "objective", r.objective);
    h5::set_attr<double>(file, "j_statistic", r.j_statistic);
    h5::set_attr<std::int32_t>(file, "j_df", r.j_df);
    h5::set_attr<double>(file, "j_pvalue", r.j_pvalue);
    h5::set_attr<std::int32_t>(file, "identified", r.identified);
    {
        Handle g = h5::create_group(file, "calibration");
        h5::set_attr(g.get(), "toml", r.calibration_toml);
        h5::set_attr(g.get(), "scenario_toml", r.scenario_toml);
        h5::set_attr(g.get(), "warnings", r.warnings);
    }
    {
        Handle g = h5::create_group(file, "optimizer");
        h5::set_attr(g.get(), "global", r.global);
        h5::set_attr(g.get(), "local", r.local);
        h5::set_attr<std::int32_t>(g.get(), "global_evals", r.global_evals);
        h5::set_attr<std::int32_t>(g.get(), "local_evals", r.local_evals);
        h5::set_attr<double>(g.get(), "xtol_rel", r.xtol_rel);
        h5::set_attr<double>(g.get(), "local_step", r.local_step);
        h5::set_attr<double>(g.get(), "jacobian_step", r.jacobian_step);
        h5::set_attr<std::uint64_t>(g.get(), "algorithm_seed", r.algorithm_seed);
        put(g.get(), "stage", r.stages);
        put(g.get(), "calls", r.stage_calls);
        put(g.get(), "result", r.stage_results);
    }
    {
        Handle g = h5::create_group(file, "parameters");
        put(g.get(), "name", r.parameter_names);
        put(g.get(), "scale", r.parameter_scales);
        put(g.get(), "lower", r.lower, {P});
        put(g.get(), "upper", r.upper, {P});
        put(g.get(), "start", r.start, {P});
        put(g.get(), "estimate", r.estimate, {P});
        put(g.get(), "se", r.se, {P});
        put(g.get(), "se_scale", r.se_scale, {P});
        put(g.get(), "ci_low", r.ci_low, {P});
        put(g.get(), "ci_high", r.ci_high, {P});
        put(g.get(), "covariance", r.covariance, {P, P});
    }
    {
        Handle g = h5::create_group(file, "moments");
        put(g.get(), "name", r.moment_names);
        put(g.get(), "source", r.moment_sources);
        put(g.get(), "description", r.moment_descriptions);
        put(g.get(), "target", r.target, {M});
        put(g.get(), "mean", r.mean, {M});
        put(g.get(), "sd", r.sd, {M});
        put(g.get(), "weight", r.weight, {M});
        put(g.get(), "contribution", r.contribution, {M});
        put(g.get(), "covariance", r.moment_covariance, {M, M});
        put(g.get(), "jacobian", r.jacobian, {M, P});
        put(g.get(), "runs", r.runs_at_estimate, {S, M});
    }
    {
        Handle g = h5::create_group(file, "trace");
        put(g.get(), "theta", r.trace_theta, {E, P});
        put(g.get(), "moments", r.trace_moments, {E, M});
        put(g.get(), "objective", r.trace_objective, {E});
        put(g.get(), "seconds", r.trace_seconds, {E}, layout::seconds_units);
        put(g.get(), "stage", r.trace_stage);
        put(g.get(), "status", r.trace_status);
        put(g.get(), "error", r.trace_error);
    }
}

std::vector<double> get_doubles(hid_t g, const char* name) {
    Handle d = h5::open_dataset(g, name);
    return h5::read_all<double>(d.get());
}
std::vector<std::string> get_strings(hid_t g, const char* name) {
    Handle d = h5::open_dataset(g, name);
    return h5::read_strings(d.get());
}
std::vector<std::int32_t> get_ints(hid_t g, const char* name) {
    Handle d = h5::open_dataset(g, name);
    return h5::read_all<std::int32_t>(d.get());
}

CalibrationResult read_contents(hid_t file) {
    if (!h5::has_attr(file, "format") || h5::attr_string(file, "format") != kFormat)
        throw h5::Error(fmt::format("not a {} file", kFormat));
    const auto version = h5::attr_value<std::int32_t>(file, "format_version");
    if (version < 1 || version > calibration_format_version)
        throw h5::Error(fmt::format("{} format_version {} is not supported", kFormat, version));
    CalibrationResult r;
    r.pricewar_version = h5::attr_string(file, "pricewar_version");
    r.scenario_name = h5::attr_string(file, "scenario_name");
    r.currency = h5::attr_string(file, "currency");
    r.master_seed = h5::attr_value<std::uint64_t>(file, "master_seed");
    r.runs_per_evaluation = h5::attr_value<std::int64_t>(file, "runs_per_evaluation");
    r.weights_kind = h5::attr_string(file, "weights");
    r.objective = h5::attr_value<double>(file, "objective");
    r.j_statistic = h5::attr_value<double>(file, "j_statistic");
    r.j_df = h5::attr_value<std::int32_t>(file, "j_df");
    r.j_pvalue = h5::attr_value<double>(file, "j_pvalue");
    r.identified = h5::attr_value<std::int32_t>(file, "identified");
    {
        Handle g = h5::open_group(file, "calibration");
        r.calibration_toml = h5::attr_string(g.get(), "toml");
        r.scenario_toml = h5::attr_string(g.get(), "scenario_toml");
        r.warnings = h5::attr_strings(g.get(), "warnings");
    }
    {
        Handle g = h5::open_group(file, "optimizer");
        r.global = h5::attr_string(g.get(), "global");
        r.local = h5::attr_string(g.get(), "local");
        r.global_evals = h5::attr_value<std::int32_t>(g.get(), "global_evals");
        r.local_evals = h5::attr_value<std::int32_t>(g.get(), "local_evals");
        r.xtol_rel = h5::attr_value<double>(g.get(), "xtol_rel");
        r.local_step = h5::attr_value<double>(g.get(), "local_step");
        r.jacobian_step = h5::attr_value<double>(g.get(), "jacobian_step");
        r.algorithm_seed = h5::attr_value<std::uint64_t>(g.get(), "algorithm_seed");
        r.stages = get_strings(g.get(), "stage");
        r.stage_calls = get_ints(g.get(), "calls");
        r.stage_results = get_strings(g.get(), "result");
    }
    {
        Handle g = h5::open_group(file, "parameters");
        r.parameter_names = get_strings(g.get(), "name");
        r.parameter_scales = get_strings(g.get(), "scale");
        r.lower = get_doubles(g.get(), "lower");
        r.upper = get_doubles(g.get(), "upper");
        r.start = get_doubles(g.get(), "start");
        r.estimate = get_doubles(g.get(), "estimate");
        r.se = get_doubles(g.get(), "se");
        r.se_scale = get_doubles(g.get(), "se_scale");
        r.ci_low = get_doubles(g.get(), "ci_low");
        r.ci_high = get_doubles(g.get(), "ci_high");
        r.covariance = get_doubles(g.get(), "covariance");
    }
    {
        Handle g = h5::open_group(file, "moments");
        r.moment_names = get_strings(g.get(), "name");
        r.moment_sources = get_strings(g.get(), "source");
        r.moment_descriptions = get_strings(g.get(), "description");
        r.target = get_doubles(g.get(), "target");
        r.mean = get_doubles(g.get(), "mean");
        r.sd = get_doubles(g.get(), "sd");
        r.weight = get_doubles(g.get(), "weight");
        r.contribution = get_doubles(g.get(), "contribution");
        r.moment_covariance = get_doubles(g.get(), "covariance");
        r.jacobian = get_doubles(g.get(), "jacobian");
        r.runs_at_estimate = get_doubles(g.get(), "runs");
    }
    {
        Handle g = h5::open_group(file, "trace");
        r.trace_theta = get_doubles(g.get(), "theta");
        r.trace_moments = get_doubles(g.get(), "moments");
        r.trace_objective = get_doubles(g.get(), "objective");
        r.trace_seconds = get_doubles(g.get(), "seconds");
        r.trace_stage = get_strings(g.get(), "stage");
        r.trace_status = get_ints(g.get(), "status");
        r.trace_error = get_strings(g.get(), "error");
    }
    return r;
}

// --------------------------------------------------------------------------------- journal

constexpr std::array<std::byte, 8> kMagic{std::byte{'P'}, std::byte{'W'}, std::byte{'C'}, std::byte{'A'},
                                          std::byte{'L'}, std::byte{'J'}, std::byte{0},   std::byte{1}};
constexpr std::uint32_t kJournalVersion = 1;

class Writer {
public:
    void u32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFFU));
    }
    void u64(std::uint64_t v) {
        for (int i = 0; i < 8; ++i)
            out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFFU));
    }
    void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
    void str(const std::string& s) {
        u64(s.size());
        for (char c : s)
            out.push_back(static_cast<std::byte>(c));
    }
    void strs(const std::vector<std::string>& v) {
        u64(v.size());
        for (const auto& s : v)
            str(s);
    }
    void f64s(const std::vector<double>& v) {
        u64(v.size());
        for (double x : v)
            f64(x);
    }
    std::vector<std::byte> out;
};

class Reader {
public:
    explicit Reader(std::span<const std::byte> in) : in_(in) {}
    std::uint32_t u32() {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v |= static_cast<std::uint32_t>(take()) << (8 * i);
        return v;
    }
    std::uint64_t u64() {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v |= static_cast<std::uint64_t>(take()) << (8 * i);
        return v;
    }
    double f64() { return std::bit_cast<double>(u64()); }
    std::string str() {
        const std::uint64_t n = count(1);
        std::string s(n, '\0');
        for (auto& c : s)
            c = static_cast<char>(take());
        return s;
    }
    std::vector<std::string> strs() {
        std::vector<std::string> v(count(8));
        for (auto& s : v)
            s = str();
        return v;
    }
    std::vector<double> f64s() {
        std::vector<double> v(count(8));
        for (auto& x : v)
            x = f64();
        return v;
    }
    [[nodiscard]] bool done() const { return at_ == in_.size(); }

private:
    std::uint8_t take() {
        if (at_ >= in_.size()) throw journal::DecodeError("record ends early");
        return static_cast<std::uint8_t>(in_[at_++]);
    }
    std::uint64_t count(std::size_t element_bytes) {
        const std::uint64_t n = u64();
        if (n > (in_.size() - at_) / element_bytes) throw journal::DecodeError("a length exceeds the record");
        return n;
    }
    std::span<const std::byte> in_;
    std::size_t at_ = 0;
};

std::vector<std::byte> encode_header(const CalibrationJournalHeader& h) {
    Writer w;
    w.out.push_back(std::byte{'H'});
    w.u32(kJournalVersion);
    w.str(h.pricewar_version);
    w.str(h.calibration_toml);
    w.str(h.scenario_toml);
    w.u64(h.master_seed);
    w.u64(static_cast<std::uint64_t>(h.runs));
    w.strs(h.parameters);
    w.strs(h.moments);
    return std::move(w.out);
}

CalibrationJournalHeader decode_header(std::span<const std::byte> p) {
    if (p.empty() || p[0] != std::byte{'H'}) throw journal::DecodeError("the first record is not a header");
    Reader r(p.subspan(1));
    if (const auto v = r.u32(); v != kJournalVersion)
        throw journal::DecodeError(fmt::format("journal version {} (this pricewar reads {})", v, kJournalVersion));
    CalibrationJournalHeader h;
    h.pricewar_version = r.str();
    h.calibration_toml = r.str();
    h.scenario_toml = r.str();
    h.master_seed = r.u64();
    h.runs = static_cast<std::int64_t>(r.u64());
    h.parameters = r.strs();
    h.moments = r.strs();
    if (!r.done()) throw journal::DecodeError("trailing bytes after the header");
    return h;
}

std::vector<std::byte> encode_evaluation(const JournaledEvaluation& e) {
    Writer w;
    w.out.push_back(std::byte{'E'});
    w.f64s(e.theta);
    w.u32(static_cast<std::uint32_t>(e.status));
    w.str(e.error);
    w.f64(e.seconds);
    w.f64s(e.values);
    return std::move(w.out);
}

JournaledEvaluation decode_evaluation(std::span<const std::byte> p) {
    if (p.empty() || p[0] != std::byte{'E'}) throw journal::DecodeError("not an evaluation record");
    Reader r(p.subspan(1));
    JournaledEvaluation e;
    e.theta = r.f64s();
    e.status = static_cast<std::int32_t>(r.u32());
    e.error = r.str();
    e.seconds = r.f64();
    e.values = r.f64s();
    if (!r.done()) throw journal::DecodeError("trailing bytes after an evaluation");
    return e;
}

std::vector<std::string> header_differences(const CalibrationJournalHeader& a, const CalibrationJournalHeader& b) {
    std::vector<std::string> out;
    if (a.calibration_toml != b.calibration_toml) out.emplace_back("calibration file text");
    if (a.scenario_toml != b.scenario_toml) out.emplace_back("scenario file text");
    if (a.master_seed != b.master_seed) out.emplace_back("master seed");
    if (a.runs != b.runs) out.emplace_back("runs per evaluation");
    if (a.parameters != b.parameters) out.emplace_back("parameters");
    if (a.moments != b.moments) out.emplace_back("moments");
    if (a.pricewar_version != b.pricewar_version) out.emplace_back("pricewar version");
    return out;
}

}  // namespace

void write_calibration_file(const CalibrationResult& result, const std::string& path) {
    detail::AtomicOutput output(path);
    FileImage image;
    try {
        h5::Session session;
        Handle file = h5::create_memory_file(output.temp_path());
        write_contents(file.get(), result);
        image = h5::file_image(file.get());
        h5::close_file(file);
    } catch (const h5::Error& e) {
        throw OutputError(fmt::format("cannot write '{}': {}", path, e.what()));
    }
    output.write(image.view());
    output.commit();
}

CalibrationResult read_calibration_file(const std::string& path) {
    h5::Session session;
    try {
        Handle file = h5::open_file_read(path);
        return read_contents(file.get());
    } catch (const h5::Error& e) {
        throw OutputError(fmt::format("cannot read '{}': {}", path, e.what()));
    }
}

struct CalibrationJournal::State {
    std::string path;
    FileDescriptor fd;
    std::uint64_t end = 0;
    std::uint64_t dropped = 0;
    std::vector<JournaledEvaluation> recorded;
    bool failed = false;
};

CalibrationJournal::CalibrationJournal(std::unique_ptr<State> state) : state_(std::move(state)) {}
CalibrationJournal::CalibrationJournal(CalibrationJournal&&) noexcept = default;
CalibrationJournal& CalibrationJournal::operator=(CalibrationJournal&& other) noexcept {
    if (this != &other) {
        if (state_) {
            try {
                close();
            } catch (...) {  // every record was synced when appended
            }
        }
        state_ = std::move(other.state_);
    }
    return *this;
}
CalibrationJournal::~CalibrationJournal() {
    if (!state_) return;
    try {
        close();
    } catch (...) {  // every record was synced when appended
    }
}

namespace {

void write_start(const FileDescriptor& fd, const std::string& path, const CalibrationJournalHeader& header,
                 std::uint64_t& end) {
    std::vector<std::byte> bytes(kMagic.begin(), kMagic.end());
    const auto record = journal::frame(encode_header(header));
    bytes.insert(bytes.end(), record.begin(), record.end());
    if (const int err = write_all_at(fd.get(), bytes, 0); err != 0)
        throw OutputError(fmt::format("cannot write journal '{}': {}", path, errno_text(err)));
    if (const int err = sync_data(fd.get()); err != 0)
        throw OutputError(fmt::format("cannot flush journal '{}' to disk: {}", path, errno_text(err)));
    end = bytes.size();
}

}  // namespace

CalibrationJournal CalibrationJournal::create(const std::string& path, const CalibrationJournalHeader& header) {
    auto state = std::make_unique<State>();
    state->path = path;
    state->fd = FileDescriptor(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!state->fd.valid()) {
        if (errno == EEXIST)
            throw OutputError(
                fmt::format("a journal already exists at '{}': resume that calibration, or delete the "
                            "journal to start over",
                            path));
        throw OutputError(fmt::format("cannot create journal '{}': {}", path, errno_text(errno)));
    }
    try {
        lock_journal(state->fd, path);
        write_start(state->fd, path, header, state->end);
    } catch (...) {
        state->fd.reset();
        (void)::unlink(path.c_str());
        throw;
    }
    detail::sync_dir(detail::parent_dir(path));
    return CalibrationJournal(std::move(state));
}

CalibrationJournal CalibrationJournal::resume(const std::string& path, const CalibrationJournalHeader& header) {
    auto state = std::make_unique<State>();
    state->path = path;
    state->fd = FileDescriptor(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!state->fd.valid()) {
        if (errno == ENOENT) throw OutputError(fmt::format("no calibration journal to resume at '{}'", path));
        throw OutputError(fmt::format("cannot open journal '{}': {}", path, errno_text(errno)));
    }
    lock_journal(state->fd, path);
    const int fd = state->fd.get();
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw OutputError(fmt::format("cannot read journal '{}': {}", path, errno_text(errno)));
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::array<std::byte, kMagic.size()> magic{};
    const std::size_t got = journal::read_at(fd, path, 0, magic);
    if (!std::equal(magic.begin(), magic.begin() + static_cast<std::ptrdiff_t>(got), kMagic.begin()))
        throw OutputError(fmt::format("'{}' is not a pricewar calibration journal", path));
    std::uint64_t offset = kMagic.size();
    bool has_header = false;
    std::vector<std::byte> payload;
    if (got == kMagic.size()) {
        while (offset < size) {
            if (!journal::try_record(fd, path, offset, size, payload)) {
                if (const auto next = journal::find_intact_after(fd, path, offset + 1, size))
                    throw OutputError(fmt::format(
                        "journal '{}' is damaged at byte offset {}: the record there fails its checksum, yet an "
                        "intact record follows at offset {}; refusing to cut the journal (that would lose finished "
                        "evaluations)",
                        path, offset, *next));
                break;  // a torn last record
            }
            try {
                if (!has_header) {
                    const auto found = decode_header(payload);
                    if (const auto diff = header_differences(found, header); !diff.empty())
                        throw OutputError(fmt::format(
                            "journal '{}' belongs to a different calibration (differs in: {}); delete it to start over",
                            path, fmt::join(diff, ", ")));
                    has_header = true;
                } else {
                    state->recorded.push_back(decode_evaluation(payload));
                }
            } catch (const journal::DecodeError& e) {
                throw OutputError(fmt::format("journal '{}': the record at byte offset {} cannot be decoded: {}", path,
                                              offset, e.what()));
            }
            offset += journal::frame_bytes + payload.size();
        }
    }
    if (!has_header) {
        // Died while creating the journal: nothing was recorded; start it again.
        if (::ftruncate(fd, 0) != 0)
            throw OutputError(fmt::format("cannot truncate journal '{}': {}", path, errno_text(errno)));
        state->dropped = size;
        write_start(state->fd, path, header, state->end);
        return CalibrationJournal(std::move(state));
    }
    if (offset < size) {
        if (::ftruncate(fd, static_cast<off_t>(offset)) != 0)
            throw OutputError(
                fmt::format("cannot cut the torn last record of journal '{}': {}", path, errno_text(errno)));
        state->dropped = size - offset;
    }
    if (const int err = sync_data(fd); err != 0)
        throw OutputError(fmt::format("cannot flush journal '{}' to disk: {}", path, errno_text(err)));
    state->end = offset;
    return CalibrationJournal(std::move(state));
}

const std::vector<JournaledEvaluation>& CalibrationJournal::recorded() const {
    return state_->recorded;
}
std::uint64_t CalibrationJournal::dropped_tail_bytes() const {
    return state_->dropped;
}
const std::string& CalibrationJournal::path() const {
    return state_->path;
}

void CalibrationJournal::append(const JournaledEvaluation& evaluation) {
    State& s = *state_;
    if (!s.fd.valid()) throw OutputError(fmt::format("journal '{}' is closed", s.path));
    if (s.failed) throw OutputError(fmt::format("journal '{}' cannot take more after an earlier failure", s.path));
    const auto record = journal::frame(encode_evaluation(evaluation));
    if (const int err = write_all_at(s.fd.get(), record, s.end); err != 0) {
        if (::ftruncate(s.fd.get(), static_cast<off_t>(s.end)) != 0) s.failed = true;
        throw OutputError(fmt::format("cannot append to journal '{}': {}", s.path, errno_text(err)));
    }
    s.end += record.size();
    if (const int err = sync_data(s.fd.get()); err != 0) {
        s.failed = true;
        throw OutputError(fmt::format("cannot flush journal '{}' to disk: {}", s.path, errno_text(err)));
    }
}

void CalibrationJournal::close() {
    State& s = *state_;
    if (!s.fd.valid()) return;
    const int err = sync_data(s.fd.get());
    s.fd.reset();
    if (err != 0) throw OutputError(fmt::format("cannot flush journal '{}' to disk: {}", s.path, errno_text(err)));
}

}  // namespace pricewar
