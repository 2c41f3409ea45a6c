// csv_file.hpp - the output file of csv_sink: buffered appends, fsync and
// byte-offset checkpoints.
//
// A csv_file owns one POSIX descriptor and an in-memory buffer. It holds an
// exclusive flock() on the file for its lifetime, so two runs cannot append
// to the same output. A checkpoint is the file size after a sync(); resuming
// truncates the file back to it, which drops whatever an interrupted run
// wrote later (including a torn last row). Not thread safe: one owner.
// Failures throw file_error naming the path and the errno text.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fetchctl::csv_sink {

/// An I/O failure on the output; what() names the path and the cause.
class file_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Parses a checkpoint token "bytes=<offset>" (decimal digits only, no
/// sign or spaces, at most INT64_MAX). Returns nothing when malformed.
std::optional<std::uint64_t> parse_checkpoint(std::string_view token) noexcept;

/// Formats `size` as a checkpoint token, the inverse of parse_checkpoint().
std::string format_checkpoint(std::uint64_t size);

class csv_file {
public:
    /// Creates `path`, or truncates it to empty, for a fresh run.
    static csv_file create(const std::string &path);

    /// Reopens `path` for a resumed run and truncates it to `offset`, so
    /// appends continue where the checkpoint was taken. Unless `offset` is
    /// 0, the file must start with `header` (the header row, or "" for
    /// none), so that rows are never appended under other columns. Fails,
    /// leaving the file untouched, when it is missing, shorter than
    /// `offset` or has another header. `dropped` receives the number of
    /// bytes cut off.
    static csv_file reopen(const std::string &path, std::uint64_t offset,
                           std::string_view header, std::uint64_t &dropped);

    csv_file(csv_file &&other) noexcept;
    csv_file &operator=(csv_file &&) = delete;
    csv_file(const csv_file &) = delete;
    csv_file &operator=(const csv_file &) = delete;

    /// Closes without syncing; call close() first to keep buffered data.
    ~csv_file();

    /// Queues `bytes`; they reach the file once the buffer fills or on
    /// sync(). After any failed write the file refuses further work,
    /// because its tail is then unknown.
    void append(std::string_view bytes);

    /// Writes out the buffer and fsyncs the file (and, once after creating
    /// it, its directory, so the new name survives a crash too). Returns
    /// size(), which is then durable.
    std::uint64_t sync();

    /// Bytes accepted so far: the file's size once the buffer is written.
    std::uint64_t size() const noexcept { return size_; }

    /// sync(), then closes the descriptor. Safe to call twice.
    void close();

    const std::string &path() const noexcept { return path_; }

private:
    csv_file(std::string path, int fd, std::uint64_t size, bool sync_dir);

    void drain();
    [[noreturn]] void fail(const char *action, int error);

    std::string path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::string buffer_;
    bool sync_dir_ = false; // the directory entry is not durable yet
    bool broken_ = false;
};

} // namespace fetchctl::csv_sink
