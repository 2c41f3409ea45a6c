// transport_harness: drives one instance of a transport plugin for a test.
//
// transport_under_test creates the instance against a conformance_host and
// a completion_collector, submits requests described by request_spec (a
// plain C++ value the harness turns into fc_request_v1), and destroys the
// instance when asked or when it goes out of scope, then closes the
// collector so any later answer counts as a violation.
//
// Ownership: borrows the plugin, host and collector, which must outlive it.
// Threading: used from the test thread only, which plays the host's one
// submitting thread.
#pragma once

#include "completion_collector.hpp"
#include "conformance_host.hpp"
#include "transport_loader.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fetchctl::conformance {

struct request_spec {
    uint64_t id = 0;
    std::string url;
    std::string method = "GET";
    std::vector<std::pair<std::string, std::string>> headers;
    uint32_t connect_timeout_ms = 2000;
    uint32_t total_timeout_ms = 10000;
    uint64_t max_body_bytes = 16 * 1024 * 1024;
};

class transport_under_test {
public:
    /// Calls create(); check created() before use (a failed create leaves
    /// nothing to destroy).
    transport_under_test(const loaded_transport &plugin, conformance_host &host,
                         completion_collector &collector);
    ~transport_under_test();

    transport_under_test(const transport_under_test &) = delete;
    transport_under_test &operator=(const transport_under_test &) = delete;

    bool created() const noexcept { return instance_ != nullptr; }
    int32_t create_status() const noexcept { return create_status_; }

    uint32_t max_in_flight() const;

    /// Submits `spec`; returns submit()'s status. On FC_OK the collector
    /// is told an answer is owed.
    int32_t submit(const request_spec &spec);

    /// Calls destroy() once and closes the collector. Returns how long
    /// destroy() took.
    std::chrono::milliseconds destroy();

private:
    const loaded_transport &plugin_;
    completion_collector &collector_;
    void *instance_ = nullptr;
    int32_t create_status_ = FC_ERROR;
};

/// Submits every spec, never holding more than max_in_flight() unanswered
/// (the host's promise), and waits for all answers; the whole run is
/// bounded by `timeout`. Returns the number of specs submitted with FC_OK.
size_t run_windowed(transport_under_test &transport, completion_collector &collector,
                    const std::vector<request_spec> &specs, std::chrono::milliseconds timeout);

} // namespace fetchctl::conformance
