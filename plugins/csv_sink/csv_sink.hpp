// csv_sink.hpp - the CSV sink as a plain C++ class, free of the C ABI.
//
// csv_sink ties the parts together: record_extractor turns a body into
// cells, csv_writer turns cells into a row, csv_file stores rows and takes
// checkpoints. csv_sink_plugin.cpp wraps it for the host and turns its
// exceptions into status codes. One owner thread, like every sink call.
#pragma once

#include "csv_file.hpp"
#include "csv_writer.hpp"
#include "json_record.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fetchctl::csv_sink {

/// The columns written when the config names none.
const std::vector<std::string> &default_columns();

/// How an item was fetched (config `provenance`): extra columns after the
/// data columns, named with a leading underscore ("_attempts") so they
/// cannot clash with the API's fields. Off by default.
enum class provenance_field { attempts, statuses, waited_ms, latency_ms, transport, run_id };

/// The values for one record, as text; empty where the host gave none.
struct provenance_values {
    std::string attempts, statuses, waited_ms, latency_ms, transport, run_id;
};

/// Everything the config decides.
struct sink_settings {
    std::vector<column_path> columns; ///< at least one, in output order
    std::vector<provenance_field> provenance; ///< after the columns
    csv_options csv;
    bool header = true; ///< write a header row at the top of a fresh file
};

/// Parses provenance names ("attempts", "statuses", "waited_ms",
/// "latency_ms", "transport", "run_id"). Returns "" or what is wrong.
std::string set_provenance(sink_settings &settings, const std::vector<std::string> &names);

/// Parses and checks `names` into settings.columns. Returns "" or what is
/// wrong (empty list, a malformed name, a name given twice).
std::string set_columns(sink_settings &settings,
                        const std::vector<std::string> &names);

/// How the output was opened, for the plugin's log line.
struct open_info {
    bool resumed = false;
    std::uint64_t offset = 0;  ///< file size after opening
    std::uint64_t dropped = 0; ///< bytes cut off by a resume
};

class csv_sink {
public:
    /// Opens `path`. With `resume_checkpoint` null, creates or empties the
    /// file and queues the header row (if enabled). Otherwise the token
    /// must be one that flush() returned: the file is cut back to it and
    /// must still start with this config's header row, so a resumed run
    /// cannot append rows under different columns. Throws file_error for
    /// an unusable file or token.
    csv_sink(sink_settings settings, const std::string &path,
             const char *resume_checkpoint);

    /// Appends the row for one body. Returns "" or why the body cannot be
    /// written (bad data; nothing was appended). Throws file_error when
    /// the output fails.
    std::string write(std::string_view body, const provenance_values &provenance = {});

    /// Makes every row so far durable and returns the checkpoint token
    /// for resume. Throws file_error.
    std::string flush();

    /// Flushes and closes. Throws file_error; safe to call twice.
    void close();

    const open_info &opened() const noexcept { return opened_; }

    /// True when rows carry provenance columns; otherwise write() ignores
    /// its `provenance` argument, so callers need not gather it.
    bool records_provenance() const noexcept {
        return !settings_.provenance.empty();
    }

private:
    sink_settings settings_;
    record_extractor extractor_;
    open_info opened_; // filled while file_ is opened, so declared first
    csv_file file_;

    // Reused for every record to avoid per-row allocations.
    std::vector<json_cell> cells_;
    std::vector<csv_field> fields_;
    std::string row_;
};

} // namespace fetchctl::csv_sink
