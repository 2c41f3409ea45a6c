// request_writer: builds the bytes of one HTTP/1.1 request head.
//
// The transport adds Host, "Connection: keep-alive" and Accept-Encoding
// (gzip and deflate, or identity) unless the caller's headers set them, and
// refuses anything that could break the framing of the request (a CR or LF
// in a header, a method that is not a token), since that would let a value
// smuggle extra lines onto the wire.
//
// Ownership: plain values. Threading: pure; called on the submit thread.
#pragma once

#include "http_target.hpp"

#include <string>
#include <utility>
#include <vector>

namespace fetchctl::poco_async {

struct built_request {
    std::string bytes;        ///< the whole head, ending in the empty line
    bool head_method = false; ///< HEAD: the response has no body
    bool wants_close = false; ///< the caller sent "Connection: close"
    /// The transport offered gzip/deflate itself, so it must decode the
    /// body; a caller who sets Accept-Encoding gets the bytes as sent.
    bool decode_body = false;
};

/// Builds the request head into `out`. `offer_compression` sends
/// "Accept-Encoding: gzip, deflate" instead of "identity" when the caller
/// sets no Accept-Encoding. Returns false with a reason in `why` when the
/// method or a header cannot be sent as given. Throws only std::bad_alloc.
bool build_request(const std::string &method, const http_target &target,
                   const std::vector<std::pair<std::string, std::string>> &headers,
                   bool offer_compression, built_request &out, std::string &why);

} // namespace fetchctl::poco_async
