// Everything the request handlers share.
//
// Built in main() before the HTTP server starts and destroyed after it has
// stopped, so handlers may hold a reference for their whole life. The
// options and start time are read-only once serving begins; the other
// members are internally synchronised.
#pragma once

#include "fault_plan.hpp"
#include "rate_limiter.hpp"
#include "server_options.hpp"
#include "server_stats.hpp"
#include "stop_latch.hpp"

#include <Poco/Net/TCPServer.h>

#include <chrono>

namespace orders_server {

struct server_context {
    explicit server_context(server_options opts)
        : options(std::move(opts)),
          faults(options.faults),
          limiter(options.rate) {}

    const server_options options;
    fault_plan faults;
    rate_limiter limiter;
    server_stats stats;
    stop_latch stop;

    /// When the socket started listening; outages are timed from here.
    std::chrono::steady_clock::time_point started{};
    /// The port actually bound (differs from options.port when that is 0).
    int bound_port = 0;
    /// Set before the server starts; it counts accepted connections.
    const Poco::Net::TCPServer* server = nullptr;
};

}  // namespace orders_server
