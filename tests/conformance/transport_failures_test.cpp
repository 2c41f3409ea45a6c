// Conformance: when no valid response arrives, a transport answers with the
// right FC_TRANSPORT_* class, within the request's timeouts. The class
// drives the host's retry policy, so a wrong one retries what must not be
// retried, or gives up on what would have worked.
#include "conformance_support.hpp"

#include <catch2/catch.hpp>

using namespace fetchctl::conformance;

namespace {

// Generous: the machine is small and shared, and sanitizer builds are slow.
constexpr long long slack_ms = 4000;

void require_error(const owned_response &answer, int32_t expected) {
    INFO("got " << transport_error_name(answer.transport_error) << " ('"
                << answer.error_message.value_or("") << "'), status " << answer.status);
    REQUIRE(transport_error_name(answer.transport_error) == transport_error_name(expected));
    CHECK(answer.status == 0);
    CHECK(answer.headers.empty());
    CHECK(answer.body.empty());
}

} // namespace

TEST_CASE("transport - a refused connection is CONNECT", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            auto spec = f.spec("/");
            spec.url = "http://127.0.0.1:" + std::to_string(closed_loopback_port()) + "/refused";

            const auto start = std::chrono::steady_clock::now();
            const auto answer = f.fetch(spec);
            require_error(answer, FC_TRANSPORT_CONNECT);
            CHECK(elapsed_ms(start, answer.received_at) < slack_ms);
            f.finish();
        }
    }
}

TEST_CASE("transport - a connect that gets no answer times out as CONNECT",
          "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            unanswered_listener silent;
            auto spec = f.spec("/");
            spec.url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/silent";
            spec.connect_timeout_ms = 500;
            spec.total_timeout_ms = 20000;

            // The connect timeout, not the total one, must end it, and it
            // must be CONNECT: the server never saw the request.
            const auto start = std::chrono::steady_clock::now();
            const auto answer = f.fetch(spec, 30s);
            require_error(answer, FC_TRANSPORT_CONNECT);
            const auto took = elapsed_ms(start, answer.received_at);
            CHECK(took >= 400);
            CHECK(took < spec.connect_timeout_ms + slack_ms);
            f.finish();
        }
    }
}

TEST_CASE("transport - a server that never answers is TIMEOUT at the total timeout",
          "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            f.server.route("/silent", [](const seen_request &) {
                scripted_reply reply;
                reply.what = scripted_reply::fault::stall_before_headers;
                return reply;
            });

            auto spec = f.spec("/silent");
            spec.total_timeout_ms = 1000;
            const auto start = std::chrono::steady_clock::now();
            const auto answer = f.fetch(spec, 30s);
            require_error(answer, FC_TRANSPORT_TIMEOUT);
            const auto took = elapsed_ms(start, answer.received_at);
            CHECK(took >= 900);
            CHECK(took < spec.total_timeout_ms + slack_ms);
            f.finish();
        }
    }
}

TEST_CASE("transport - a body that stalls after the headers is TIMEOUT", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            for (const auto framing :
                 {scripted_reply::framing::content_length, scripted_reply::framing::chunked}) {
                const std::string path = framing == scripted_reply::framing::chunked
                                             ? "/stall/chunked"
                                             : "/stall/sized";
                f.server.route(path, [framing](const seen_request &) {
                    scripted_reply reply;
                    reply.body = pattern_bytes(10000);
                    reply.frame = framing;
                    reply.what = scripted_reply::fault::stall_after_headers;
                    reply.cut_at = 1000;
                    return reply;
                });

                auto spec = f.spec(path);
                spec.total_timeout_ms = 1200;
                const auto start = std::chrono::steady_clock::now();
                const auto answer = f.fetch(spec, 30s);
                INFO(path);
                require_error(answer, FC_TRANSPORT_TIMEOUT);
                const auto took = elapsed_ms(start, answer.received_at);
                CHECK(took >= 1000);
                CHECK(took < spec.total_timeout_ms + slack_ms);
            }
            f.finish();
        }
    }
}

TEST_CASE("transport - a body cut short by a close is IO", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            for (const auto framing :
                 {scripted_reply::framing::content_length, scripted_reply::framing::chunked}) {
                const std::string path = framing == scripted_reply::framing::chunked
                                             ? "/short/chunked"
                                             : "/short/sized";
                f.server.route(path, [framing](const seen_request &) {
                    scripted_reply reply;
                    reply.body = pattern_bytes(5000);
                    reply.frame = framing;
                    reply.what = scripted_reply::fault::truncate_body;
                    reply.cut_at = 1234;
                    return reply;
                });

                const auto answer = f.fetch(f.spec(path));
                INFO(path);
                require_error(answer, FC_TRANSPORT_IO);
            }
            f.finish();
        }
    }
}

TEST_CASE("transport - a connection closed without any answer is IO", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            f.server.route("/hangup", [](const seen_request &) {
                scripted_reply reply;
                reply.what = scripted_reply::fault::close_without_reply;
                return reply;
            });

            // On a fresh connection there is nothing stale to blame, so the
            // transport must report the failure rather than retry forever.
            const auto answer = f.fetch(f.spec("/hangup"));
            require_error(answer, FC_TRANSPORT_IO);
            CHECK(f.server.requests_to("/hangup") <= 2);
            f.finish();
        }
    }
}

TEST_CASE("transport - an answer that is not HTTP is PROTOCOL", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            const std::vector<std::pair<std::string, std::string>> cases = {
                {"/garbage/banner", "SSH-2.0-OpenSSH_9.2\r\n\r\n"},
                {"/garbage/status", "HTTP/1.1 OK fine\r\nContent-Length: 2\r\n\r\nhi"},
            };
            for (const auto &[path, raw] : cases) {
                f.server.route(path, [raw = raw](const seen_request &) {
                    scripted_reply reply;
                    reply.what = scripted_reply::fault::raw_bytes;
                    reply.raw = raw;
                    return reply;
                });

                const auto answer = f.fetch(f.spec(path));
                INFO(path);
                require_error(answer, FC_TRANSPORT_PROTOCOL);
            }
            f.finish();
        }
    }
}

TEST_CASE("transport - a body over max_body_bytes is TOO_LARGE", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            const uint64_t limit = 1024 * 1024;
            struct size_case {
                const char *path;
                size_t size;
                scripted_reply::framing framing;
            };
            const std::vector<size_case> cases = {
                {"/big/sized", 2 * 1024 * 1024, scripted_reply::framing::content_length},
                {"/big/chunked", 2 * 1024 * 1024, scripted_reply::framing::chunked},
                {"/big/one-over", limit + 1, scripted_reply::framing::content_length},
                {"/big/one-over-chunked", limit + 1, scripted_reply::framing::chunked},
            };
            for (const auto &c : cases) {
                const std::string body = pattern_bytes(c.size);
                f.server.route(c.path, [body, framing = c.framing](const seen_request &) {
                    scripted_reply reply;
                    reply.body = body;
                    reply.frame = framing;
                    return reply;
                });

                auto spec = f.spec(c.path);
                spec.max_body_bytes = limit;
                const auto answer = f.fetch(spec);
                INFO(c.path);
                require_error(answer, FC_TRANSPORT_TOO_LARGE);
            }
            f.finish();
        }
    }
}
