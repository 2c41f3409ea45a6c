// http_target: turns a request URL into what the transport needs to send
// it: the host and port to connect to, the request-target for the request
// line, the Host header, and the key of the connection pool to use.
//
// Ownership: plain values. Threading: pure functions, called on the host's
// submit thread so that a bad URL fails before anything is queued.
#pragma once

#include <cstdint>
#include <string>

namespace fetchctl::poco_async {

struct http_target {
    /// The host as written in the URL, lower-cased, without IPv6 brackets.
    std::string host;
    uint16_t port = 80;
    /// "/path?query" exactly as the URL spells it (percent-escapes kept),
    /// without the fragment; "/" when the URL has no path.
    std::string request_target;
    /// The Host header value: host, bracketed if IPv6, plus ":port" when
    /// the port is not 80.
    std::string host_header;
    /// Connections are pooled per "host:port".
    std::string pool_key;
};

enum class target_error {
    none,
    invalid,            ///< not a URL we can send
    unsupported_scheme, ///< neither http nor https
    tls_unsupported,    ///< https: this transport speaks plain HTTP only
};

struct target_result {
    target_error error = target_error::none;
    std::string message; ///< why, when error is not none; never the full URL
    http_target target;
};

/// Parses `url` with Poco::URI. Never throws except std::bad_alloc.
target_result parse_target(const std::string &url);

/// parse_target with a memory of the last URL's scheme and authority: a
/// job's URLs differ only in their path, and Poco::URI was a third of the
/// submit cost, so a URL that starts like the last good one only has its
/// path and query checked (printable, no spaces, well-formed %-escapes, as
/// Poco would insist) and reuses the rest. Same results as parse_target.
/// One instance per submitting thread.
class target_parser {
public:
    target_result parse(const std::string &url);

private:
    std::string authority_prefix_; // "http://host:port" of `last_`, or ""
    http_target last_;
};

} // namespace fetchctl::poco_async
