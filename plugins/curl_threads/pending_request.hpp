// pending_request: the plugin's own copy of one fc_request_v1.
//
// Ownership: owns every string; the host's request is only borrowed during
// submit(), so everything a worker needs later is copied here. Threading:
// built on the host's submit thread, then moved to exactly one worker.
#pragma once

#include <fetchctl/plugin.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace fetchctl::curl_threads {

using steady_clock = std::chrono::steady_clock;

struct pending_request {
    uint64_t request_id = 0;
    std::string method;
    std::string url;
    /// Ready-made curl header lines: "Name: value", or "Name;" for an empty
    /// value (curl's spelling, since "Name:" would remove the header).
    std::vector<std::string> header_lines;
    uint32_t connect_timeout_ms = 0;
    uint32_t total_timeout_ms = 0;
    uint64_t max_body_bytes = 0;
    /// The total timeout counts from submit(), so time spent queued counts.
    steady_clock::time_point submitted_at;
};

/// Copies `in` into `out`. Returns false with a reason in `why` when the
/// request cannot be served as given: a struct from an unknown layout, a
/// missing method or URL, or a header with CR/LF in it (which would let a
/// caller smuggle extra header lines onto the wire). May throw bad_alloc.
bool copy_request(const fc_request_v1 &in, pending_request &out, std::string &why);

} // namespace fetchctl::curl_threads
