// Checks of curl_threads' own config keys and choices, which the generic
// conformance suite cannot express. They run only when curl_threads is
// among the selected transports, so a poco_async run skips them.
#include "conformance_support.hpp"

#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdlib>

using namespace fetchctl::conformance;

namespace {

const loaded_transport *find_curl_threads() {
    for (const auto &plugin : selected_transports().transports) {
        if (plugin.name == "curl_threads") {
            return &plugin;
        }
    }
    return nullptr;
}

// gzip framing (windowBits 15 + 16) of `text`, as a server would send it.
std::string gzip(const std::string &text) {
    z_stream stream{};
    REQUIRE(deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&stream, text.size()), '\0');
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(text.data()));
    stream.avail_in = static_cast<uInt>(text.size());
    stream.next_out = reinterpret_cast<Bytef *>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    REQUIRE(rc == Z_STREAM_END);
    return out;
}

} // namespace

TEST_CASE("curl_threads - threads sets max_in_flight and is range-checked",
          "[curl_threads]") {
    const loaded_transport *plugin = find_curl_threads();
    if (plugin == nullptr) {
        return;
    }

    SECTION("a valid count is used and logged") {
        conformance_host host;
        host.set("threads", int64_t{3});
        completion_collector collector;
        transport_under_test transport(*plugin, host, collector);
        REQUIRE(transport.created());
        CHECK(transport.max_in_flight() == 3);
        CHECK(host.logged(FC_LOG_INFO, "3 threads"));
    }
    SECTION("the default is 10") {
        conformance_host host;
        completion_collector collector;
        transport_under_test transport(*plugin, host, collector);
        REQUIRE(transport.created());
        CHECK(transport.max_in_flight() == 10);
    }
    for (const int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{1025}}) {
        DYNAMIC_SECTION("threads = " << bad << " is refused") {
            conformance_host host;
            host.set("threads", bad);
            completion_collector collector;
            transport_under_test transport(*plugin, host, collector);
            CHECK_FALSE(transport.created());
            const auto errors = host.config_errors();
            REQUIRE(errors.size() == 1);
            CHECK(errors.front().rfind("threads:", 0) == 0);
        }
    }
    SECTION("a value of the wrong type fails create") {
        conformance_host host;
        host.set("verify_tls", std::string("yes"));
        completion_collector collector;
        transport_under_test transport(*plugin, host, collector);
        CHECK_FALSE(transport.created());
    }
    SECTION("an empty proxy is refused rather than read as 'no proxy'") {
        conformance_host host;
        host.set("proxy", std::string());
        completion_collector collector;
        transport_under_test transport(*plugin, host, collector);
        CHECK_FALSE(transport.created());
        CHECK(host.config_errors().size() == 1);
    }
}

TEST_CASE("curl_threads - proxies in the environment are ignored", "[curl_threads]") {
    const loaded_transport *plugin = find_curl_threads();
    if (plugin == nullptr) {
        return;
    }

    // Point every proxy variable at a closed loopback port. Set before the
    // instance starts and cleared after it is gone, so no thread reads the
    // environment while it changes.
    const std::string dead = "http://127.0.0.1:" + std::to_string(closed_loopback_port());
    const char *names[] = {"http_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"};
    for (const char *name : names) {
        setenv(name, dead.c_str(), 1);
    }
    {
        transport_fixture f(*plugin);
        f.server.route("/direct", [](const seen_request &) {
            scripted_reply reply;
            reply.body = "direct";
            return reply;
        });
        const auto answer = f.fetch(f.spec("/direct"));
        INFO(transport_error_name(answer.transport_error) << " "
                                                          << answer.error_message.value_or(""));
        CHECK(answer.transport_error == FC_TRANSPORT_OK);
        CHECK(answer.body == "direct");
        f.finish();
    }
    for (const char *name : names) {
        unsetenv(name);
    }
}

TEST_CASE("curl_threads - gzip bodies are decoded when accept_encoding is on",
          "[curl_threads]") {
    const loaded_transport *plugin = find_curl_threads();
    if (plugin == nullptr) {
        return;
    }

    const std::string text = "{\"orders\":[" + std::string(5000, '7') + "]}";
    const std::string packed = gzip(text);
    auto serve_gzip = [&packed, &text](const seen_request &request) {
        scripted_reply reply;
        const auto offer = request.headers.find("accept-encoding");
        if (offer != request.headers.end() && offer->second.find("gzip") != std::string::npos) {
            reply.headers = {{"Content-Encoding", "gzip"}};
            reply.body = packed;
        } else {
            reply.body = text;
        }
        return reply;
    };

    SECTION("on by default: offered and decoded") {
        transport_fixture f(*plugin);
        f.server.route("/gz", serve_gzip);
        const auto answer = f.fetch(f.spec("/gz"));
        REQUIRE(answer.transport_error == FC_TRANSPORT_OK);
        CHECK(answer.header("Content-Encoding") == std::optional<std::string>("gzip"));
        CHECK(answer.body == text);
        f.finish();
    }
    SECTION("off: not offered, so the server sends plain text") {
        conformance_host host;
        host.set("accept_encoding", false);
        completion_collector collector;
        test_http_server server;
        server.route("/gz", serve_gzip);
        transport_under_test transport(*plugin, host, collector);
        REQUIRE(transport.created());
        request_spec spec;
        spec.id = 1;
        spec.url = server.url("/gz");
        REQUIRE(transport.submit(spec) == FC_OK);
        const auto answer = collector.wait_for(1, 20s);
        REQUIRE(answer.has_value());
        REQUIRE(answer->transport_error == FC_TRANSPORT_OK);
        CHECK_FALSE(answer->header("Content-Encoding").has_value());
        CHECK(answer->body == text);
    }
    SECTION("the limit applies to the decoded body") {
        transport_fixture f(*plugin);
        f.server.route("/gz", serve_gzip);
        auto spec = f.spec("/gz");
        spec.max_body_bytes = text.size() - 1;
        REQUIRE(packed.size() < spec.max_body_bytes);
        const auto answer = f.fetch(spec);
        CHECK(answer.transport_error == FC_TRANSPORT_TOO_LARGE);
        f.finish();
    }
}
