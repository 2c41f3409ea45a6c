// Unit tests of poco_async's response_parser (and through it the chunked
// decoder): every framing, fed whole and one byte at a time, and every
// bound that protects the transport from a bad server.
#include "response_parser.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using fetchctl::poco_async::response_parser;
using status = response_parser::status;
using failure = response_parser::failure;

namespace {

response_parser::limits with_body_limit(uint64_t max_body) {
    response_parser::limits lim;
    lim.max_body_bytes = max_body;
    return lim;
}

/// Feeds `text` in pieces of `step` bytes until the parser stops asking
/// for more. Returns the final status; `consumed` gets the bytes taken.
status feed_in_steps(response_parser &parser, const std::string &text, std::size_t step,
                     std::size_t &consumed) {
    consumed = 0;
    status st = status::need_more;
    while (consumed < text.size()) {
        const std::size_t n = std::min(step, text.size() - consumed);
        std::size_t used = 0;
        st = parser.feed(text.data() + consumed, n, used);
        consumed += used;
        if (st != status::need_more) {
            break;
        }
        REQUIRE(used == n); // while incomplete, everything is consumed
    }
    return st;
}

status feed_in_steps(response_parser &parser, const std::string &text, std::size_t step) {
    std::size_t consumed = 0;
    return feed_in_steps(parser, text, step, consumed);
}

std::string header_value(const response_parser &parser, const std::string &name) {
    for (const auto &[n, v] : parser.headers()) {
        if (fetchctl::poco_async::iequals(n, name.c_str())) {
            return v;
        }
    }
    return "<absent>";
}

} // namespace

TEST_CASE("parser - a Content-Length response, whole or byte by byte", "[poco_async][parser]") {
    const std::string text = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: text/plain\r\n"
                             "X-Multi: one\r\n"
                             "X-Multi: two\r\n"
                             "Content-Length: 11\r\n"
                             "\r\n"
                             "hello world";
    for (const std::size_t step : {text.size(), std::size_t{1}, std::size_t{7}}) {
        DYNAMIC_SECTION("step " << step) {
            response_parser p({}, false);
            REQUIRE(feed_in_steps(p, text, step) == status::complete);
            CHECK(p.status_code() == 200);
            CHECK(p.reason() == "OK");
            CHECK(p.body() == "hello world");
            CHECK(p.body_framing() == response_parser::framing::content_length);
            CHECK(header_value(p, "content-type") == "text/plain");
            CHECK(p.keep_alive());

            std::size_t multi = 0;
            for (const auto &[name, value] : p.headers()) {
                multi += name == "X-Multi" ? 1 : 0;
            }
            CHECK(multi == 2);
        }
    }
}

TEST_CASE("parser - chunked with extensions and trailers, byte by byte",
          "[poco_async][parser][chunked]") {
    const std::string text = "HTTP/1.1 200 OK\r\n"
                             "Transfer-Encoding: chunked\r\n"
                             "\r\n"
                             "5;name=value\r\n"
                             "hello\r\n"
                             "1 ; ext\r\n"
                             " \r\n"
                             "A\r\n"
                             "0123456789\r\n"
                             "0;last\r\n"
                             "X-Checksum: abc\r\n"
                             "X-Other: def\r\n"
                             "\r\n";
    for (const std::size_t step : {text.size(), std::size_t{1}, std::size_t{3}}) {
        DYNAMIC_SECTION("step " << step) {
            response_parser p({}, false);
            std::size_t consumed = 0;
            REQUIRE(feed_in_steps(p, text, step, consumed) == status::complete);
            CHECK(consumed == text.size());
            CHECK(p.body() == "hello 0123456789");
            CHECK(p.body_framing() == response_parser::framing::chunked);
            REQUIRE(p.trailers().size() == 2);
            CHECK(p.trailers()[0].first == "X-Checksum");
            CHECK(p.trailers()[0].second == "abc");
            CHECK(p.keep_alive());
        }
    }
}

TEST_CASE("parser - chunked without trailers and with bare LF line ends",
          "[poco_async][parser][chunked]") {
    response_parser p({}, false);
    const std::string text = "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
                             "3\nabc\n0\n\n";
    REQUIRE(feed_in_steps(p, text, 1) == status::complete);
    CHECK(p.body() == "abc");
    CHECK(p.trailers().empty());
}

TEST_CASE("parser - a body delimited by the close", "[poco_async][parser]") {
    response_parser p({}, false);
    const std::string text = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome bytes";
    REQUIRE(feed_in_steps(p, text, 1) == status::need_more);
    CHECK(p.headers_complete());
    CHECK(p.body_framing() == response_parser::framing::until_close);

    REQUIRE(p.finish() == status::complete);
    CHECK(p.body() == "some bytes");
    CHECK_FALSE(p.keep_alive());
}

TEST_CASE("parser - keep-alive follows the version and the Connection header",
          "[poco_async][parser]") {
    struct keep_case {
        const char *head;
        bool keep;
    };
    const keep_case cases[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
        {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
        {"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", false},
        {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true},
        // Both framings at once: Transfer-Encoding wins, but the connection
        // is not trusted afterwards.
        {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         false},
    };
    for (const auto &c : cases) {
        INFO(c.head);
        response_parser p({}, false);
        REQUIRE(feed_in_steps(p, c.head, 1000) == status::complete);
        CHECK(p.keep_alive() == c.keep);
    }
}

TEST_CASE("parser - responses without a body", "[poco_async][parser]") {
    SECTION("204 and 304 ignore a Content-Length") {
        for (const char *head : {"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
                                 "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"}) {
            response_parser p({}, false);
            REQUIRE(feed_in_steps(p, head, 1) == status::complete);
            CHECK(p.body().empty());
            CHECK(p.keep_alive());
        }
    }
    SECTION("a HEAD response has no body whatever it says") {
        response_parser p({}, true);
        REQUIRE(feed_in_steps(p, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", 1) ==
                status::complete);
        CHECK(p.body().empty());
        CHECK(header_value(p, "Content-Length") == "1234");
    }
}

TEST_CASE("parser - interim 1xx responses are skipped", "[poco_async][parser]") {
    response_parser p({}, false);
    const std::string text = "HTTP/1.1 100 Continue\r\n\r\n"
                             "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                             "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    REQUIRE(feed_in_steps(p, text, 1) == status::complete);
    CHECK(p.status_code() == 201);
    CHECK(p.body() == "ok");
    CHECK(header_value(p, "Link") == "<absent>");
}

TEST_CASE("parser - bytes after the response are not consumed", "[poco_async][parser]") {
    response_parser p({}, false);
    const std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
    std::size_t used = 0;
    REQUIRE(p.feed(text.data(), text.size(), used) == status::complete);
    CHECK(used == text.size() - 5);
    CHECK(p.body() == "ok");
}

TEST_CASE("parser - oversized headers are a protocol error", "[poco_async][parser][limits]") {
    response_parser::limits lim;
    lim.max_header_bytes = 1024;
    std::string text = "HTTP/1.1 200 OK\r\n";
    while (text.size() < 4096) {
        text += "X-Filler: " + std::string(50, 'f') + "\r\n";
    }
    text += "\r\n";

    for (const std::size_t step : {text.size(), std::size_t{1}}) {
        DYNAMIC_SECTION("step " << step) {
            response_parser p(lim, false);
            std::size_t consumed = 0;
            REQUIRE(feed_in_steps(p, text, step, consumed) == status::failed);
            CHECK(p.error() == failure::protocol);
            CHECK(p.error_message().find("longer than 1024") != std::string::npos);
            // Bounded: it never takes in much more than the limit.
            CHECK(consumed <= lim.max_header_bytes + 1);
        }
    }

    SECTION("a header block of exactly the limit is fine") {
        std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: ";
        head += std::string(lim.max_header_bytes - head.size() - 4, 'p') + "\r\n\r\n";
        REQUIRE(head.size() == lim.max_header_bytes);
        response_parser p(lim, false);
        CHECK(feed_in_steps(p, head, 1) == status::complete);
    }
}

TEST_CASE("parser - more than a hundred header fields are accepted", "[poco_async][parser]") {
    std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
    for (int i = 0; i < 300; ++i) {
        text += "X-Field-" + std::to_string(i) + ": " + std::to_string(i) + "\r\n";
    }
    text += "\r\n";
    response_parser p({}, false);
    REQUIRE(feed_in_steps(p, text, 4096) == status::complete);
    CHECK(p.headers().size() == 301);
}

TEST_CASE("parser - bad chunk sizes are protocol errors", "[poco_async][parser][chunked]") {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const char *bodies[] = {
        "zz\r\nhello\r\n0\r\n\r\n",                 // not hex
        "\r\n",                                       // empty size
        "-5\r\nhello\r\n0\r\n\r\n",                   // sign
        "5 x\r\nhello\r\n0\r\n\r\n",                  // junk after the size
        "10000000000000000\r\n",                      // over 64 bits
        "3\r\nabcX\r\n0\r\n\r\n",                     // data longer than the size
        "3;ext\x01\r\nabc\r\n0\r\n\r\n",              // control character
    };
    for (const char *body : bodies) {
        INFO(body);
        response_parser p({}, false);
        REQUIRE(feed_in_steps(p, head + body, 1) == status::failed);
        CHECK(p.error() == failure::protocol);
    }

    SECTION("a chunk-size line without end is bounded") {
        response_parser p({}, false);
        const std::string endless = head + "5" + std::string(10000, ' ');
        REQUIRE(feed_in_steps(p, endless, 1) == status::failed);
        CHECK(p.error() == failure::protocol);
    }
}

TEST_CASE("parser - bodies over max_body_bytes are TOO_LARGE", "[poco_async][parser][limits]") {
    const uint64_t limit = 10;

    SECTION("Content-Length over the limit fails before any body byte") {
        response_parser p(with_body_limit(limit), false);
        REQUIRE(feed_in_steps(p, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", 1) ==
                status::failed);
        CHECK(p.error() == failure::too_large);
    }
    SECTION("Content-Length at the limit is fine") {
        response_parser p(with_body_limit(limit), false);
        CHECK(feed_in_steps(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 1) ==
              status::complete);
    }
    SECTION("chunked: one byte over across chunks") {
        response_parser p(with_body_limit(limit), false);
        const std::string text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "6\r\n012345\r\n5\r\n67890\r\n0\r\n\r\n";
        REQUIRE(feed_in_steps(p, text, 1) == status::failed);
        CHECK(p.error() == failure::too_large);
        CHECK(p.body().size() <= limit);
    }
    SECTION("chunked: exactly the limit") {
        response_parser p(with_body_limit(limit), false);
        const std::string text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n";
        CHECK(feed_in_steps(p, text, 1) == status::complete);
        CHECK(p.body() == "0123456789");
    }
    SECTION("a huge chunk size is refused without overflow") {
        response_parser p(with_body_limit(limit), false);
        const std::string text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "2\r\nab\r\nffffffffffffffff\r\n";
        REQUIRE(feed_in_steps(p, text, 1) == status::failed);
        CHECK(p.error() == failure::too_large);
    }
    SECTION("close-delimited over the limit") {
        response_parser p(with_body_limit(limit), false);
        REQUIRE(feed_in_steps(p, "HTTP/1.0 200 OK\r\n\r\n01234567890", 1) == status::failed);
        CHECK(p.error() == failure::too_large);
    }
}

TEST_CASE("parser - an early close is truncation", "[poco_async][parser]") {
    SECTION("before any byte") {
        response_parser p({}, false);
        REQUIRE(p.finish() == status::failed);
        CHECK(p.error() == failure::truncated);
        CHECK_FALSE(p.any_bytes());
    }
    SECTION("inside the headers") {
        response_parser p({}, false);
        REQUIRE(feed_in_steps(p, "HTTP/1.1 200 OK\r\nContent-Le", 1) == status::need_more);
        REQUIRE(p.finish() == status::failed);
        CHECK(p.error() == failure::truncated);
        CHECK(p.any_bytes());
    }
    SECTION("inside a Content-Length body") {
        response_parser p({}, false);
        REQUIRE(feed_in_steps(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234", 1) ==
                status::need_more);
        REQUIRE(p.finish() == status::failed);
        CHECK(p.error() == failure::truncated);
        CHECK(p.error_message().find("5 of 10") != std::string::npos);
    }
    SECTION("inside a chunked body") {
        response_parser p({}, false);
        REQUIRE(feed_in_steps(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
                              1) == status::need_more);
        REQUIRE(p.finish() == status::failed);
        CHECK(p.error() == failure::truncated);
    }
}

TEST_CASE("parser - what is not HTTP/1.x is a protocol error", "[poco_async][parser]") {
    const char *texts[] = {
        "SSH-2.0-OpenSSH_9.2\r\n\r\n",
        "HTTP/1.1 OK fine\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/2 200\r\n\r\n",
        "HTTX/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    };
    for (const char *text : texts) {
        INFO(text);
        response_parser p({}, false);
        REQUIRE(feed_in_steps(p, text, 1) == status::failed);
        CHECK(p.error() == failure::protocol);
    }

    SECTION("a repeated, equal Content-Length is tolerated") {
        response_parser p({}, false);
        REQUIRE(feed_in_steps(p, "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nhi", 1) ==
                status::complete);
        CHECK(p.body() == "hi");
    }
}

TEST_CASE("parser - after the end, feeding consumes nothing", "[poco_async][parser]") {
    response_parser p({}, false);
    REQUIRE(feed_in_steps(p, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 5) ==
            status::complete);
    std::size_t used = 99;
    CHECK(p.feed("more", 4, used) == status::complete);
    CHECK(used == 0);
    CHECK(p.finish() == status::complete);
}
