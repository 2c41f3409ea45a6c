// curl_error_map: turns a finished transfer's CURLcode into an
// FC_TRANSPORT_* code, the only failure vocabulary the host understands.
//
// Ownership: none; pure functions. Threading: callable from any thread.
#pragma once

#include <curl/curl.h>

#include <cstdint>

namespace fetchctl::curl_threads {

/// What the worker knew about the transfer besides its CURLcode.
struct transfer_facts {
    /// Request bytes went out on a connection (CURLINFO_REQUEST_SIZE > 0).
    /// Splits a timeout into CONNECT (the server never saw the request, so
    /// a retry is always safe) and TIMEOUT (it may have acted on it).
    bool request_sent = false;
    /// The write callback refused the body for passing max_body_bytes.
    bool body_too_large = false;
};

/// Maps `code` to an FC_TRANSPORT_* value; CURLE_OK maps to
/// FC_TRANSPORT_OK. Every code libcurl may add later lands in
/// FC_TRANSPORT_OTHER, never in a class that would make the host retry
/// something it should not.
int32_t map_curl_error(CURLcode code, const transfer_facts &facts) noexcept;

} // namespace fetchctl::curl_threads
