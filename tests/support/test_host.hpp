// test_host.hpp - an fc_host_v1 for tests, backed by an in-memory config.
//
// A test fills a test_host with config values (what the plugin's TOML table
// would hold), hands host() to a plugin's create(), and afterwards inspects
// what the plugin logged, which config values it rejected and which keys it
// never read. The getters follow plugin.h exactly: FC_NOT_FOUND for an
// absent key or an index past the end, FC_ERROR (with a recorded problem)
// for a value of another type.
//
// Ownership: the test_host owns every string it hands out; a pointer stays
// valid until that key is set again or the test_host is destroyed, so do
// not change a key while a plugin instance may hold its value. The
// test_host must outlive every plugin instance created with it.
//
// Threading: the fc_host_v1 functions may be called from any thread (a
// transport logs from its own threads). Setters are meant for the test's
// thread before create(); every accessor returns a copy under a lock.
//
// Build: add tests/support/test_host.cpp to the test executable's own
// sources and tests/support to its include path; it needs only the plugin
// API headers.
#pragma once

#include <fetchctl/plugin.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fetchctl::test {

class test_host {
public:
    /// One element of a config array (TOML arrays may mix types).
    using scalar = std::variant<bool, std::int64_t, double, std::string>;
    /// A config array.
    using array = std::vector<scalar>;
    /// Any config value.
    using value = std::variant<bool, std::int64_t, double, std::string, array>;

    /// One line the plugin logged through host().log.
    struct log_line {
        std::int32_t level; ///< FC_LOG_*
        std::string message;
    };

    /// A config value that was rejected: by a getter (wrong type) or by
    /// the plugin through config_error().
    struct config_problem {
        std::string key;
        std::string message;
        bool from_plugin; ///< true when reported through config_error()
    };

    test_host();
    test_host(const test_host &) = delete;
    test_host &operator=(const test_host &) = delete;

    /// Set a config key, replacing any earlier value.
    void set_string(const std::string &key, std::string text);
    void set_int(const std::string &key, std::int64_t number);
    void set_double(const std::string &key, double number);
    void set_bool(const std::string &key, bool flag);
    void set_strings(const std::string &key,
                     const std::vector<std::string> &items);
    void set_array(const std::string &key, array items);
    void set(const std::string &key, value v);

    /// Removes a key, as if the TOML table did not mention it.
    void erase(const std::string &key);

    /// The table to hand to a plugin; valid for this object's lifetime.
    const fc_host_v1 *host() const noexcept { return &host_; }

    /// Copies of what has been recorded so far.
    std::vector<log_line> logs() const;
    std::vector<config_problem> config_problems() const;

    /// Keys that were set but never read by any getter, sorted: what the
    /// real host would report as unknown keys.
    std::vector<std::string> unread_keys() const;

    /// True when some logged line at `min_level` or above contains
    /// `fragment`.
    bool logged(std::string_view fragment,
                std::int32_t min_level = FC_LOG_DEBUG) const;

    /// Also print each log line to stderr (off by default).
    void echo_logs(bool on);

    /// Forget recorded logs and problems (the config stays).
    void clear_records();

private:
    // The C side: host_ctx is `this`.
    static void on_log(void *ctx, std::int32_t level, const char *message);
    static std::int32_t on_string(void *ctx, const char *key,
                                  const char **out);
    static std::int32_t on_int(void *ctx, const char *key, std::int64_t *out);
    static std::int32_t on_double(void *ctx, const char *key, double *out);
    static std::int32_t on_bool(void *ctx, const char *key, std::int32_t *out);
    static std::int32_t on_string_at(void *ctx, const char *key,
                                     std::size_t index, const char **out);
    static std::int32_t on_config_error(void *ctx, const char *key,
                                        const char *message);

    // Marks `key` as read and returns its value, or null when absent.
    // Called with mutex_ held.
    const value *find(const char *key);
    std::int32_t wrong_type(const char *key, const char *expected);

    fc_host_v1 host_{};
    mutable std::mutex mutex_;
    std::map<std::string, value> config_;
    std::set<std::string> read_;
    std::vector<log_line> logs_;
    std::vector<config_problem> problems_;
    bool echo_ = false;
};

/// "debug", "info", "warn", "error" or "level <n>".
std::string level_name(std::int32_t level);

} // namespace fetchctl::test
