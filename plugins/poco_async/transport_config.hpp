// transport_config: reads the plugin's [transport.poco_async] table.
//
// Keys (all optional):
//   max_in_flight         1..10000, default 50: requests served at once.
//   idle_timeout_ms       1..86400000, default: each request's own total
//                         timeout. A request fails with
//                         FC_TRANSPORT_TIMEOUT when no byte moves for this
//                         long after its connection is up.
//   pool_idle_timeout_ms  1..3600000, default 30000: how long an unused
//                         keep-alive connection stays in the pool.
//   dns_cache_ms          0..3600000, default 10000: how long a resolved
//                         host name is reused; 0 disables the cache.
//   accept_encoding       bool, default true: offer gzip and deflate and
//                         decode the body (max_body_bytes then limits the
//                         decoded size), as the curl_threads transport does.
//
// Ownership: plain values. Threading: called once, from create().
#pragma once

#include "reactor_loop.hpp"

#include <fetchctl/plugin.h>

namespace fetchctl::poco_async {

/// Fills `out` from the host's config. Returns false when a key holds a
/// bad value; the host has then been told (through config_error, or by its
/// own getter for a wrong type) and create() must fail.
bool read_config(const fc_host_v1 &host, loop_config &out);

} // namespace fetchctl::poco_async
