// completion_collector: the host side of a transport's completions in the
// conformance tests.
//
// The transport calls on_complete() from its own threads; the collector
// copies each answer (the response is only valid during the call), checks
// it against the ABI rules, and lets the test thread wait for answers with
// a timeout. Anything the ABI forbids is recorded as a violation rather
// than thrown, since it happens on a transport thread: a second answer for
// one request, an answer for a request never accepted, an answer from
// inside submit(), an answer after destroy() returned, or a response whose
// fields contradict each other.
//
// Ownership: owns the copies. Must outlive every transport instance that
// was given on_complete() and this object as its context.
// Threading: every member may be called from any thread.
#pragma once

#include <fetchctl/plugin.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace fetchctl::conformance {

struct owned_response {
    uint64_t request_id = 0;
    int32_t transport_error = FC_TRANSPORT_OK;
    std::optional<std::string> error_message;
    int32_t status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::steady_clock::time_point received_at;

    /// Values of every header named `name`, compared case-insensitively,
    /// in the order received.
    std::vector<std::string> header_values(const std::string &name) const;
    /// The first such value, or nullopt.
    std::optional<std::string> header(const std::string &name) const;
};

/// Readable name of an FC_TRANSPORT_* code, for test messages.
std::string transport_error_name(int32_t code);

class completion_collector {
public:
    /// The fc_completion_fn to hand to create(), with `this` as context.
    static void on_complete(void *ctx, const fc_response_v1 *response);

    /// Records that submit() accepted `request_id`, so one answer is owed.
    void expect(uint64_t request_id);

    /// Undoes expect() after submit() refused `request_id`: no answer is
    /// owed, and one arriving anyway is a violation.
    void refused(uint64_t request_id);

    /// Marks the calling thread as inside submit() (or not); an answer
    /// arriving on that thread meanwhile is a violation.
    static void set_inside_submit(bool inside) noexcept;

    /// Waits until `count` answers have arrived in total; false on timeout.
    bool wait_for_count(size_t count, std::chrono::milliseconds timeout);

    /// Waits for the answer to `request_id` and returns a copy of it.
    std::optional<owned_response> wait_for(uint64_t request_id,
                                           std::chrono::milliseconds timeout);

    /// Every answer so far, keyed by request id.
    std::map<uint64_t, owned_response> answers() const;
    size_t answer_count() const;

    /// From now on any answer is a violation (call after destroy returns).
    void close();

    /// Everything the transport did against the ABI, in arrival order.
    std::vector<std::string> violations() const;

private:
    void record(const fc_response_v1 *response);
    void violation(std::string what);

    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::set<uint64_t> expected_;
    std::map<uint64_t, owned_response> answers_;
    std::vector<std::string> violations_;
    bool closed_ = false;
};

} // namespace fetchctl::conformance
