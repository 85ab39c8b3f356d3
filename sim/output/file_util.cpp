#include "sim/output/detail/file_util.hpp"

#include "sim/output/output_error.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace pricewar::detail {

std::string errno_text(int error_number) {
    return std::strerror(error_number);
}

void FileDescriptor::reset() noexcept {
    (void)close();
}

int FileDescriptor::close() noexcept {
    if (fd_ < 0) return 0;
    return ::close(std::exchange(fd_, -1));
}

std::string parent_dir(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

void sync_dir(const std::string& dir) noexcept {
    FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.valid()) (void)::fsync(fd.get());
}

namespace {
std::string temp_name_for(const std::string& final_path) {
    static std::atomic<unsigned long> counter{0};
    const auto slash = final_path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? std::string() : final_path.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? final_path : final_path.substr(slash + 1);
    return fmt::format("{}.{}.tmp-{}-{}", dir, base, static_cast<long>(::getpid()), counter.fetch_add(1));
}
}  // namespace

AtomicOutput::AtomicOutput(std::string final_path)
    : final_path_(std::move(final_path)), temp_path_(temp_name_for(final_path_)) {}

AtomicOutput::~AtomicOutput() {
    if (!committed_) (void)::unlink(temp_path_.c_str());
}

void AtomicOutput::write(std::span<const char> bytes) {
    FileDescriptor fd(::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid())
        throw OutputError(fmt::format("cannot write '{}': cannot create the temporary file '{}': {}", final_path_,
                                      temp_path_, errno_text(errno)));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw OutputError(
                fmt::format("cannot write '{}': {}", final_path_, n < 0 ? errno_text(errno) : "short write"));
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || fd.close() != 0)
        throw OutputError(fmt::format("cannot write '{}': {}", final_path_, errno_text(errno)));
    synced_ = true;
}

void AtomicOutput::commit() {
    if (!synced_) {
        FileDescriptor fd(::open(temp_path_.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd.valid())
            throw OutputError(fmt::format("cannot write '{}': cannot reopen the temporary file '{}': {}", final_path_,
                                          temp_path_, errno_text(errno)));
        if (::fsync(fd.get()) != 0)
            throw OutputError(
                fmt::format("cannot write '{}': cannot flush data to disk: {}", final_path_, errno_text(errno)));
    }
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
        throw OutputError(fmt::format("cannot write '{}': cannot move the temporary file '{}' into place: {}",
                                      final_path_, temp_path_, errno_text(errno)));
    committed_ = true;
    sync_dir(parent_dir(final_path_));
}

void lock_journal(const FileDescriptor& fd, const std::string& path) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) throw OutputError(fmt::format("journal '{}' is in use by another process", path));
        throw OutputError(fmt::format("cannot lock journal '{}': {}", path, errno_text(errno)));
    }
}

int write_all_at(int fd, std::span<const std::byte> bytes, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return EIO;
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

int sync_data(int fd) {
    while (::fdatasync(fd) != 0)
        if (errno != EINTR) return errno;
    return 0;
}

}  // namespace pricewar::detail
