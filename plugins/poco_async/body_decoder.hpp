// body_decoder: undoes the Content-Encoding of a finished response body
// (gzip, x-gzip, deflate; identity is a no-op), so the host gets the bytes
// the server meant, as with the curl_threads transport.
//
// Decoding is bounded: it stops as soon as the decoded size would pass the
// limit, so a small compressed body cannot expand into unbounded memory (a
// "zip bomb"). Ownership: works on the caller's string. Threading: pure;
// runs on the reactor thread once a response is complete.
#pragma once

#include "response_parser.hpp" // header_list

#include <cstdint>
#include <string>

namespace fetchctl::poco_async {

enum class decode_status {
    ok,        ///< `body` now holds the decoded bytes (or was not encoded)
    too_large, ///< decoded, it would pass `max_decoded`
    failed,    ///< unknown coding or corrupt data; see `why`
};

/// Decodes `body` in place according to the Content-Encoding fields in
/// `headers` (codings applied in order, so undone in reverse), and checks
/// the result, encoded or not, against `max_decoded`. Throws only
/// std::bad_alloc.
decode_status decode_body(const header_list &headers, std::string &body, uint64_t max_decoded,
                          std::string &why);

} // namespace fetchctl::poco_async
