// main.cpp: the fetchctl command line.
//
//   fetchctl [run] --config FILE [--fresh]   run a job (the default)
//   fetchctl validate --config FILE          check a job without running it
//   fetchctl plugins [--config FILE]         list the plugins found
//
// Logs go to stdout through spdlog, one line per event.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "exit_codes.hpp"
#include "fetchctl/plugin.h"
#include "job_runner.hpp"
#include "progress.hpp"
#include "stop_signals.hpp"

namespace {

// Clears the progress line on stderr before each log line, so a log line
// never lands in the middle of it on a terminal.
class clear_progress_sink : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit clear_progress_sink(spdlog::sink_ptr target) : target_(std::move(target)) {}

protected:
    void sink_it_(const spdlog::details::log_msg &message) override {
        fetchctl::progress_display::clear();
        target_->log(message);
    }
    void flush_() override { target_->flush(); }
    void set_pattern_(const std::string &pattern) override { target_->set_pattern(pattern); }
    void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
        target_->set_formatter(std::move(formatter));
    }

private:
    spdlog::sink_ptr target_;
};

void set_up_logging(int verbosity) {
    auto stdout_sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>(
        "fetchctl", std::make_shared<clear_progress_sink>(stdout_sink));
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    logger->set_level(verbosity < 0   ? spdlog::level::warn
                      : verbosity > 0 ? spdlog::level::debug
                                      : spdlog::level::info);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

} // namespace

int main(int argc, char **argv) {
    // Before any thread starts, so every thread inherits the blocked mask.
    fetchctl::stop_signals::install();

    CLI::App app{"fetchctl: fetch many items from a rate-limited HTTP API, exactly once each",
                 "fetchctl"};
    app.set_version_flag("--version", "fetchctl " FETCHCTL_VERSION " (plugin ABI " +
                                          std::to_string(FETCHCTL_ABI_MAJOR) + "." +
                                          std::to_string(FETCHCTL_ABI_MINOR) + ")");
    app.footer("Exit codes: 0 every item written; 1 some items failed (listed in the "
               "failed-items file) or the deadline passed; 2 bad usage, config or plugin; "
               "3 the run stopped on a sink or I/O error or an unreachable server; 130 "
               "interrupted (run again to resume).");

    fetchctl::run_options options;
    bool quiet = false;
    bool verbose = false;
    std::vector<std::string> plugin_dirs;

    auto add_common = [&](CLI::App &command, bool config_required) {
        // Not ->required(): `fetchctl --config F validate` gives it to the
        // main command, so it is checked after parsing instead.
        command.add_option("-c,--config", options.config,
                           config_required ? "The job file (TOML), required"
                                           : "The job file (TOML)");
        command.add_option("--plugin-dir", plugin_dirs,
                           "A folder to search for plugins first (repeatable)");
        command.add_option("--set", options.overrides,
                           "Override a config key, e.g. --set rate.requests_per_second=10 or "
                           "--set 'sink.output=\"x.csv\"' (the value is TOML; a bare word is "
                           "a string); repeatable");
        command.add_flag("-q,--quiet", quiet, "Log only warnings and errors");
        command.add_flag("-v,--verbose", verbose, "Log every request");
    };

    app.require_subcommand(0, 1);
    auto *run = app.add_subcommand("run", "Run a job (the default command)");
    add_common(*run, true);
    run->add_flag("--fresh", options.fresh,
                  "Start over even if an interrupted run of this job can be resumed");
    run->add_option("--summary-json", options.summary_json,
                    "Also write the end-of-run summary, with latency percentiles, as JSON");
    run->add_option("--record", options.record,
                    "Write every answer (id, attempt, status, Retry-After, latency) to FILE");
    run->add_option("--replay", options.replay,
                    "Answer from a --record file instead of the network, to try other rate "
                    "and retry settings; the output goes to a scratch folder");

    auto *validate =
        app.add_subcommand("validate", "Check a job file and its plugins; no network, no output");
    add_common(*validate, true);

    auto *plugins = app.add_subcommand("plugins", "List the plugins found, usable or not");
    add_common(*plugins, false);

    // `fetchctl --config F` means `fetchctl run --config F`.
    add_common(app, false);
    app.add_flag("--fresh", options.fresh,
                 "Start over even if an interrupted run of this job can be resumed");
    app.add_option("--summary-json", options.summary_json,
                   "Also write the end-of-run summary, with latency percentiles, as JSON");
    app.add_option("--record", options.record,
                   "Write every answer (id, attempt, status, Retry-After, latency) to FILE");
    app.add_option("--replay", options.replay,
                   "Answer from a --record file instead of the network, to try other rate "
                   "and retry settings; the output goes to a scratch folder");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &error) {
        const int code = app.exit(error);
        return code == 0 ? 0 : fetchctl::exit_code::config_error;
    }

    set_up_logging(quiet ? -1 : verbose ? 1 : 0);
    for (const std::string &dir : plugin_dirs)
        options.plugin_dirs.emplace_back(dir);

    if (*validate && options.config.empty()) {
        std::fprintf(stderr, "fetchctl validate: --config is required\n");
        return fetchctl::exit_code::config_error;
    }
    if (*validate)
        return fetchctl::validate_job(options);
    if (*plugins)
        return fetchctl::list_plugins(options);
    if (options.config.empty()) {
        std::fprintf(stderr, "fetchctl: --config is required\n%s", app.help().c_str());
        return fetchctl::exit_code::config_error;
    }
    return fetchctl::run_job(options);
}
