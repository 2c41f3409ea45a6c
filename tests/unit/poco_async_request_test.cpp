// Unit tests of poco_async's request side: URL parsing into a target, the
// request head the transport writes, and decoding of compressed bodies.
#include "body_decoder.hpp"
#include "http_target.hpp"
#include "request_writer.hpp"

#include <Poco/DeflatingStream.h>

#include <catch2/catch.hpp>

#include <sstream>

using namespace fetchctl::poco_async;

TEST_CASE("target - http URLs become host, port and raw request-target",
          "[poco_async][target]") {
    const auto r = parse_target("http://Example.COM:8080/a%2Fb/c?x=1&y=%20#frag");
    REQUIRE(r.error == target_error::none);
    CHECK(r.target.host == "example.com");
    CHECK(r.target.port == 8080);
    // Escapes stay as written: %2F is not a path separator.
    CHECK(r.target.request_target == "/a%2Fb/c?x=1&y=%20");
    CHECK(r.target.host_header == "example.com:8080");
    CHECK(r.target.pool_key == "example.com:8080");

    const auto bare = parse_target("http://127.0.0.1");
    REQUIRE(bare.error == target_error::none);
    CHECK(bare.target.port == 80);
    CHECK(bare.target.request_target == "/");
    CHECK(bare.target.host_header == "127.0.0.1");

    const auto query_only = parse_target("http://h?q=1");
    REQUIRE(query_only.error == target_error::none);
    CHECK(query_only.target.request_target == "/?q=1");

    const auto v6 = parse_target("http://[::1]:9000/p");
    REQUIRE(v6.error == target_error::none);
    CHECK(v6.target.host == "::1");
    CHECK(v6.target.host_header == "[::1]:9000");
}

TEST_CASE("target - https and other schemes are refused with a reason",
          "[poco_async][target]") {
    const auto tls = parse_target("https://example.com/x");
    CHECK(tls.error == target_error::tls_unsupported);
    CHECK(tls.message.find("https") != std::string::npos);

    CHECK(parse_target("ftp://example.com/x").error == target_error::unsupported_scheme);
    CHECK(parse_target("").error == target_error::invalid);
    CHECK(parse_target("http://exa mple.com/").error == target_error::invalid);
    CHECK(parse_target("http:///path").error == target_error::invalid);
    CHECK(parse_target("http://h:99999/").error == target_error::invalid);
}

TEST_CASE("target - the caching parser answers as parse_target does", "[poco_async][target]") {
    // Same authority again and again (the cached path), then changes of
    // host, scheme and port, and paths Poco refuses.
    const char *urls[] = {
        "http://Example.com:8080/items/1",  "http://Example.com:8080/items/2?x=1#f",
        "http://Example.com:8080/bad%zz",   "http://Example.com:8080/end%4",
        "http://Example.com:8080/ok%41%2F", "http://Example.com:8080",
        "http://Example.com:8080?q=1",      "http://Example.com:8080/sp ace",
        "http://Example.com:80/items/3",    "https://Example.com:8080/items/4",
        "http://Example.com:8080/items/5",  "http://[::1]:9000/a",
        "http://[::1]:9000/b",              "ftp://Example.com:8080/c",
        "http://Example.com:8080/items/6",  "http://Example.com:8080/frag#%zz",
    };
    target_parser parser;
    for (const char *url : urls) {
        INFO(url);
        const target_result expected = parse_target(url);
        const target_result got = parser.parse(url);
        CHECK(got.error == expected.error);
        CHECK(got.message == expected.message);
        CHECK(got.target.host == expected.target.host);
        CHECK(got.target.port == expected.target.port);
        CHECK(got.target.request_target == expected.target.request_target);
        CHECK(got.target.host_header == expected.target.host_header);
        CHECK(got.target.pool_key == expected.target.pool_key);
    }
}

TEST_CASE("request - the head carries defaults unless the caller sets them",
          "[poco_async][request]") {
    const auto target = parse_target("http://127.0.0.1:8080/items?id=7").target;
    built_request out;
    std::string why;

    SECTION("defaults") {
        REQUIRE(build_request("GET", target, {{"X-Tag", "a b"}}, false, out, why));
        CHECK(out.bytes == "GET /items?id=7 HTTP/1.1\r\n"
                           "Host: 127.0.0.1:8080\r\n"
                           "Connection: keep-alive\r\n"
                           "Accept-Encoding: identity\r\n"
                           "X-Tag: a b\r\n"
                           "\r\n");
        CHECK_FALSE(out.wants_close);
        CHECK_FALSE(out.head_method);
    }
    SECTION("the caller's own Host, Connection and Accept-Encoding win") {
        REQUIRE(build_request("HEAD", target,
                              {{"host", "api.example"},
                               {"Connection", "close"},
                               {"Accept-Encoding", "gzip"}},
                              true, out, why));
        CHECK(out.bytes == "HEAD /items?id=7 HTTP/1.1\r\n"
                           "host: api.example\r\n"
                           "Connection: close\r\n"
                           "Accept-Encoding: gzip\r\n"
                           "\r\n");
        CHECK(out.wants_close);
        CHECK(out.head_method);
        CHECK_FALSE(out.decode_body); // the caller asked, the caller decodes
    }
    SECTION("compression is offered, and then decoded, only when enabled") {
        REQUIRE(build_request("GET", target, {}, true, out, why));
        CHECK(out.bytes.find("Accept-Encoding: gzip, deflate\r\n") != std::string::npos);
        CHECK(out.decode_body);
    }
    SECTION("a POST without a body says so") {
        REQUIRE(build_request("POST", target, {}, false, out, why));
        CHECK(out.bytes.find("Content-Length: 0\r\n") != std::string::npos);
    }
}

TEST_CASE("request - values that would break the framing are refused",
          "[poco_async][request]") {
    const auto target = parse_target("http://127.0.0.1/").target;
    built_request out;
    std::string why;
    CHECK_FALSE(
        build_request("GET", target, {{"X-Evil", "a\r\nInjected: yes"}}, false, out, why));
    CHECK_FALSE(build_request("GET", target, {{"Bad Name", "x"}}, false, out, why));
    CHECK_FALSE(build_request("GET", target, {{"", "x"}}, false, out, why));
    CHECK_FALSE(build_request("GE T", target, {}, false, out, why));
    CHECK_FALSE(build_request("", target, {}, false, out, why));
    CHECK(build_request("GET", target, {{"X-Empty", ""}}, false, out, why));
}

namespace {

std::string compress(const std::string &text, Poco::DeflatingStreamBuf::StreamType type) {
    std::ostringstream packed;
    Poco::DeflatingOutputStream deflater(packed, type);
    deflater << text;
    deflater.close();
    return packed.str();
}

} // namespace

TEST_CASE("decoder - gzip and deflate bodies are decoded within the limit",
          "[poco_async][decoder]") {
    const std::string text = "{\"orders\":[" + std::string(5000, '7') + "]}";
    std::string why;

    SECTION("gzip") {
        std::string body = compress(text, Poco::DeflatingStreamBuf::STREAM_GZIP);
        REQUIRE(decode_body({{"Content-Encoding", "gzip"}}, body, text.size(), why) ==
                decode_status::ok);
        CHECK(body == text);
    }
    SECTION("deflate (zlib)") {
        std::string body = compress(text, Poco::DeflatingStreamBuf::STREAM_ZLIB);
        REQUIRE(decode_body({{"content-encoding", "Deflate"}}, body, text.size(), why) ==
                decode_status::ok);
        CHECK(body == text);
    }
    SECTION("the limit applies to the decoded size") {
        std::string body = compress(text, Poco::DeflatingStreamBuf::STREAM_GZIP);
        REQUIRE(body.size() < 200);
        CHECK(decode_body({{"Content-Encoding", "gzip"}}, body, text.size() - 1, why) ==
              decode_status::too_large);
    }
    SECTION("identity, or no Content-Encoding, leaves the body alone") {
        std::string body = "plain";
        CHECK(decode_body({{"Content-Encoding", "identity"}}, body, 100, why) ==
              decode_status::ok);
        CHECK(decode_body({}, body, 100, why) == decode_status::ok);
        CHECK(body == "plain");
        CHECK(decode_body({}, body, 4, why) == decode_status::too_large);
    }
    SECTION("unknown codings and corrupt data fail") {
        std::string body = "not brotli";
        CHECK(decode_body({{"Content-Encoding", "br"}}, body, 100, why) ==
              decode_status::failed);
        std::string corrupt = "definitely not gzip data";
        CHECK(decode_body({{"Content-Encoding", "gzip"}}, corrupt, 100, why) ==
              decode_status::failed);
    }
}
