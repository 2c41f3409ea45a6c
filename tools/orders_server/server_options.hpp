// Command-line settings of the orders server.
//
// Parsed once in main() before any thread starts, then shared read-only by
// every handler. Parsing lives in its own file because CLI11 is slow to
// compile and nothing else needs it.
#pragma once

#include "fault_plan.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace orders_server {

struct server_options {
    std::string host = "127.0.0.1";
    int port = 8000;                  // 0 picks a free port
    int rate = 20;                    // requests/s per client IP; 0 = off
    double failure_rate = 0.1;        // chance of a 500 per item request
    int min_latency_ms = 50;
    int max_latency_ms = 150;
    std::uint64_t seed = 1;
    std::int64_t max_id = std::numeric_limits<std::int64_t>::max();
    int threads = 256;                // handler threads = max connections
    int max_keepalive_requests = 0;   // per connection; 0 = unlimited
    int listen_delay_ms = 0;          // wait this long before binding
    std::vector<fault_rule> faults;
    std::vector<outage_window> outages;
};

struct parse_result {
    /// Set when the server should run; empty after --help or an error.
    std::optional<server_options> options;
    /// Exit code to use when `options` is empty (0 after --help).
    int exit_code = 0;
};

/// Parses argv. Help and error text go to stdout/stderr as CLI11 prints
/// them.
parse_result parse_options(int argc, char** argv);

}  // namespace orders_server
