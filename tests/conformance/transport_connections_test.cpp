// Conformance: a transport keeps connections alive between requests, and
// copes when the server closes one: a connection that went stale while
// idle is the transport's problem, never the host's.
#include "conformance_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace fetchctl::conformance;

TEST_CASE("transport - sequential requests reuse connections", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            f.server.route("/keep", [](const seen_request &request) {
                scripted_reply reply;
                reply.body = "reply " + request.query;
                return reply;
            });

            const uint32_t window = f.transport->max_in_flight();
            const size_t requests = std::min<size_t>(3 * window + 5, 100);
            for (size_t i = 0; i < requests; ++i) {
                const auto answer = f.fetch(f.spec("/keep?n=" + std::to_string(i)));
                REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
                REQUIRE(answer.body == "reply n=" + std::to_string(i));
            }

            // One at a time, a pooling transport never needs more
            // connections than it has slots.
            INFO(requests << " requests, max_in_flight " << window);
            CHECK(f.server.connections_accepted() < requests);
            CHECK(f.server.connections_accepted() <= window);
            f.finish();
        }
    }
}

TEST_CASE("transport - a connection the server closed while idle is replaced",
          "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            // Each reply is followed by a close, without "Connection: close":
            // the server's keep-alive timer ran out just after answering.
            f.server.route("/idle-close", [](const seen_request &request) {
                scripted_reply reply;
                reply.body = "ok " + request.query;
                reply.what = scripted_reply::fault::close_after_reply;
                return reply;
            });

            for (int i = 0; i < 5; ++i) {
                const auto answer = f.fetch(f.spec("/idle-close?n=" + std::to_string(i)));
                INFO("request " << i << ": " << transport_error_name(answer.transport_error)
                                << " " << answer.error_message.value_or(""));
                REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
                CHECK(answer.body == "ok n=" + std::to_string(i));
                // Let the FIN arrive, so the next request meets a closed
                // pooled connection.
                std::this_thread::sleep_for(100ms);
            }
            f.finish();
        }
    }
}

TEST_CASE("transport - a reused connection that dies on the request is retried once",
          "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            // A connection answers its first request, then closes when the
            // second arrives: the race where a server's idle timeout fires
            // just as the client reuses the connection. The request was
            // never processed, so a transport resends it once on a fresh
            // connection, as curl and every decent pool do.
            std::atomic<int> dropped{0};
            f.server.route("/race", [&dropped](const seen_request &request) {
                scripted_reply reply;
                if (request.index_on_connection > 0) {
                    ++dropped;
                    reply.what = scripted_reply::fault::close_without_reply;
                    return reply;
                }
                reply.body = "fresh " + request.query;
                return reply;
            });

            const size_t requests = 3 * f.transport->max_in_flight() + 5;
            for (size_t i = 0; i < std::min<size_t>(requests, 60); ++i) {
                const auto answer = f.fetch(f.spec("/race?n=" + std::to_string(i)));
                INFO("request " << i << ": " << transport_error_name(answer.transport_error)
                                << " " << answer.error_message.value_or(""));
                REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
                CHECK(answer.body == "fresh n=" + std::to_string(i));
            }
            // Otherwise the transport never reused anything and the test
            // proved nothing.
            CHECK(dropped.load() > 0);
            f.finish();
        }
    }
}
