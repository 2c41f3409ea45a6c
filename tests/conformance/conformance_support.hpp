// conformance_support: what every conformance test case shares: the list
// of transports to run against, and a fixture bundling a test host, a
// completion collector, a scripted server and one transport instance.
//
// Each test case loops over transports_under_test() and opens a
// DYNAMIC_SECTION per transport, so a failure names the plugin.
//
// Ownership: the fixture owns all four parts and tears them down in the
// safe order (transport first, then server). Threading: test thread only.
#pragma once

#include "completion_collector.hpp"
#include "conformance_host.hpp"
#include "test_http_server.hpp"
#include "transport_harness.hpp"
#include "transport_loader.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace fetchctl::conformance {

using namespace std::chrono_literals;

/// The selected transports; fails the current test (REQUIRE) when there
/// are none, or when the plugin named by FETCHCTL_CONFORMANCE_PLUGIN is
/// missing or broken.
const std::vector<loaded_transport> &transports_under_test();

class transport_fixture {
public:
    /// Starts the server and creates one instance with an empty config,
    /// so every plugin runs on its defaults. REQUIREs that create worked.
    explicit transport_fixture(const loaded_transport &plugin);
    ~transport_fixture();

    /// A request for `target` on the fixture's server with a fresh id.
    request_spec spec(const std::string &target);

    /// Submits and waits for the answer; REQUIREs both.
    owned_response fetch(const request_spec &spec, std::chrono::milliseconds timeout = 20s);

    /// Destroys the instance and CHECKs that the transport broke no ABI
    /// rule along the way. Call at the end of every section.
    void finish();

    conformance_host host;
    completion_collector collector;
    test_http_server server;
    std::unique_ptr<transport_under_test> transport;

private:
    uint64_t next_id_ = 1;
};

/// Milliseconds between two instants, for timing checks.
long long elapsed_ms(std::chrono::steady_clock::time_point from,
                     std::chrono::steady_clock::time_point to);

} // namespace fetchctl::conformance
