// transport_client: one transport plugin instance, seen from the core.
//
// The plugin answers on its own threads; the completion callback only copies
// the answer into a completion_queue and wakes the scheduler, which does all
// the processing on its own thread (DESIGN.md: "never processed in the
// callback").
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fetchctl/plugin.h"

namespace fetchctl {

class loaded_plugin;
class plugin_host;

/// A transport's answer, copied out of the plugin's memory.
struct transport_answer {
    std::uint64_t request_id = 0;
    int transport_error = FC_TRANSPORT_OK;
    std::string error_message;
    int status = 0;
    /// Only the headers the core acts on (is_policy_header); the rest of a
    /// response's head is not copied.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// The first header named `name` (case-insensitive), if any.
    std::optional<std::string> header(std::string_view name) const;
};

/// True for the response headers retry policy and pacing read:
/// Retry-After, Location, and the RateLimit-* / X-RateLimit-* family.
bool is_policy_header(std::string_view name);

/// Answers handed from transport threads to the scheduler thread.
///
/// Built for one answer per request at tens of thousands a second: a push
/// wakes the scheduler only when it is asleep in take(), so answers that
/// arrive while it works are picked up together by its next take(); and
/// body buffers come back through recycle() to be filled again, so a body
/// allocated on a transport thread is not freed on the scheduler's (which
/// would contend for the allocator's lock).
class completion_queue {
public:
    void push(transport_answer answer);

    /// Moves every queued answer into `out` (cleared first), first waiting
    /// until one arrives, wake() is called, or `deadline` passes.
    void take(std::chrono::steady_clock::time_point deadline, std::vector<transport_answer> &out);

    /// Makes a waiting take() return now (used on SIGINT/SIGTERM).
    void wake();

    /// An empty string, with capacity from an earlier body when one is
    /// spare, to copy the next body into.
    std::string spare_body();

    /// Gives a body's buffer back once its contents are no longer needed.
    void recycle(std::string body);

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<transport_answer> answers_;
    std::vector<std::string> spare_bodies_;
    bool waiting_ = false; // the scheduler is blocked in take()
    bool woken_ = false;
};

class transport_client {
public:
    /// Creates the instance. Throws config_error for a config problem and
    /// std::runtime_error when create() fails otherwise.
    transport_client(std::shared_ptr<const loaded_plugin> plugin, plugin_host &host,
                     completion_queue &queue);
    /// A transport built into the core (replay): `start` makes the instance
    /// for `table`, given the completion callback and its context.
    transport_client(const fc_transport_v1 *table, std::string name,
                     const std::function<void *(fc_completion_fn, void *)> &start,
                     completion_queue &queue);

    /// Destroys the instance, which joins its threads, before the library
    /// can be unmapped.
    ~transport_client();
    transport_client(const transport_client &) = delete;
    transport_client &operator=(const transport_client &) = delete;

    std::uint32_t max_in_flight() const { return max_in_flight_; }

    /// False when the transport refused the request (no answer will come).
    bool submit(const fc_request_v1 &request);

    std::string name() const;

private:
    static void on_complete(void *ctx, const fc_response_v1 *response);

    std::shared_ptr<const loaded_plugin> plugin_; // null for a built-in one
    const fc_transport_v1 *table_;
    std::string name_;
    completion_queue &queue_;
    void *instance_ = nullptr;
    std::uint32_t max_in_flight_ = 1;
};

} // namespace fetchctl
