// gzip Content-Encoding for the `gzip` and `gzip-always` faults.
//
// Stateless functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace orders_server {

/// Compresses `body` into a gzip member (RFC 1952).
std::string gzip_compress(const std::string& body);

/// Whether an Accept-Encoding header value allows gzip: a `gzip` or `*`
/// token whose q-value is not zero.
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace orders_server
