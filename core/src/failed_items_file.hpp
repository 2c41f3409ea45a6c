// failed_items_file: the ids a run gave up on, with their last status and
// reason, as tab-separated lines:
//
//   # fetchctl failed items: id <TAB> last_status <TAB> reason
//   1001	404	HTTP 404, not retryable
//
// The first field is the id, so the file can be given back as [ids] file
// to retry just those. The status is the last HTTP status, or the
// transport error ("timeout", "connection") when no HTTP answer came.
// Like the sink, it is cut back to the journal's checkpoint on resume.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace fetchctl {

class failed_items_file {
public:
    /// How the file's first line starts: how a run knows the file is one.
    static constexpr const char *header_start = "# fetchctl failed items";

    /// Opens fresh (truncating, header line) or, with `resume_at`, cuts the
    /// file to that size and appends. Throws std::runtime_error.
    failed_items_file(const std::filesystem::path &path, const std::uint64_t *resume_at);
    ~failed_items_file();
    failed_items_file(const failed_items_file &) = delete;
    failed_items_file &operator=(const failed_items_file &) = delete;

    void add(const std::string &id, const std::string &status, const std::string &reason);

    /// Makes every added line durable (flush and fsync, skipped when nothing
    /// was added since the last call); returns the file size for the journal.
    std::uint64_t flush();

    const std::filesystem::path &path() const { return path_; }

private:
    std::filesystem::path path_;
    std::FILE *file_ = nullptr;
    bool dirty_ = true; // lines (or the header, or a cut) not yet fsynced
};

} // namespace fetchctl
