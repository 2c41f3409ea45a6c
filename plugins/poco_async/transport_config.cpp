// transport_config: see transport_config.hpp for the keys.
#include "transport_config.hpp"

#include <string>

namespace fetchctl::poco_async {

namespace {

/// Reads one integer key into `value`, leaving it alone when absent.
bool read_int(const fc_host_v1 &host, const char *key, int64_t min, int64_t max,
              uint32_t &value) {
    int64_t raw = 0;
    const int32_t rc = host.config_int(host.host_ctx, key, &raw);
    if (rc == FC_NOT_FOUND) {
        return true;
    }
    if (rc != FC_OK) {
        return false; // wrong type: the host has reported it
    }
    if (raw < min || raw > max) {
        const std::string message =
            "must be between " + std::to_string(min) + " and " + std::to_string(max);
        host.config_error(host.host_ctx, key, message.c_str());
        return false;
    }
    value = static_cast<uint32_t>(raw);
    return true;
}

} // namespace

bool read_config(const fc_host_v1 &host, loop_config &out) {
    out = loop_config();

    // Read every key even after a bad one, so the host reports all the
    // problems at once and does not call the unread ones unknown.
    bool ok = read_int(host, "max_in_flight", 1, 10000, out.max_in_flight);
    ok = read_int(host, "idle_timeout_ms", 1, 86400000, out.idle_timeout_ms) && ok;
    ok = read_int(host, "pool_idle_timeout_ms", 1, 3600000, out.pool_idle_timeout_ms) && ok;
    ok = read_int(host, "dns_cache_ms", 0, 3600000, out.dns_cache_ms) && ok;

    int32_t offer = 1;
    const int32_t rc =
        host.config_bool != nullptr ? host.config_bool(host.host_ctx, "accept_encoding", &offer)
                                    : FC_NOT_FOUND;
    if (rc == FC_OK) {
        out.accept_encoding = offer != 0;
    } else if (rc != FC_NOT_FOUND) {
        ok = false; // wrong type: the host has reported it
    }
    return ok;
}

} // namespace fetchctl::poco_async
