// response_parser: an incremental HTTP/1.x response parser with a pure
// "feed bytes, get a status" API, so it can be unit-tested and fuzzed
// without sockets.
//
// The status line and headers are collected (bounded by max_header_bytes)
// until the empty line, then read by read_response_head (head_reader.hpp). The
// body is framed as RFC 9112 section 6.3 says: no body (HEAD, 1xx, 204,
// 304), chunked (chunked_decoder), Content-Length, or until the server
// closes the connection. Interim 1xx responses are skipped.
//
// Ownership: owns the parsed status, headers and body until destroyed or
// reset. Threading: none; one parser serves one exchange on one thread.
#pragma once

#include "chunked_decoder.hpp"
#include "head_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fetchctl::poco_async {

class response_parser {
public:
    enum class status {
        need_more, ///< feed more bytes, or call finish() at end of stream
        complete,  ///< a whole final response has been read
        failed,    ///< see error() and error_message()
    };

    enum class failure {
        none,
        protocol,  ///< not valid HTTP/1.x, or headers over the limit
        too_large, ///< the body would pass max_body_bytes
        truncated, ///< the stream ended inside the response
    };

    /// How the body of the current response is delimited.
    enum class framing { unknown, none, content_length, chunked, until_close };

    struct limits {
        /// Status line plus header fields, each interim response counted
        /// on its own.
        std::size_t max_header_bytes = 64 * 1024;
        /// UINT64_MAX means unlimited.
        uint64_t max_body_bytes = UINT64_MAX;
    };

    /// `head_request` tells the parser that the response has no body
    /// whatever its headers say.
    response_parser(const limits &lim, bool head_request);
    ~response_parser();

    response_parser(const response_parser &) = delete;
    response_parser &operator=(const response_parser &) = delete;

    /// Consumes bytes from `data[0, size)`. `used` receives how many bytes
    /// belong to this response: all of them unless it completed inside the
    /// piece (the rest would be the start of something the server should
    /// not have sent, which makes the connection unusable). After complete
    /// or failed, further calls consume nothing and repeat the result.
    /// Throws only std::bad_alloc.
    status feed(const char *data, std::size_t size, std::size_t &used);

    /// Reports the end of the stream (the server closed). Completes a body
    /// delimited by the close; anything else unfinished fails as truncated.
    status finish();

    status state() const noexcept { return status_; }
    failure error() const noexcept { return failure_; }
    const std::string &error_message() const noexcept { return message_; }

    /// True once any byte of a response has been fed; a connection that
    /// fails before this may be retried (see connection.hpp).
    bool any_bytes() const noexcept { return any_bytes_; }
    bool headers_complete() const noexcept { return body_framing_ != framing::unknown; }

    /// Valid once headers_complete().
    int status_code() const noexcept { return status_code_; }
    const std::string &reason() const noexcept { return reason_; }
    const header_list &headers() const noexcept { return headers_; }
    framing body_framing() const noexcept { return body_framing_; }

    const std::string &body() const noexcept { return body_; }
    /// Moves the body out (once complete), leaving body() empty.
    std::string take_body() noexcept { return std::move(body_); }
    /// Moves the headers out (once complete), leaving headers() empty.
    header_list take_headers() noexcept { return std::move(headers_); }
    /// Trailer fields of a chunked body; valid once complete.
    const header_list &trailers() const noexcept;

    /// True when the connection may carry another request after this
    /// response: HTTP/1.1 without "Connection: close", or HTTP/1.0 with
    /// "Connection: keep-alive", and a body with a known end. Valid once
    /// complete.
    bool keep_alive() const noexcept { return keep_alive_; }

private:
    status fail(failure why, std::string message);
    status feed_head(const char *data, std::size_t size, std::size_t &used);
    bool parse_head();
    bool choose_framing(bool http11);
    status feed_body(const char *data, std::size_t size, std::size_t &used);

    limits limits_;
    bool head_request_;
    status status_ = status::need_more;
    failure failure_ = failure::none;
    std::string message_;
    bool any_bytes_ = false;

    std::string head_;          // the header block being collected
    std::size_t head_scan_ = 0; // where to resume looking for its end

    int status_code_ = 0;
    std::string reason_;
    header_list headers_;
    framing body_framing_ = framing::unknown;
    bool keep_alive_ = false;

    uint64_t content_left_ = 0;
    std::unique_ptr<chunked_decoder> chunked_;
    std::string body_;
};

/// Case-insensitive ASCII comparison, as HTTP field names need.
bool iequals(const std::string &a, const char *b) noexcept;

/// True when the comma-separated field value `list` holds `token`
/// (case-insensitive), e.g. has_token("keep-alive, Upgrade", "upgrade").
bool has_token(const std::string &list, const char *token);

} // namespace fetchctl::poco_async
