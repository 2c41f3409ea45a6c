// journal: which part of a job is durably done, so a rerun resumes exactly
// where an interrupted run stopped.
//
// A text file beside the output, appended and fsynced at each checkpoint:
//
//   fetchctl-journal 1 job=<fingerprint>
//   checkpoint next=<seq> written=<n> failed=<n> failed_bytes=<n> sink=<token>
//   ...
//   complete next=<seq> written=<n> failed=<n> failed_bytes=<n> sink=<token>
//
// A checkpoint line is written only after the sink has flushed, so every
// item with a sequence number below `next` is in the output (or in the
// failed-items file) and nothing after the sink's token is. A line torn by a
// crash is ignored: the previous checkpoint still holds. The fingerprint
// ties the journal to one job, so a changed config is not resumed by mistake.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

namespace fetchctl {

struct journal_checkpoint {
    std::uint64_t next_sequence = 0;
    std::uint64_t written = 0;
    std::uint64_t failed = 0;
    std::uint64_t failed_bytes = 0; // size of the failed-items file
    std::string sink_checkpoint;
};

/// What an existing journal says.
struct journal_state {
    bool exists = false;
    bool complete = false;
    std::string fingerprint;
    std::optional<journal_checkpoint> last; // the last intact checkpoint
};

class journal {
public:
    /// Reads `path`; a missing file gives exists == false. Throws
    /// std::runtime_error for a file that is not a journal.
    static journal_state read(const std::filesystem::path &path);

    /// Starts a new journal (truncating any old one) for `fingerprint`.
    /// Both this and append_to() hold an exclusive lock on the file while
    /// the journal is open, and throw std::runtime_error when another run
    /// holds it: the journal is the run's claim on its output.
    static journal create(const std::filesystem::path &path, const std::string &fingerprint);

    /// Continues an existing journal.
    static journal append_to(const std::filesystem::path &path);

    journal(journal &&other) noexcept;
    journal &operator=(journal &&) = delete;
    ~journal();

    /// Appends a checkpoint line and fsyncs it. Throws std::runtime_error.
    void record(const journal_checkpoint &checkpoint, bool complete = false);

private:
    journal(std::FILE *file, std::filesystem::path path);
    void write_line(const std::string &line);

    std::FILE *file_;
    std::filesystem::path path_;
};

} // namespace fetchctl
