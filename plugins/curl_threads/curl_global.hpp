// curl_global: libcurl's process-wide initialisation, done once.
//
// Ownership: process-wide state inside libcurl (and OpenSSL beneath it).
// Threading: safe to call from any thread, any number of times.
#pragma once

#include <string>

namespace fetchctl::curl_threads {

/// Runs curl_global_init() the first time any thread calls this in the
/// process, and reports that first call's outcome on every later call.
/// Returns true on success; on failure fills `why` and returns false, and
/// no curl handle may be created.
bool ensure_curl_global_init(std::string &why);

} // namespace fetchctl::curl_threads
