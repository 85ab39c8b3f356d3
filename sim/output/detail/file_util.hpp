#pragma once
// POSIX pieces of the output layer: an owned file descriptor and the write-to-a-temporary,
// fsync, rename sequence that keeps partial files away from final names. Internal.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

namespace pricewar::detail {

std::string errno_text(int error_number);

class FileDescriptor {
public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~FileDescriptor() { reset(); }

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool valid() const { return fd_ >= 0; }
    void reset() noexcept;
    // Closes now and reports close()'s result (errno is set on failure).
    int close() noexcept;

private:
    int fd_ = -1;
};

// Folder part of a path ("." when there is none).
std::string parent_dir(const std::string& path);

// Flushes a folder's entries (after a create, rename or unlink). Best effort: some file
// systems refuse fsync on folders, and the data files themselves are already synced.
void sync_dir(const std::string& dir) noexcept;

// A file written under a hidden temporary name in the final file's folder
// (".NAME.tmp-<pid>-<n>") and moved onto the final name by commit(): fsync the data, rename
// (atomic within a file system), fsync the folder. Destroyed without commit, it removes the
// temporary, so a failure never leaves a partial file under either name.
class AtomicOutput {
public:
    explicit AtomicOutput(std::string final_path);
    AtomicOutput(const AtomicOutput&) = delete;
    AtomicOutput& operator=(const AtomicOutput&) = delete;
    ~AtomicOutput();

    [[nodiscard]] const std::string& temp_path() const { return temp_path_; }
    // Writes `bytes` as the temporary file (for files built in memory). Throws OutputError.
    void write(std::span<const char> bytes);
    [[nodiscard]] const std::string& final_path() const { return final_path_; }
    // Makes the temporary file durable (unless write() did), moves it into place and syncs
    // the directory. Throws OutputError naming the final path.
    void commit();

private:
    std::string final_path_;
    std::string temp_path_;
    bool committed_ = false;
    bool synced_ = false;  // write() already made the temporary file durable
};

// Takes an exclusive, non-blocking lock on a journal; OutputError when another process
// holds it.
void lock_journal(const FileDescriptor& fd, const std::string& path);

// Writes all of `bytes` at `offset` (one pwrite unless the kernel splits it). Returns errno
// on failure, 0 on success.
int write_all_at(int fd, std::span<const std::byte> bytes, std::uint64_t offset);

// fdatasync, retried on EINTR. Returns errno on failure, 0 on success.
int sync_data(int fd);

}  // namespace pricewar::detail
