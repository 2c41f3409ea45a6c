// curl_settings: reads and validates the plugin's config (see the header).
#include "curl_settings.hpp"

#include <string>

namespace fetchctl::curl_threads {

namespace {

// Each reader returns false only when the host rejected the key; an absent
// key leaves the default in place.

bool read_bool(const fc_host_v1 &host, const char *key, bool &value) {
    int32_t raw = 0;
    const int32_t rc = host.config_bool(host.host_ctx, key, &raw);
    if (rc == FC_OK) {
        value = raw != 0;
        return true;
    }
    return rc == FC_NOT_FOUND;
}

bool read_optional_string(const fc_host_v1 &host, const char *key,
                          std::optional<std::string> &value) {
    const char *raw = nullptr;
    const int32_t rc = host.config_string(host.host_ctx, key, &raw);
    if (rc == FC_OK && raw != nullptr) {
        value = std::string(raw);
        return true;
    }
    return rc == FC_OK || rc == FC_NOT_FOUND;
}

bool read_threads(const fc_host_v1 &host, uint32_t &threads) {
    int64_t raw = 0;
    const int32_t rc = host.config_int(host.host_ctx, "threads", &raw);
    if (rc == FC_NOT_FOUND) {
        return true;
    }
    if (rc != FC_OK) {
        return false;
    }

    if (raw < min_threads || raw > max_threads) {
        const std::string why = "must be " + std::to_string(min_threads) + ".." +
                                std::to_string(max_threads) + ", saw " + std::to_string(raw);
        host.config_error(host.host_ctx, "threads", why.c_str());
        return false;
    }
    threads = static_cast<uint32_t>(raw);
    return true;
}

bool reject_empty(const fc_host_v1 &host, const char *key,
                  const std::optional<std::string> &value) {
    if (value && value->empty()) {
        host.config_error(host.host_ctx, key, "must not be empty; leave the key out instead");
        return false;
    }
    return true;
}

} // namespace

bool read_curl_settings(const fc_host_v1 &host, curl_settings &out) {
    // `&` rather than `&&` so a bad key does not hide the ones after it.
    bool ok = read_threads(host, out.threads);
    ok &= read_bool(host, "verify_tls", out.verify_tls);
    ok &= read_optional_string(host, "ca_bundle", out.ca_bundle);
    ok &= read_optional_string(host, "proxy", out.proxy);
    ok &= read_bool(host, "accept_encoding", out.accept_encoding);

    ok &= reject_empty(host, "ca_bundle", out.ca_bundle);
    ok &= reject_empty(host, "proxy", out.proxy);
    return ok;
}

} // namespace fetchctl::curl_threads
