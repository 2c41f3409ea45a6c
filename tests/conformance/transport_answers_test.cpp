// Conformance: a transport hands the host exactly what the server sent:
// status, headers and body, whatever the framing, size or status class.
#include "conformance_support.hpp"

#include <catch2/catch.hpp>

#include <mutex>

using namespace fetchctl::conformance;

TEST_CASE("conformance - the selected transport plugins load", "[conformance]") {
    const auto &transports = transports_under_test();
    for (const auto &plugin : transports) {
        INFO(plugin.path);
        CHECK_FALSE(plugin.name.empty());
        CHECK(plugin.descriptor->kind == FC_KIND_TRANSPORT);
        CHECK(plugin.descriptor->abi_major == FETCHCTL_ABI_MAJOR);
        CHECK(plugin.descriptor->version != nullptr);
        CHECK(plugin.descriptor->description != nullptr);
        CHECK(plugin.descriptor->sink == nullptr);
    }
}

TEST_CASE("transport - status, headers and body arrive exactly as sent", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            const std::string body = pattern_bytes(777);
            f.server.route("/plain", [&](const seen_request &) {
                scripted_reply reply;
                reply.headers = {{"X-Test", "alpha beta"},
                                 {"Retry-After", "7"},
                                 {"X-Multi", "one"},
                                 {"X-Multi", "two"},
                                 {"Content-Type", "application/octet-stream"}};
                reply.body = body;
                return reply;
            });

            const auto answer = f.fetch(f.spec("/plain"));
            INFO("error " << transport_error_name(answer.transport_error) << ": "
                          << answer.error_message.value_or(""));
            REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
            CHECK(answer.status == 200);
            CHECK(answer.body == body);
            CHECK(answer.header("x-test") == std::optional<std::string>("alpha beta"));
            CHECK(answer.header("RETRY-AFTER") == std::optional<std::string>("7"));
            CHECK(answer.header_values("X-Multi") == std::vector<std::string>{"one", "two"});
            CHECK(answer.header("Content-Length") == std::optional<std::string>("777"));
            f.finish();
        }
    }
}

TEST_CASE("transport - the request carries its method and headers", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            std::mutex seen_mutex;
            seen_request seen;
            f.server.route("/inspect", [&](const seen_request &request) {
                std::lock_guard<std::mutex> lock(seen_mutex);
                seen = request;
                return scripted_reply{};
            });

            auto spec = f.spec("/inspect?id=42&x=y");
            spec.headers = {{"X-Request-Tag", "tag-42"}, {"Accept", "application/json"}};
            const auto answer = f.fetch(spec);
            REQUIRE(answer.transport_error == FC_TRANSPORT_OK);

            std::lock_guard<std::mutex> lock(seen_mutex);
            CHECK(seen.method == "GET");
            CHECK(seen.path == "/inspect");
            CHECK(seen.query == "id=42&x=y");
            CHECK(seen.headers["x-request-tag"] == "tag-42");
            CHECK(seen.headers["accept"] == "application/json");
            CHECK(seen.headers["host"] == "127.0.0.1:" + std::to_string(f.server.port()));
            f.finish();
        }
    }
}

TEST_CASE("transport - error statuses are answers, not transport errors", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            struct status_case {
                int status;
                const char *reason;
                const char *body;
            };
            const std::vector<status_case> cases = {
                {429, "Too Many Requests", "{\"error\":\"slow down\"}"},
                {503, "Service Unavailable", "try later"},
                {404, "Not Found", ""},
                {500, "Internal Server Error", "boom"},
                {204, "No Content", ""},
            };
            for (const auto &c : cases) {
                const std::string path = "/status/" + std::to_string(c.status);
                f.server.route(path, [c](const seen_request &) {
                    scripted_reply reply;
                    reply.status = c.status;
                    reply.reason = c.reason;
                    reply.body = c.body;
                    if (c.status == 429 || c.status == 503) {
                        reply.headers = {{"Retry-After", "120"}};
                    }
                    return reply;
                });
            }

            for (const auto &c : cases) {
                const auto answer = f.fetch(f.spec("/status/" + std::to_string(c.status)));
                INFO("status " << c.status << ": "
                               << transport_error_name(answer.transport_error));
                REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
                CHECK(answer.status == c.status);
                CHECK(answer.body == c.body);
                if (c.status == 429 || c.status == 503) {
                    CHECK(answer.header("Retry-After") == std::optional<std::string>("120"));
                }
            }
            f.finish();
        }
    }
}

TEST_CASE("transport - redirects are returned, never followed", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            const std::string target = f.server.url("/target");
            f.server.route("/moved", [&](const seen_request &) {
                scripted_reply reply;
                reply.status = 302;
                reply.reason = "Found";
                reply.headers = {{"Location", target}};
                reply.body = "see elsewhere";
                return reply;
            });

            const auto answer = f.fetch(f.spec("/moved"));
            REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
            CHECK(answer.status == 302);
            CHECK(answer.header("Location") == std::optional<std::string>(target));
            CHECK(answer.body == "see elsewhere");
            CHECK(f.server.requests_to("/target") == 0);
            f.finish();
        }
    }
}

TEST_CASE("transport - chunked and Content-Length bodies decode identically",
          "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            // Sizes around the server's chunk sizes and common buffer sizes,
            // plus a body well over 1 MiB.
            const std::vector<size_t> sizes = {0, 1, 100, 4095, 4096, 4097, 65536,
                                               3 * 1024 * 1024 + 17};
            for (const auto framing :
                 {scripted_reply::framing::content_length, scripted_reply::framing::chunked}) {
                const bool chunked = framing == scripted_reply::framing::chunked;
                for (const size_t size : sizes) {
                    const std::string path = std::string(chunked ? "/chunked/" : "/sized/") +
                                             std::to_string(size);
                    const std::string body = pattern_bytes(size, static_cast<uint32_t>(size));
                    f.server.route(path, [body, framing](const seen_request &) {
                        scripted_reply reply;
                        reply.body = body;
                        reply.frame = framing;
                        return reply;
                    });

                    const auto answer = f.fetch(f.spec(path));
                    INFO(path << ": " << transport_error_name(answer.transport_error) << " "
                              << answer.error_message.value_or(""));
                    REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
                    CHECK(answer.status == 200);
                    CHECK(answer.body.size() == size);
                    CHECK(answer.body == body);
                }
            }
            f.finish();
        }
    }
}

TEST_CASE("transport - a body of exactly max_body_bytes is accepted", "[conformance]") {
    for (const auto &plugin : transports_under_test()) {
        DYNAMIC_SECTION(plugin.name) {
            transport_fixture f(plugin);
            const std::string body = pattern_bytes(64 * 1024);
            for (const auto framing :
                 {scripted_reply::framing::content_length, scripted_reply::framing::chunked}) {
                const std::string path =
                    framing == scripted_reply::framing::chunked ? "/exact/chunked" : "/exact";
                f.server.route(path, [&body, framing](const seen_request &) {
                    scripted_reply reply;
                    reply.body = body;
                    reply.frame = framing;
                    return reply;
                });

                auto spec = f.spec(path);
                spec.max_body_bytes = body.size();
                const auto answer = f.fetch(spec);
                INFO(path << ": " << transport_error_name(answer.transport_error));
                REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
                CHECK(answer.body == body);
            }
            f.finish();
        }
    }
}
