// curl_settings: the [transport.curl_threads] config table, read once.
//
// Ownership: plain values copied out of the host's config at create() time;
// nothing is borrowed. Threading: read on the thread that calls create(),
// then shared read-only by every worker.
#pragma once

#include <fetchctl/plugin.h>

#include <cstdint>
#include <optional>
#include <string>

namespace fetchctl::curl_threads {

struct curl_settings {
    /// Worker threads, and so requests served at once. Key `threads`.
    uint32_t threads = 10;

    /// Verify the server certificate and host name. Key `verify_tls`.
    bool verify_tls = true;

    /// A PEM file of trusted CAs instead of the system store. Key `ca_bundle`.
    std::optional<std::string> ca_bundle;

    /// A proxy URL. Unset means no proxy at all, whatever the environment
    /// says. Key `proxy`.
    std::optional<std::string> proxy;

    /// Offer gzip/deflate/br and decode the body. Key `accept_encoding`.
    bool accept_encoding = true;
};

inline constexpr int64_t min_threads = 1;
inline constexpr int64_t max_threads = 1024;

/// Reads every key through `host`'s getters into `out`, starting from the
/// defaults above. Reads all keys even after a bad one, so the host never
/// reports a key it saw as unknown. Returns false if any key was rejected;
/// the host has then recorded the reason (wrong type, or config_error()).
bool read_curl_settings(const fc_host_v1 &host, curl_settings &out);

} // namespace fetchctl::curl_threads
