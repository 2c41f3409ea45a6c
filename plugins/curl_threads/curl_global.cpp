// curl_global: one curl_global_init() per process (see curl_global.hpp).
#include "curl_global.hpp"

#include <curl/curl.h>

#include <mutex>

namespace fetchctl::curl_threads {

namespace {

std::once_flag init_once;
CURLcode init_result = CURLE_OK;

} // namespace

bool ensure_curl_global_init(std::string &why) {
    // curl_global_init() is only thread-safe in builds that report
    // CURL_VERSION_THREADSAFE, and two instances may be created from two
    // threads, so serialise the first call ourselves.
    //
    // There is deliberately no matching curl_global_cleanup(). It tears down
    // OpenSSL state that other code in this process (the host, another
    // plugin, another instance of this one) may be using at that moment, and
    // on builds without CURL_VERSION_THREADSAFE it is unsafe while any other
    // thread runs at all. The process exit reclaims what init allocated.
    std::call_once(init_once, [] { init_result = curl_global_init(CURL_GLOBAL_DEFAULT); });

    if (init_result != CURLE_OK) {
        why = std::string("curl_global_init failed: ") + curl_easy_strerror(init_result);
        return false;
    }
    return true;
}

} // namespace fetchctl::curl_threads
