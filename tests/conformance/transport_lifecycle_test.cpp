// Conformance: many requests at once each get their own answer, exactly
// once; destroy() is prompt and final; instances are independent.
#include "conformance_support.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace fetchctl::conformance;

namespace {

// The body the echo route returns for one request: unique per request and
// of varying length, so a mix-up of bodies or ids cannot go unnoticed.
std::string echo_body(const std::string &query, const std::string &tag) {
    const size_t id = std::strtoul(query.c_str() + query.find('=') + 1, nullptr, 10);
    return "query=" + query + ";tag=" + tag + ";" + pattern_bytes(id * 37 % 20000, id);
}

void route_echo(test_http_server &server) {
    server.route("/echo", [](const seen_request &request) {
        const auto tag = request.headers.find("x-request-tag");
        scripted_reply reply;
        reply.body = echo_body(request.query, tag == request.headers.end() ? "" : tag->second);
        // Small, varied delays shuffle the order answers come back in.
        reply.delay = std::chrono::milliseconds(request.query.size() % 7);
        return reply;
    });
}

} // namespace

TEST_CASE("transport - 200 concurrent requests each get their own answer once",
          "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            route_echo(f.server);

            std::vector<request_spec> specs;
            for (int i = 0; i < 200; ++i) {
                auto spec = f.spec("/echo?id=" + std::to_string(1000 + i));
                spec.headers = {{"X-Request-Tag", "t" + std::to_string(i)}};
                specs.push_back(spec);
            }

            const size_t accepted = run_windowed(*f.transport, f.collector, specs, 120s);
            REQUIRE(accepted == specs.size());
            REQUIRE(f.collector.wait_for_count(specs.size(), 30s));

            const auto answers = f.collector.answers();
            REQUIRE(answers.size() == specs.size());
            for (size_t i = 0; i < specs.size(); ++i) {
                const auto &answer = answers.at(specs[i].id);
                INFO("request " << specs[i].id << ": "
                                << transport_error_name(answer.transport_error) << " "
                                << answer.error_message.value_or(""));
                REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
                const std::string query = "id=" + std::to_string(1000 + i);
                CHECK(answer.body == echo_body(query, "t" + std::to_string(i)));
            }
            f.finish();
        }
    }
}

TEST_CASE("transport - destroy() with requests in flight is prompt and silent",
          "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            f.server.route("/hang", [](const seen_request &) {
                scripted_reply reply;
                reply.what = scripted_reply::fault::stall_before_headers;
                return reply;
            });
            f.server.route("/hang-body", [](const seen_request &) {
                scripted_reply reply;
                reply.body = pattern_bytes(100000);
                reply.what = scripted_reply::fault::stall_after_headers;
                reply.cut_at = 5000;
                return reply;
            });

            // Fill every slot with a request the server will never finish,
            // each with a timeout far beyond the test.
            const uint32_t window = std::min<uint32_t>(f.transport->max_in_flight(), 64);
            size_t to_hang = 0;
            size_t to_hang_body = 0;
            for (uint32_t i = 0; i < window; ++i) {
                const bool body = i % 2 == 1;
                auto spec = f.spec(body ? "/hang-body" : "/hang");
                spec.total_timeout_ms = 60000;
                REQUIRE(f.transport->submit(spec) == FC_OK);
                ++(body ? to_hang_body : to_hang);
            }
            REQUIRE(f.server.wait_for_requests("/hang", to_hang, 20s));
            REQUIRE(f.server.wait_for_requests("/hang-body", to_hang_body, 20s));

            const auto took = f.transport->destroy();
            CHECK(took.count() < 2000);
            CHECK(f.collector.answer_count() == 0);

            // Anything arriving now is recorded as a violation by the
            // collector, which destroy() closed.
            std::this_thread::sleep_for(300ms);
            f.finish();
        }
    }
}

TEST_CASE("transport - an idle instance is created and destroyed quickly",
          "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            for (int round = 0; round < 5; ++round) {
                transport_fixture f(plugin);
                const auto took = f.transport->destroy();
                CHECK(took.count() < 2000);
                f.finish();
            }
        }
    }
}

TEST_CASE("transport - two instances work side by side", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture first(plugin);
            transport_fixture second(plugin);
            route_echo(first.server);
            route_echo(second.server);

            std::vector<request_spec> specs_a;
            std::vector<request_spec> specs_b;
            for (int i = 0; i < 20; ++i) {
                specs_a.push_back(first.spec("/echo?id=" + std::to_string(i)));
                specs_b.push_back(second.spec("/echo?id=" + std::to_string(i)));
            }
            REQUIRE(run_windowed(*first.transport, first.collector, specs_a, 60s) == 20);
            REQUIRE(run_windowed(*second.transport, second.collector, specs_b, 60s) == 20);

            // Destroying one must not disturb the other.
            first.finish();
            const auto answer = second.fetch(second.spec("/echo?id=99"));
            REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
            CHECK(answer.body == echo_body("id=99", ""));
            second.finish();
        }
    }
}
