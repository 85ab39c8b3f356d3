// SweepJournal: the append side of the sweep journal (format in journal_codec.hpp).

#include "sim/output/detail/file_util.hpp"
#include "sim/output/detail/journal_codec.hpp"
#include "sim/output/detail/sweep.hpp"
#include "sim/output/sweep_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pricewar {

namespace {

using detail::errno_text;
using detail::FileDescriptor;
using detail::lock_journal;
using detail::sync_data;
using detail::write_all_at;

void check_header(const SweepHeader& header, const std::string& path) {
    try {
        detail::validate_header(header);
    } catch (const detail::InvalidInput& e) {
        throw OutputError(fmt::format("journal '{}': invalid sweep header: {}", path, e.what()));
    }
}

// Writes magic + header record at the start of an empty file, durably.
void write_journal_start(const FileDescriptor& fd, const std::string& path, const SweepHeader& header,
                         std::uint64_t& end) {
    std::vector<std::byte> bytes(journal::file_magic.begin(), journal::file_magic.end());
    const auto record = journal::frame(journal::encode_header(header));
    bytes.insert(bytes.end(), record.begin(), record.end());
    if (const int err = write_all_at(fd.get(), bytes, 0); err != 0)
        throw OutputError(fmt::format("cannot write journal '{}': {}", path, errno_text(err)));
    if (const int err = sync_data(fd.get()); err != 0)
        throw OutputError(fmt::format("cannot flush journal '{}' to disk: {}", path, errno_text(err)));
    end = bytes.size();
}

// Chunk encoders for the threads appending at once: an append borrows one and gives it back.
class EncoderPool {
public:
    std::unique_ptr<detail::ChunkEncoder> take() {
        const std::lock_guard lock(mutex_);
        if (free_.empty()) return std::make_unique<detail::ChunkEncoder>();
        auto encoder = std::move(free_.back());
        free_.pop_back();
        return encoder;
    }
    void give_back(std::unique_ptr<detail::ChunkEncoder> encoder) {
        const std::lock_guard lock(mutex_);
        free_.push_back(std::move(encoder));
    }

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<detail::ChunkEncoder>> free_;
};

}  // namespace

std::string sweep_journal_path(const std::string& out_path) {
    return out_path + ".journal";
}

struct SweepJournal::State {
    std::string path;
    SweepHeader header;
    detail::RowChecker checker{header};
    detail::SeriesPlacer placer{header};
    // Rows carry their series as filtered chunks (journal format 4). A journal begun in an
    // earlier format keeps raw series, so that it stays one format throughout.
    bool chunked_series = false;
    EncoderPool encoders;
    FileDescriptor fd;
    std::uint64_t end = 0;         // bytes written
    std::uint64_t synced_end = 0;  // bytes known to be on disk
    bool syncing = false;          // a thread is in fdatasync (without the mutex)
    RunIdSet completed;
    std::uint64_t dropped = 0;
    std::string failure;  // set once a write left the journal in an unknown state
    mutable std::mutex mutex;
    std::condition_variable sync_done;

    State(std::string p, SweepHeader h) : path(std::move(p)), header(std::move(h)) {}

    // The row's record payload. Thread-safe: each call compresses with an encoder of its own.
    std::vector<std::byte> encode(const RunRow& row) {
        if (!chunked_series) return journal::encode_row(row, header.series);
        auto encoder = encoders.take();
        auto payload = journal::encode_row(row, placer, *encoder);
        encoders.give_back(std::move(encoder));
        return payload;
    }
};

SweepJournal::SweepJournal(std::unique_ptr<State> state) : state_(std::move(state)) {}
SweepJournal::SweepJournal(SweepJournal&&) noexcept = default;
SweepJournal& SweepJournal::operator=(SweepJournal&& other) noexcept {
    if (this != &other) {
        if (state_) {
            try {
                close();
            } catch (...) {  // replacing a journal must not throw; its records were synced on append
            }
        }
        state_ = std::move(other.state_);
    }
    return *this;
}

SweepJournal::~SweepJournal() {
    if (!state_) return;
    try {
        close();
    } catch (...) {  // every record was synced when appended
    }
}

SweepJournal SweepJournal::create(const std::string& path, const SweepHeader& header) {
    check_header(header, path);
    auto state = std::make_unique<State>(path, header);
    state->fd = FileDescriptor(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!state->fd.valid()) {
        if (errno == EEXIST)
            throw OutputError(fmt::format(
                "a sweep journal already exists at '{}': resume that sweep, or delete the journal to start over",
                path));
        throw OutputError(fmt::format("cannot create journal '{}': {}", path, errno_text(errno)));
    }
    try {
        lock_journal(state->fd, path);
        write_journal_start(state->fd, path, header, state->end);
        state->synced_end = state->end;
        state->chunked_series = header.series;
    } catch (...) {
        state->fd.reset();
        (void)::unlink(path.c_str());
        throw;
    }
    detail::sync_dir(detail::parent_dir(path));
    return SweepJournal(std::move(state));
}

SweepJournal SweepJournal::resume(const std::string& path, const SweepHeader& header) {
    check_header(header, path);
    auto state = std::make_unique<State>(path, header);
    state->fd = FileDescriptor(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!state->fd.valid()) {
        if (errno == ENOENT) throw OutputError(fmt::format("no sweep journal to resume at '{}'", path));
        throw OutputError(fmt::format("cannot open journal '{}': {}", path, errno_text(errno)));
    }
    lock_journal(state->fd, path);

    RunIdSet completed;
    const auto scan = journal::scan(state->fd.get(), path, [&](std::uint64_t offset, std::span<const std::byte> p) {
        const RunRow row = journal::decode_journal_row(p).row;
        if (!completed.insert(row.run_id))
            throw OutputError(
                fmt::format("journal '{}' records run {} twice (second at byte offset {})", path, row.run_id, offset));
    });
    if (!scan.has_header) {
        // The process died while creating the journal: nothing was recorded; start it again.
        if (::ftruncate(state->fd.get(), 0) != 0)
            throw OutputError(fmt::format("cannot truncate journal '{}': {}", path, errno_text(errno)));
        state->dropped = scan.file_size;
        write_journal_start(state->fd, path, header, state->end);
        state->synced_end = state->end;
        state->chunked_series = header.series;
        return SweepJournal(std::move(state));
    }
    if (const auto diff = detail::header_differences(scan.header, header, true); !diff.empty())
        throw OutputError(
            fmt::format("journal '{}' belongs to a different sweep (differs in: {}); delete it to start "
                        "over",
                        path, fmt::join(diff, ", ")));
    if (scan.clean_end < scan.file_size) {
        if (::ftruncate(state->fd.get(), static_cast<off_t>(scan.clean_end)) != 0)
            throw OutputError(
                fmt::format("cannot cut the torn last record of journal '{}': {}", path, errno_text(errno)));
        state->dropped = scan.file_size - scan.clean_end;
    }
    // A process killed between a write and its fdatasync left that record in the page cache only.
    if (const int err = sync_data(state->fd.get()); err != 0)
        throw OutputError(fmt::format("cannot flush journal '{}' to disk: {}", path, errno_text(err)));
    state->end = scan.clean_end;
    state->synced_end = scan.clean_end;
    state->completed = std::move(completed);
    state->chunked_series = header.series && scan.version >= journal::chunked_series_version;
    return SweepJournal(std::move(state));
}

const RunIdSet& SweepJournal::completed() const {
    return state_->completed;
}

bool SweepJournal::is_completed(std::int64_t run_id) const {
    const std::lock_guard lock(state_->mutex);
    return state_->completed.contains(run_id);
}

const SweepHeader& SweepJournal::header() const {
    return state_->header;
}
const std::string& SweepJournal::path() const {
    return state_->path;
}
std::uint64_t SweepJournal::dropped_tail_bytes() const {
    return state_->dropped;
}

void SweepJournal::append(const RunRow& row) {
    State& s = *state_;
    try {
        s.checker.check(row);
    } catch (const detail::InvalidInput& e) {
        throw OutputError(fmt::format("cannot append to journal '{}': {}", s.path, e.what()));
    }
    std::vector<std::byte> record;
    try {
        record = journal::frame(s.encode(row));
    } catch (const journal::DecodeError& e) {
        throw OutputError(fmt::format("cannot append run {} to journal '{}': {}", row.run_id, s.path, e.what()));
    }

    std::unique_lock lock(s.mutex);
    if (!s.fd.valid()) throw OutputError(fmt::format("journal '{}' is closed", s.path));
    if (!s.failure.empty())
        throw OutputError(
            fmt::format("journal '{}' cannot take more runs after an earlier failure: {}", s.path, s.failure));
    if (s.completed.contains(row.run_id))
        throw OutputError(fmt::format("run {} is already recorded in journal '{}'", row.run_id, s.path));

    if (const int err = write_all_at(s.fd.get(), record, s.end); err != 0) {
        // Cut back whatever part of the record reached the file, so the journal stays clean.
        if (::ftruncate(s.fd.get(), static_cast<off_t>(s.end)) != 0)
            s.failure = fmt::format("a failed write could not be cut back: {}", errno_text(errno));
        throw OutputError(fmt::format("cannot append run {} to journal '{}': {}", row.run_id, s.path, errno_text(err)));
    }
    s.end += record.size();
    s.completed.insert(row.run_id);

    // Group commit: return once an fdatasync that began after this record was written has
    // finished. One thread syncs for every record written before it started; the others wait.
    const std::uint64_t mine = s.end;
    while (s.synced_end < mine) {
        if (!s.failure.empty())
            throw OutputError(
                fmt::format("cannot flush run {} of journal '{}' to disk: {}", row.run_id, s.path, s.failure));
        if (s.syncing) {
            s.sync_done.wait(lock);
            continue;
        }
        s.syncing = true;
        const std::uint64_t target = s.end;
        const int fd = s.fd.get();
        lock.unlock();
        const int err = sync_data(fd);
        lock.lock();
        s.syncing = false;
        if (err != 0)
            s.failure = fmt::format("fdatasync failed: {}", errno_text(err));
        else
            s.synced_end = std::max(s.synced_end, target);
        s.sync_done.notify_all();
    }
}

void SweepJournal::close() {
    State& s = *state_;
    std::unique_lock lock(s.mutex);
    s.sync_done.wait(lock, [&] { return !s.syncing; });
    if (!s.fd.valid()) return;
    const int err = sync_data(s.fd.get());
    s.fd.reset();
    if (err != 0) throw OutputError(fmt::format("cannot flush journal '{}' to disk: {}", s.path, errno_text(err)));
}

}  // namespace pricewar
