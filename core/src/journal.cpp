// journal.cpp: see journal.hpp.
#include "journal.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fetchctl {
namespace {

constexpr const char *magic = "fetchctl-journal 1 job=";

std::optional<journal_checkpoint> parse_checkpoint(const std::string &fields) {
    // next=.. written=.. failed=.. failed_bytes=.. sink=<rest of line>
    journal_checkpoint checkpoint;
    unsigned long long next = 0, written = 0, failed = 0, failed_bytes = 0;
    int consumed = 0;
    if (std::sscanf(fields.c_str(), "next=%llu written=%llu failed=%llu failed_bytes=%llu sink=%n",
                    &next, &written, &failed, &failed_bytes, &consumed) != 4 ||
        consumed == 0)
        return std::nullopt;
    checkpoint.next_sequence = next;
    checkpoint.written = written;
    checkpoint.failed = failed;
    checkpoint.failed_bytes = failed_bytes;
    checkpoint.sink_checkpoint = fields.substr(static_cast<std::size_t>(consumed));
    return checkpoint;
}

std::runtime_error io_error(const std::filesystem::path &path, const char *what) {
    return std::runtime_error(
        fmt::format("{}: cannot {} the journal: {}", path.string(), what, std::strerror(errno)));
}

} // namespace

journal_state journal::read(const std::filesystem::path &path) {
    journal_state state;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return state;
    state.exists = true;

    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();

    // Only lines that end in '\n' count: a crash can tear the last one.
    std::size_t at = 0;
    bool first = true;
    for (std::size_t end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
        const std::string line = text.substr(at, end - at);
        if (first) {
            if (line.rfind(magic, 0) != 0)
                throw std::runtime_error(fmt::format(
                    "{}: not a fetchctl journal; move it away or name another journal file",
                    path.string()));
            state.fingerprint = line.substr(std::strlen(magic));
            first = false;
            continue;
        }
        const bool is_complete = line.rfind("complete ", 0) == 0;
        const bool is_checkpoint = line.rfind("checkpoint ", 0) == 0;
        if (!is_complete && !is_checkpoint)
            continue;
        if (auto checkpoint = parse_checkpoint(line.substr(line.find(' ') + 1))) {
            state.last = std::move(checkpoint);
            state.complete = is_complete;
        }
    }
    if (first && !text.empty())
        throw std::runtime_error(fmt::format("{}: not a fetchctl journal", path.string()));
    return state;
}

journal::journal(std::FILE *file, std::filesystem::path path)
    : file_(file), path_(std::move(path)) {}

journal::journal(journal &&other) noexcept : file_(other.file_), path_(std::move(other.path_)) {
    other.file_ = nullptr;
}

journal::~journal() {
    if (file_)
        std::fclose(file_);
}

/// Opens the journal for appending and takes an exclusive lock on it for
/// as long as it stays open, before anything is truncated: a second run on
/// the same output is refused without touching the first one's journal.
static std::FILE *open_locked(const std::filesystem::path &path, bool truncate) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        throw io_error(path, truncate ? "create" : "open");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(fd);
        if (error == EWOULDBLOCK)
            throw std::runtime_error(fmt::format(
                "{}: the journal is in use by another fetchctl run on the same output; "
                "wait for it to end, or stop it",
                path.string()));
        errno = error;
        throw io_error(path, "lock");
    }
    if (truncate && ::ftruncate(fd, 0) != 0) {
        const int error = errno;
        ::close(fd);
        errno = error;
        throw io_error(path, "truncate");
    }
    std::FILE *file = ::fdopen(fd, "ab");
    if (!file) {
        const int error = errno;
        ::close(fd);
        errno = error;
        throw io_error(path, "open");
    }
    return file;
}

journal journal::create(const std::filesystem::path &path, const std::string &fingerprint) {
    journal created(open_locked(path, true), path);
    created.write_line(fmt::format("{}{}\n", magic, fingerprint));
    return created;
}

journal journal::append_to(const std::filesystem::path &path) {
    return journal(open_locked(path, false), path);
}

void journal::write_line(const std::string &line) {
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
        std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0)
        throw io_error(path_, "write");
}

void journal::record(const journal_checkpoint &c, bool complete) {
    write_line(fmt::format("{} next={} written={} failed={} failed_bytes={} sink={}\n",
                           complete ? "complete" : "checkpoint", c.next_sequence, c.written,
                           c.failed, c.failed_bytes, c.sink_checkpoint));
}

} // namespace fetchctl
