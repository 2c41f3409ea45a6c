// id_source: the ids of a job, produced one at a time.
//
// A range or a file costs nothing up front beyond one validating pass over
// the file, so a million ids need no memory. Each id comes with its sequence
// number, its 0-based position in the job, which orders the output and
// lets a resumed run skip what an earlier run finished.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

#include "job_spec.hpp"

namespace fetchctl {

struct job_item {
    std::uint64_t sequence = 0;
    std::string id;
};

class id_source {
public:
    /// Checks every id (a file is read once here) and counts them. Throws
    /// config_error naming the file and line of a bad id.
    explicit id_source(const id_spec &spec);

    /// The next id, or nullopt when all have been produced.
    std::optional<job_item> next();

    /// Skips ids so that the next one has sequence number `sequence`.
    void skip_to(std::uint64_t sequence);

    std::uint64_t total() const { return total_; }
    bool exhausted() const { return next_sequence_ >= total_; }

private:
    std::optional<std::string> next_from_file();

    id_spec spec_;
    std::uint64_t total_ = 0;
    std::uint64_t next_sequence_ = 0;
    std::ifstream file_;
};

/// An id is used inside a URL path, so only RFC 3986 unreserved characters
/// are accepted: letters, digits, '-', '.', '_', '~'.
bool is_valid_id(const std::string &id);

/// The id on one line of an id file: the first field, before a tab, comma or
/// space, so a failed-items file can be fed back as is. Empty for blank and
/// '#' comment lines.
std::string id_from_line(const std::string &line);

} // namespace fetchctl
