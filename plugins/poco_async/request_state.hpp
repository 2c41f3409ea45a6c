// request_state: the transport's own copy of one submitted request, and
// where it is on its way through the reactor.
//
// Ownership: owns everything it needs (the host's fc_request_v1 is only
// borrowed during submit()), including the connection while one serves it.
// Threading: built on the host's submit thread, then handed to the reactor
// thread through the submission queue; only the reactor touches it after.
#pragma once

#include "connection.hpp"
#include "deadline_queue.hpp"
#include "http_target.hpp"
#include "request_writer.hpp"

#include <Poco/Net/IPAddress.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fetchctl::poco_async {

/// What the host asked for, in C++ types.
struct request_spec {
    uint64_t request_id = 0;
    std::string method;
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    uint32_t connect_timeout_ms = 0; ///< 0: no connect limit of its own
    uint32_t total_timeout_ms = 0;   ///< 0: no total limit
    uint64_t max_body_bytes = 0;     ///< 0: no body limit
};

struct request_state {
    enum class phase { queued, resolving, connecting, exchanging };

    uint64_t key = 0; ///< the reactor's own id; request_id may repeat
    uint64_t request_id = 0;
    http_target target;
    built_request request;
    uint32_t connect_timeout_ms = 0;
    uint32_t total_timeout_ms = 0;
    uint64_t max_body_bytes = 0;
    time_point submitted{};

    /// Set at submit() when the request cannot be sent at all (bad URL,
    /// https, bad header): the reactor completes it with this at once.
    int32_t early_error = 0;
    std::string early_message;

    phase where = phase::queued;
    std::vector<Poco::Net::IPAddress> addresses;
    std::size_t next_address = 0;
    /// End of the current connection attempt (resolve + connect).
    time_point connect_deadline = time_point::max();
    /// The one reconnect after a stale pooled connection has been used.
    bool reconnected = false;
    std::unique_ptr<connection> conn;
};

} // namespace fetchctl::poco_async
