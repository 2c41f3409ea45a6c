// conformance_host: an fc_host_v1 for tests, backed by a std::map of config
// values instead of a TOML file.
//
// It records what a plugin does with it: every log line, every key read,
// every config_error(). The host struct it hands out points back at this
// object, so the object must outlive every plugin instance created with it.
//
// Threading: all host functions may be called from any thread, as the ABI
// allows; the recorded state is guarded by one mutex. Config values are set
// before the plugin is created and not changed while it runs.
#pragma once

#include <fetchctl/plugin.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace fetchctl::conformance {

class conformance_host {
public:
    using value = std::variant<int64_t, double, bool, std::string, std::vector<std::string>>;

    struct log_line {
        int32_t level;
        std::string message;
    };

    conformance_host();

    conformance_host(const conformance_host &) = delete;
    conformance_host &operator=(const conformance_host &) = delete;

    /// Sets a config key the plugin may read. Call before create().
    void set(const std::string &key, value v);

    /// The struct to pass to a plugin's create(); valid while this object
    /// lives.
    const fc_host_v1 *host() const noexcept { return &host_; }

    std::vector<log_line> logs() const;
    /// Messages passed to config_error(), as "key: message".
    std::vector<std::string> config_errors() const;
    /// True when any log line at `level` or above contains `needle`.
    bool logged(int32_t level, const std::string &needle) const;

private:
    static void on_log(void *ctx, int32_t level, const char *message);
    static int32_t on_string(void *ctx, const char *key, const char **out);
    static int32_t on_int(void *ctx, const char *key, int64_t *out);
    static int32_t on_double(void *ctx, const char *key, double *out);
    static int32_t on_bool(void *ctx, const char *key, int32_t *out);
    static int32_t on_string_at(void *ctx, const char *key, size_t index, const char **out);
    static int32_t on_config_error(void *ctx, const char *key, const char *message);

    const value *find(const char *key) const;

    fc_host_v1 host_{};
    std::map<std::string, value> config_;

    mutable std::mutex mutex_;
    std::vector<log_line> logs_;
    std::vector<std::string> config_errors_;
};

} // namespace fetchctl::conformance
