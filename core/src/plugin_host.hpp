// plugin_host: the services fetchctl hands one plugin instance (fc_host_v1).
//
// Logging goes to the core's logger, tagged with the instance's name
// ("transport.curl_threads"). Config getters read the plugin's own TOML
// table with the same checks and messages as the core's own keys; a wrong
// type or a value the plugin rejects is recorded here and thrown as a
// config_error once the plugin's create() returns. Keys the plugin never
// read are reported as unknown, so a typo never passes silently.
//
// Thread-safe: a plugin may log from any of its threads.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include "fetchctl/plugin.h"
#include "job_spec.hpp"
#include "toml_reader.hpp"

namespace fetchctl {

class plugin_host {
public:
    plugin_host(const plugin_choice &choice, const std::filesystem::path &config_file);
    plugin_host(const plugin_host &) = delete;
    plugin_host &operator=(const plugin_host &) = delete;

    /// The table to hand the plugin; valid while this object lives.
    const fc_host_v1 *abi() const { return &host_; }

    /// After create(): throws config_error for a recorded problem or an
    /// unknown key, calling `destroy` first when the instance was
    /// `created` (create() returned FC_OK), so nothing half-made survives.
    void check_after_create(bool created, const std::function<void()> &destroy) const;

    const std::string &instance_name() const { return instance_name_; }

    /// The last warning or error the plugin logged, cleared by the call;
    /// a rejected record's reason.
    std::string take_last_problem();

private:
    static void log(void *ctx, int32_t level, const char *message);
    static int32_t config_string(void *ctx, const char *key, const char **value);
    static int32_t config_int(void *ctx, const char *key, int64_t *value);
    static int32_t config_double(void *ctx, const char *key, double *value);
    static int32_t config_bool(void *ctx, const char *key, int32_t *value);
    static int32_t config_string_at(void *ctx, const char *key, size_t index,
                                    const char **value);
    static int32_t config_error(void *ctx, const char *key, const char *message);

    /// Runs a read under the lock; a config_error becomes FC_ERROR plus a
    /// recorded message.
    template <class Read> int32_t guarded(const char *key, Read &&read);

    fc_host_v1 host_{};
    std::string instance_name_;
    const toml::table *options_;
    mutable std::mutex mutex_;
    toml_reader reader_;
    std::string problem_;
    std::string last_logged_problem_;
};

} // namespace fetchctl
