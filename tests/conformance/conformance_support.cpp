// conformance_support: transport selection and the per-test fixture (see
// the header).
#include "conformance_support.hpp"

#include <catch2/catch.hpp>

namespace fetchctl::conformance {

const std::vector<loaded_transport> &transports_under_test() {
    const transport_selection &selection = selected_transports();
    INFO("plugin folder: " << selection.directory);
    INFO("FETCHCTL_CONFORMANCE_PLUGIN: '" << selection.wanted << "'");
    for (const auto &problem : selection.problems) {
        UNSCOPED_INFO("problem: " << problem);
    }
    REQUIRE_FALSE(selection.transports.empty());
    if (!selection.wanted.empty()) {
        REQUIRE(selection.problems.empty());
    }
    return selection.transports;
}

transport_fixture::transport_fixture(const loaded_transport &plugin) {
    transport = std::make_unique<transport_under_test>(plugin, host, collector);
    INFO("create() of " << plugin.name << " returned " << transport->create_status());
    REQUIRE(transport->created());
    REQUIRE(transport->max_in_flight() >= 1);
}

transport_fixture::~transport_fixture() {
    // After a failed REQUIRE the section unwinds through here: stop the
    // transport before the server and collector it talks to go away.
    transport.reset();
    server.stop();
}

request_spec transport_fixture::spec(const std::string &target) {
    request_spec spec;
    spec.id = next_id_++;
    spec.url = server.url(target);
    return spec;
}

owned_response transport_fixture::fetch(const request_spec &spec,
                                        std::chrono::milliseconds timeout) {
    INFO("request " << spec.id << " " << spec.url);
    REQUIRE(transport->submit(spec) == FC_OK);
    auto answer = collector.wait_for(spec.id, timeout);
    REQUIRE(answer.has_value());
    return *answer;
}

void transport_fixture::finish() {
    transport->destroy();
    const auto violations = collector.violations();
    for (const auto &violation : violations) {
        UNSCOPED_INFO("ABI violation: " << violation);
    }
    CHECK(violations.empty());
}

long long elapsed_ms(std::chrono::steady_clock::time_point from,
                     std::chrono::steady_clock::time_point to) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

} // namespace fetchctl::conformance
