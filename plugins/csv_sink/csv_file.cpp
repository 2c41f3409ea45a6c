// csv_file.cpp - POSIX implementation of the csv_sink output file.
//
// See csv_file.hpp for the contract. One owner thread; every failure throws
// file_error with the path and the errno text.
#include "csv_file.hpp"

#include <cerrno>
#include <cstdint>
#include <limits>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fetchctl::csv_sink {

namespace {

constexpr std::string_view checkpoint_prefix = "bytes=";

// Large enough that a run of small rows costs one write() per ~64 KiB.
constexpr std::size_t buffer_capacity = 64 * 1024;

std::string errno_text(int error) {
    return std::system_category().message(error);
}

std::string quoted(const std::string &path) { return "'" + path + "'"; }

[[noreturn]] void throw_errno(const std::string &what, int error) {
    throw file_error(what + ": " + errno_text(error));
}

// Closes `fd` on every path out of open_locked() except success.
class fd_guard {
public:
    explicit fd_guard(int fd) noexcept : fd_(fd) {}
    ~fd_guard() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    fd_guard(fd_guard &&other) noexcept : fd_(other.release()) {}
    fd_guard(const fd_guard &) = delete;
    fd_guard &operator=(const fd_guard &) = delete;

    int get() const noexcept { return fd_; }
    int release() noexcept { return std::exchange(fd_, -1); }

private:
    int fd_;
};

// Opens `path`, insists on a regular file (a checkpoint is a byte offset,
// which a pipe or terminal cannot honour) and takes the writer lock.
fd_guard open_locked(const std::string &path, int flags, const char *purpose,
                     struct stat &info) {
    int fd = -1;
    do {
        fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NOCTTY, 0666);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        throw_errno(std::string("cannot open ") + quoted(path) + " " + purpose,
                    errno);
    }
    fd_guard guard(fd);

    if (::fstat(fd, &info) != 0) {
        throw_errno("cannot stat " + quoted(path), errno);
    }
    if (!S_ISREG(info.st_mode)) {
        throw file_error("output " + quoted(path) + " is not a regular file");
    }

    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        if (error == EWOULDBLOCK) {
            throw file_error("output " + quoted(path) +
                             " is locked by another writer (another run?)");
        }
        throw_errno("cannot lock " + quoted(path), error);
    }
    return guard;
}

// Up to `count` bytes from the start of the file; fewer if it is shorter.
std::string read_prefix(int fd, const std::string &path,
                        std::size_t count) {
    std::string prefix(count, '\0');
    std::size_t done = 0;
    while (done < count) {
        const ssize_t got = ::pread(fd, prefix.data() + done, count - done,
                                    static_cast<off_t>(done));
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_errno("cannot read " + quoted(path), errno);
        }
        if (got == 0) {
            break;
        }
        done += static_cast<std::size_t>(got);
    }
    prefix.resize(done);
    return prefix;
}

std::string parent_directory(const std::string &path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        return ".";
    }
    if (slash == 0) {
        return "/";
    }
    return path.substr(0, slash);
}

} // namespace

std::optional<std::uint64_t> parse_checkpoint(std::string_view token) noexcept {
    if (token.substr(0, checkpoint_prefix.size()) != checkpoint_prefix) {
        return std::nullopt;
    }
    token.remove_prefix(checkpoint_prefix.size());
    if (token.empty()) {
        return std::nullopt;
    }

    // The limit is off_t's, since the offset goes to ftruncate().
    constexpr std::uint64_t limit = std::numeric_limits<std::int64_t>::max();
    std::uint64_t value = 0;
    for (char c : token) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (limit - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
    }
    return value;
}

std::string format_checkpoint(std::uint64_t size) {
    return std::string(checkpoint_prefix) + std::to_string(size);
}

csv_file::csv_file(std::string path, int fd, std::uint64_t size, bool sync_dir)
    : path_(std::move(path)), fd_(fd), size_(size), sync_dir_(sync_dir) {
    buffer_.reserve(buffer_capacity);
}

csv_file::csv_file(csv_file &&other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(other.size_),
      buffer_(std::move(other.buffer_)),
      sync_dir_(other.sync_dir_),
      broken_(other.broken_) {}

csv_file::~csv_file() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

csv_file csv_file::create(const std::string &path) {
    struct stat info {};
    // No O_TRUNC: the file may belong to a run that still holds the lock,
    // so it is emptied only once the lock is ours.
    fd_guard fd = open_locked(path, O_WRONLY | O_CREAT, "for writing", info);

    if (::ftruncate(fd.get(), 0) != 0) {
        throw_errno("cannot truncate " + quoted(path), errno);
    }
    return csv_file(path, fd.release(), 0, true);
}

csv_file csv_file::reopen(const std::string &path, std::uint64_t offset,
                          std::string_view header, std::uint64_t &dropped) {
    struct stat info {};
    fd_guard fd = open_locked(path, O_RDWR, "to resume", info);

    // Every check comes before the truncation: a refused resume must leave
    // the file exactly as the interrupted run left it.
    const auto size = static_cast<std::uint64_t>(info.st_size);
    if (size < offset) {
        throw file_error("cannot resume " + quoted(path) + ": it has " +
                         std::to_string(size) + " bytes, fewer than the " +
                         std::to_string(offset) +
                         " of the checkpoint (was it replaced or edited?)");
    }
    // A checkpoint inside the header would leave half a header behind;
    // flush() never produces one, so the token is not from this output.
    if (offset > 0 && offset < header.size()) {
        throw file_error("cannot resume " + quoted(path) + ": the checkpoint "
                         "at byte " + std::to_string(offset) +
                         " falls inside the header row");
    }
    if (offset > 0 && read_prefix(fd.get(), path, header.size()) != header) {
        throw file_error("cannot resume " + quoted(path) +
                         ": it does not start with the header row of this "
                         "config (were columns or line_ending changed?)");
    }

    const auto position = static_cast<off_t>(offset);
    if (::ftruncate(fd.get(), position) != 0) {
        throw_errno("cannot truncate " + quoted(path) + " to " +
                        std::to_string(offset) + " bytes",
                    errno);
    }
    if (::lseek(fd.get(), position, SEEK_SET) < 0) {
        throw_errno("cannot seek in " + quoted(path), errno);
    }

    dropped = size - offset;
    return csv_file(path, fd.release(), offset, false);
}

void csv_file::append(std::string_view bytes) {
    if (broken_ || fd_ < 0) {
        throw file_error("output " + quoted(path_) +
                         " is unusable after an earlier failure");
    }

    buffer_.append(bytes.data(), bytes.size());
    size_ += bytes.size();
    if (buffer_.size() >= buffer_capacity) {
        drain();
    }
}

void csv_file::drain() {
    const char *data = buffer_.data();
    std::size_t left = buffer_.size();
    while (left > 0) {
        const ssize_t written = ::write(fd_, data, left);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail("cannot write to", errno);
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
    buffer_.clear();
}

std::uint64_t csv_file::sync() {
    if (broken_ || fd_ < 0) {
        throw file_error("output " + quoted(path_) +
                         " is unusable after an earlier failure");
    }

    drain();
    // A failed fsync is never retried: Linux may already have dropped the
    // dirty pages, so a second call can succeed with the data lost.
    if (::fsync(fd_) != 0) {
        fail("cannot fsync", errno);
    }

    if (sync_dir_) {
        const std::string directory = parent_directory(path_);
        fd_guard dir(::open(directory.c_str(),
                            O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (dir.get() < 0) {
            fail("cannot open the directory of", errno);
        }
        // Some file systems cannot sync a directory (EINVAL); they have
        // nothing more to make durable there.
        if (::fsync(dir.get()) != 0 && errno != EINVAL) {
            fail("cannot fsync the directory of", errno);
        }
        sync_dir_ = false;
    }
    return size_;
}

void csv_file::close() {
    if (fd_ < 0) {
        return;
    }

    if (!broken_) {
        sync();
    }
    // Linux releases the descriptor even when close() fails, so it is not
    // retried; the data is already durable from the sync() above.
    ::close(std::exchange(fd_, -1));
}

void csv_file::fail(const char *action, int error) {
    broken_ = true;
    throw_errno(std::string(action) + " " + quoted(path_), error);
}

} // namespace fetchctl::csv_sink
