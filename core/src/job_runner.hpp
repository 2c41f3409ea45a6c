// job_runner: one `fetchctl run`, from the config file to the exit code.
//
// Loads and checks everything that can be checked before the first request
// (config, plugins, ids, output location, journal), then opens the sink
// (fresh, or at the journal's checkpoint when an earlier run of the same job
// was interrupted), starts the transport, runs the scheduler and prints the
// summary.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace fetchctl {

struct run_options {
    std::filesystem::path config;
    bool fresh = false; // ignore an interrupted run's journal and start over
    std::vector<std::filesystem::path> plugin_dirs; // searched before the rest
    std::filesystem::path summary_json; // also write the summary here, as JSON
    std::vector<std::string> overrides;  // "table.key=value", applied over the file
    std::filesystem::path record;        // write every answer here (see replay.hpp)
    std::filesystem::path replay;        // answer from this recording, no network
};

/// Runs the job; returns an exit_code. Errors are logged here.
int run_job(const run_options &options);

/// Checks the config and its plugins without touching the network or the
/// output; returns an exit_code.
int validate_job(const run_options &options);

/// Prints every plugin found; returns an exit_code.
int list_plugins(const run_options &options);

} // namespace fetchctl
