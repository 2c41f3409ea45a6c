// sink_client: one sink plugin instance, seen from the core. Used from the
// scheduler thread only, which is what the ABI promises sink authors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "fetchctl/plugin.h"

namespace fetchctl {

class loaded_plugin;
class plugin_host;

class sink_client {
public:
    /// Creates the instance and opens `output` fresh, or at a checkpoint
    /// from an interrupted run. Throws config_error for a config problem
    /// and std::runtime_error when create() fails otherwise.
    sink_client(std::shared_ptr<const loaded_plugin> plugin, plugin_host &host,
                const std::string &output, const std::optional<std::string> &resume_checkpoint);
    ~sink_client();
    sink_client(const sink_client &) = delete;
    sink_client &operator=(const sink_client &) = delete;

    enum class write_result { written, rejected, failed };

    /// `rejected`: bad data, the item fails and the run goes on (the reason
    /// is in rejection_reason()); `failed`: the sink cannot go on.
    write_result write(const fc_record_v1 &record);

    /// Why the last record was rejected, from what the sink logged.
    std::string rejection_reason();

    /// Durably flushes; returns the checkpoint token, or nullopt on failure.
    std::optional<std::string> flush();

    std::string name() const;

private:
    std::shared_ptr<const loaded_plugin> plugin_;
    const fc_sink_v1 *table_;
    plugin_host &host_;
    void *instance_ = nullptr;
};

} // namespace fetchctl
