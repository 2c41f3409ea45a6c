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
#include <deque>
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
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// The first header named `name` (case-insensitive), if any.
    std::optional<std::string> header(std::string_view name) const;
};

/// Answers handed from transport threads to the scheduler thread.
class completion_queue {
public:
    void push(transport_answer answer);

    /// Takes every queued answer, first waiting until one arrives, wake() is
    /// called, or `deadline` passes.
    std::vector<transport_answer> take(std::chrono::steady_clock::time_point deadline);

    /// Makes a waiting take() return now (used on SIGINT/SIGTERM).
    void wake();

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<transport_answer> answers_;
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
