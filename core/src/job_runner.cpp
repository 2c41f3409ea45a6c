// job_runner.cpp: see job_runner.hpp.
#include "job_runner.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <fstream>
#include <optional>
#include <sstream>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include "config_error.hpp"
#include "exit_codes.hpp"
#include "failed_items_file.hpp"
#include "id_source.hpp"
#include "job_spec.hpp"
#include "journal.hpp"
#include "learned_rates.hpp"
#include "plugin_host.hpp"
#include "plugin_loader.hpp"
#include "progress.hpp"
#include "replay.hpp"
#include "run_stats.hpp"
#include "scheduler.hpp"
#include "sink_client.hpp"
#include "stop_signals.hpp"
#include "transport_client.hpp"

namespace fetchctl {
namespace {

namespace fs = std::filesystem;

// FNV-1a: stable across builds and platforms, unlike std::hash.
std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 14695981039346656037ull) {
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

/// What makes two runs "the same job" for resuming: the ids, the URL, and
/// where and how the output is written. Rates, retries and the transport
/// may change between an interrupted run and its resumption.
std::string job_fingerprint(const job_spec &spec) {
    std::ostringstream identity;
    identity << spec.request.url_template << '\n';
    switch (spec.ids.source) {
    case id_spec::kind::range: identity << "range " << spec.ids.first << ' ' << spec.ids.last; break;
    case id_spec::kind::list:
        identity << "list";
        for (const auto &id : spec.ids.list)
            identity << ' ' << id;
        break;
    case id_spec::kind::file: identity << "file " << spec.ids.file.string(); break;
    }
    identity << '\n' << spec.sink.plugin.name << '\n' << spec.sink.output.string() << '\n';
    if (spec.sink.plugin.options)
        identity << toml::toml_formatter(*spec.sink.plugin.options);
    return fmt::format("{:016x}", fnv1a(identity.str()));
}

/// Refuses an output whose folder is missing or not writable before
/// anything is created, with the key to change.
void check_writable(const fs::path &file, const std::string &key, const job_spec &spec) {
    const fs::path folder = file.parent_path();
    std::error_code error;
    if (!fs::is_directory(folder, error))
        throw config_error(fmt::format("{}: [sink] {}: {} {}", spec.config_path.string(), key,
                                       folder.string(),
                                       fs::exists(folder, error) ? "is a file, not a folder"
                                                                 : "is a folder that does not exist"));
    if (::access(folder.c_str(), W_OK) != 0)
        throw config_error(fmt::format("{}: [sink] {}: cannot write in {}: {}",
                                       spec.config_path.string(), key, folder.string(),
                                       std::strerror(errno)));
    if (fs::is_directory(file, error))
        throw config_error(fmt::format("{}: [sink] {}: {} is a folder, not a file",
                                       spec.config_path.string(), key, file.string()));
    if (fs::exists(file, error) && !fs::is_regular_file(file, error))
        throw config_error(fmt::format("{}: [sink] {}: {} is not a regular file",
                                       spec.config_path.string(), key, file.string()));
    // access() says yes to root almost everywhere (/proc included): try it.
    if (!fs::exists(file, error)) {
        std::FILE *probe = std::fopen(file.c_str(), "ab");
        if (!probe)
            throw config_error(fmt::format("{}: [sink] {}: cannot create {}: {}",
                                           spec.config_path.string(), key, file.string(),
                                           std::strerror(errno)));
        std::fclose(probe);
        fs::remove(file, error);
    }
    if (fs::exists(file, error) && ::access(file.c_str(), W_OK) != 0)
        throw config_error(fmt::format("{}: [sink] {}: cannot write {}: {}",
                                       spec.config_path.string(), key, file.string(),
                                       std::strerror(errno)));
}

/// Loads a plugin, prefixing a failure with where the config names it.
std::shared_ptr<const loaded_plugin> load_plugin(const plugin_loader &loader,
                                                 const plugin_choice &choice,
                                                 std::uint32_t kind) {
    try {
        return loader.load(choice.name, kind);
    } catch (const config_error &error) {
        throw config_error(fmt::format("{}: {}", choice.location, error.what()));
    }
}

struct prepared_job {
    job_spec spec;
    plugin_loader loader;
    std::shared_ptr<const loaded_plugin> transport;
    std::shared_ptr<const loaded_plugin> sink;
};

prepared_job prepare(const run_options &options) {
    for (const fs::path &dir : options.plugin_dirs) {
        std::error_code error;
        if (!fs::is_directory(dir, error))
            throw config_error(fmt::format("--plugin-dir {}: no such folder", dir.string()));
    }
    job_spec spec = load_job_spec(options.config, fs::current_path(), options.overrides);
    for (const fs::path &dir : spec.plugin_path) {
        // A warning, not an error: one config may serve machines that lay
        // out their plugin folders differently.
        std::error_code error;
        if (!fs::is_directory(dir, error))
            spdlog::warn("{}: [plugins] path: {} is not a folder; skipped",
                         spec.config_path.string(), dir.string());
    }
    plugin_loader loader(plugin_loader::default_search_path([&] {
        std::vector<fs::path> dirs = options.plugin_dirs;
        dirs.insert(dirs.end(), spec.plugin_path.begin(), spec.plugin_path.end());
        return dirs;
    }()));
    auto transport = load_plugin(loader, spec.transport, FC_KIND_TRANSPORT);
    auto sink = load_plugin(loader, spec.sink.plugin, FC_KIND_SINK);
    return {std::move(spec), std::move(loader), std::move(transport), std::move(sink)};
}

/// Lets each plugin check its own table before anything real is touched:
/// the sink is pointed at a scratch file, so a config error leaves the real
/// output alone, and the transport is started and stopped without a request.
void check_plugin_configs(const prepared_job &job) {
    const job_spec &spec = job.spec;
    // The plugins' start-up lines belong to the real run, not to this check.
    const auto level = spdlog::default_logger()->level();
    spdlog::default_logger()->set_level(std::max(level, spdlog::level::warn));
    struct restore_level {
        spdlog::level::level_enum level;
        ~restore_level() { spdlog::default_logger()->set_level(level); }
    } restore{level};
    char scratch_template[] = "/tmp/fetchctl-check-XXXXXX";
    const int scratch_fd = ::mkstemp(scratch_template);
    if (scratch_fd < 0)
        throw std::runtime_error(fmt::format("cannot create a scratch file in /tmp: {}",
                                             std::strerror(errno)));
    ::close(scratch_fd);
    const std::string scratch = scratch_template;
    try {
        plugin_host sink_host(spec.sink.plugin, spec.config_path);
        sink_client sink(job.sink, sink_host, scratch, std::nullopt);
    } catch (...) {
        std::remove(scratch.c_str());
        throw;
    }
    std::remove(scratch.c_str());

    completion_queue answers;
    plugin_host transport_host(spec.transport, spec.config_path);
    transport_client transport(job.transport, transport_host, answers);
}

/// True when `a` and `b` name the same file, whether or not it exists yet.
bool same_file(const fs::path &a, const fs::path &b) {
    std::error_code error;
    if (fs::exists(a, error) && fs::exists(b, error))
        return fs::equivalent(a, b, error);
    return fs::weakly_canonical(fs::absolute(a), error) ==
           fs::weakly_canonical(fs::absolute(b), error);
}

/// The files a run writes besides its outputs (--summary-json, --record,
/// [rate] state_file) must not be a file the run reads or its outputs: each
/// would silently replace the other.
void check_distinct_files(const job_spec &spec, const run_options &options) {
    struct claimed {
        std::string what;
        fs::path path;
    };
    std::vector<claimed> taken = {{"the config file", options.config},
                                  {"[sink] output", spec.sink.output},
                                  {"[sink] failed_output", spec.sink.failed_output},
                                  {"[sink] journal", spec.sink.journal}};
    if (spec.ids.source == id_spec::kind::file)
        taken.push_back({"the [ids] file", spec.ids.file});
    if (!options.replay.empty())
        taken.push_back({"the --replay recording", options.replay});
    const auto claim = [&](const std::string &what, const fs::path &path) {
        if (path.empty())
            return;
        for (const claimed &other : taken) {
            if (same_file(path, other.path))
                throw config_error(fmt::format("{} {}: that is {}; choose another file", what,
                                               path.string(), other.what));
        }
        taken.push_back({what, path});
    };
    claim("--summary-json", options.summary_json);
    claim("--record", options.record);
    if (spec.rate.adaptive)
        claim(spec.config_path.string() + ": [rate] state_file", spec.rate.state_file);
}

/// A failed-items file that exists but was not written by fetchctl is
/// someone else's file: replaced only when asked (--fresh).
void check_failed_output(const job_spec &spec, bool fresh) {
    std::ifstream in(spec.sink.failed_output, std::ios::binary);
    std::string first_line;
    if (fresh || !in || !std::getline(in, first_line) ||
        first_line.rfind(failed_items_file::header_start, 0) == 0)
        return;
    throw config_error(fmt::format("{}: [sink] failed_output: {} already holds data that is not "
                                   "a fetchctl failed-items file; pass --fresh to overwrite it, "
                                   "or choose another file",
                                   spec.config_path.string(), spec.sink.failed_output.string()));
}

/// Everything that can be checked before the first byte is written: the
/// ids, the output locations, each plugin's config. Returns the ids.
id_source check_before_start(const prepared_job &job, const run_options &options) {
    const job_spec &spec = job.spec;
    id_source ids(spec.ids);
    check_distinct_files(spec, options);
    if (!options.summary_json.empty()) {
        // Tried, not guessed (root passes access() almost everywhere), and
        // left as it was: a file that did not exist is removed again.
        std::error_code error;
        const bool existed = fs::exists(options.summary_json, error);
        std::FILE *probe = std::fopen(options.summary_json.c_str(), "ab");
        if (!probe)
            throw config_error(fmt::format("--summary-json {}: cannot write there: {}",
                                           options.summary_json.string(), std::strerror(errno)));
        std::fclose(probe);
        if (!existed)
            fs::remove(options.summary_json, error);
    }
    if (spec.rate.adaptive && !spec.rate.state_file.empty()) {
        const std::string problem = learned_rates_problem(spec.rate.state_file);
        if (!problem.empty())
            throw config_error(fmt::format("{}: [rate] state_file: {} {}; remove it or choose "
                                           "another file",
                                           spec.config_path.string(),
                                           spec.rate.state_file.string(), problem));
    }
    check_writable(spec.sink.output, "output", spec);
    check_writable(spec.sink.failed_output, "failed_output", spec);
    check_writable(spec.sink.journal, "journal", spec);
    check_plugin_configs(job);
    return ids;
}

/// A private folder under /tmp, removed with its contents at the end.
class scratch_folder {
public:
    scratch_folder() {
        char name[] = "/tmp/fetchctl-replay-XXXXXX";
        if (!::mkdtemp(name))
            throw std::runtime_error(fmt::format("cannot create a scratch folder in /tmp: {}",
                                                 std::strerror(errno)));
        path_ = name;
    }
    ~scratch_folder() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    scratch_folder(const scratch_folder &) = delete;
    scratch_folder &operator=(const scratch_folder &) = delete;
    const fs::path &path() const { return path_; }

private:
    fs::path path_;
};

/// A run's id: its start time (UTC) and a random suffix, e.g.
/// "20261204T163445Z-3f9a", sortable and unique enough to tell runs apart.
std::string make_run_id() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    return fmt::format("{}-{:04x}", stamp, std::random_device{}() & 0xffff);
}

/// Prints the human summary, and writes the JSON one when asked to.
void report(const run_stats &stats, const prepared_job &job, const run_options &options,
            const std::string &run_id, const std::string &ending) {
    run_labels labels;
    labels.ending = ending;
    labels.run_id = run_id;
    labels.output = job.spec.sink.output.string();
    labels.failed_output = job.spec.sink.failed_output.string();
    if (!options.replay.empty())
        labels.output = labels.failed_output = "(a replay: not kept)";
    labels.transport = job.transport->name();
    labels.sink = job.sink->name();

    spdlog::default_logger()->flush();
    progress_display::clear();
    std::fflush(stdout);
    std::fputs(format_summary(stats, labels).c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);

    if (!options.summary_json.empty()) {
        std::ofstream out(options.summary_json);
        out << format_summary_json(stats, labels) << '\n';
        if (!out)
            spdlog::error("{}: cannot write the JSON summary", options.summary_json.string());
    }
}

int run_prepared(prepared_job &job, const run_options &options) {
    // A replay writes into a scratch folder, never over the real output.
    std::optional<scratch_folder> replay_folder;
    if (!options.replay.empty()) {
        replay_folder.emplace();
        job.spec.sink.output = replay_folder->path() / job.spec.sink.output.filename();
        job.spec.sink.failed_output = job.spec.sink.output.string() + ".failed.tsv";
        job.spec.sink.journal = job.spec.sink.output.string() + ".journal";
    }
    const job_spec &spec = job.spec;
    id_source ids = check_before_start(job, options);

    // Resume or start over.
    const std::string fingerprint = job_fingerprint(spec);
    journal_state previous;
    try {
        previous = journal::read(spec.sink.journal);
    } catch (const std::runtime_error &error) {
        throw config_error(error.what());
    }
    // The ids must not come from a file this run is about to rewrite.
    if (spec.ids.source == id_spec::kind::file) {
        for (const fs::path *own : {&spec.sink.output, &spec.sink.failed_output, &spec.sink.journal}) {
            std::error_code error;
            if (fs::equivalent(spec.ids.file, *own, error))
                throw config_error(fmt::format(
                    "{}: [ids] file: {} is this job's own output, which the run rewrites; copy "
                    "it elsewhere first (e.g. retry-ids.tsv) and name the copy",
                    spec.config_path.string(), spec.ids.file.string()));
        }
    }

    std::optional<journal_checkpoint> resume;
    if (!options.fresh && previous.exists && !previous.complete && previous.last) {
        if (previous.fingerprint != fingerprint)
            throw config_error(fmt::format(
                "{}: this journal is from an interrupted run of a different job (the ids, URL, "
                "output or sink settings changed since). Rerun with --fresh to start over, or "
                "restore the old config to finish that run",
                spec.sink.journal.string()));
        resume = previous.last;
    }

    // Never replace what another job wrote without being asked: a job whose
    // ids or URL differ (a retry of failed ids, say) must not empty the
    // output of the run it retries.
    std::error_code size_error;
    const bool output_has_data = fs::exists(spec.sink.output, size_error) &&
                                 fs::file_size(spec.sink.output, size_error) > 0 && !size_error;
    if (!resume && !options.fresh && output_has_data &&
        (!previous.exists || previous.fingerprint != fingerprint))
        throw config_error(fmt::format(
            "{}: [sink] output: {} already holds {}; pass --fresh to overwrite it, or choose "
            "another output",
            spec.config_path.string(), spec.sink.output.string(),
            previous.exists ? "the output of another job (its journal says so)"
                            : "data this job did not write (it has no journal)"));

    if (!resume)
        check_failed_output(spec, options.fresh);

    run_stats stats;
    stats.total_items = ids.total();
    std::optional<journal> log_book;
    std::optional<std::string> sink_checkpoint;
    std::uint64_t first_sequence = 0;
    if (resume) {
        if (resume->next_sequence > ids.total())
            throw config_error(fmt::format("{}: the journal is past the end of the job; rerun "
                                           "with --fresh",
                                           spec.sink.journal.string()));
        first_sequence = resume->next_sequence;
        stats.written = stats.resumed_written = resume->written;
        stats.failed = stats.resumed_failed = resume->failed;
        sink_checkpoint = resume->sink_checkpoint;
        ids.skip_to(first_sequence);
        log_book.emplace(journal::append_to(spec.sink.journal));
        spdlog::info("resuming an interrupted run: {} of {} items already done ({} written, "
                     "{} failed)",
                     first_sequence, ids.total(), resume->written, resume->failed);
    } else {
        log_book.emplace(journal::create(spec.sink.journal, fingerprint));
    }

    // The sink first, so no request is made before there is somewhere to
    // put the answer; the transport is destroyed first (reverse order), so
    // no answer arrives after the sink is gone.
    plugin_host sink_host(spec.sink.plugin, spec.config_path);
    sink_client sink(job.sink, sink_host, spec.sink.output.string(), sink_checkpoint);
    failed_items_file failed(spec.sink.failed_output, resume ? &resume->failed_bytes : nullptr);

    completion_queue answers;
    plugin_host transport_host(spec.transport, spec.config_path);
    std::optional<replay_transport> replayer;
    std::optional<transport_client> chosen_transport;
    if (!options.replay.empty()) {
        try {
            replayer.emplace(load_recorded_answers(options.replay), spec.request.url_template);
        } catch (const std::runtime_error &error) {
            throw config_error(error.what());
        }
        chosen_transport.emplace(
            replay_transport::table(), "replay",
            [&](fc_completion_fn done, void *ctx) { return replayer->start(done, ctx); },
            answers);
        spdlog::info("replaying {} instead of fetching; the output goes to {} and is discarded",
                     options.replay.string(), replay_folder->path().string());
    } else {
        chosen_transport.emplace(job.transport, transport_host, answers);
    }
    transport_client &transport = *chosen_transport;
    std::optional<answer_recorder> recorder;
    if (!options.record.empty())
        recorder.emplace(options.record);
    stop_signals::on_signal([&answers] { answers.wake(); });

    const std::string run_id = make_run_id();
    spdlog::info("run {}: fetching {} items from {} with {} ({} at a time), {} to {} with {}",
                 run_id, ids.total() - first_sequence, spec.request.url_template, transport.name(),
                 transport.max_in_flight(),
                 spec.rate.requests_per_second > 0
                     ? fmt::format("at most {} requests/s", spec.rate.requests_per_second)
                     : std::string("no rate limit"),
                 spec.sink.output.string(), sink.name());

    scheduler driver(spec, ids, transport, answers, sink, failed, *log_book, stats,
                     stop_signals::requests(), first_sequence);
    driver.set_run_id(run_id);
    if (recorder)
        driver.set_recorder(&*recorder);
    const std::string host = rate_host_key(spec.request.url_template);
    if (spec.rate.adaptive) {
        std::optional<double> learned;
        if (!spec.rate.state_file.empty())
            learned = load_learned_rate(spec.rate.state_file, host);
        const double configured = spec.rate.requests_per_second;
        driver.use_adaptive_rate(learned ? *learned : configured > 0 ? configured : 10.0);
    }
    const run_ending ending = driver.run();
    if (spec.rate.adaptive && !spec.rate.state_file.empty()) {
        try {
            save_learned_rate(spec.rate.state_file, host, driver.current_rate());
        } catch (const std::exception &error) {
            spdlog::warn("the learned rate was not kept: {}", error.what());
        }
    }
    stop_signals::on_signal(nullptr);
    stats.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - stats.started).count();

    switch (ending) {
    case run_ending::complete:
        report(stats, job, options, run_id, stats.failed == 0 ? "complete" : "complete, with failures");
        return stats.failed == 0 ? exit_code::ok : exit_code::items_failed;
    case run_ending::interrupted:
        report(stats, job, options, run_id, "interrupted; run again to resume");
        return exit_code::interrupted;
    case run_ending::deadline:
        report(stats, job, options, run_id, "deadline reached; run again to resume");
        return exit_code::items_failed;
    case run_ending::unreachable:
        report(stats, job, options, run_id, "stopped: the server is unreachable; run again to resume");
        return exit_code::run_error;
    case run_ending::sink_failed:
        report(stats, job, options, run_id, "stopped by a sink error; run again to resume");
        return exit_code::run_error;
    }
    return exit_code::run_error;
}

template <class Body> int guarded(Body &&body) {
    try {
        return body();
    } catch (const config_error &error) {
        spdlog::error("{}", error.what());
        return exit_code::config_error;
    } catch (const std::exception &error) {
        spdlog::error("{}", error.what());
        return exit_code::run_error;
    }
}

} // namespace

int run_job(const run_options &options) {
    return guarded([&] {
        prepared_job job = prepare(options);
        return run_prepared(job, options);
    });
}

int validate_job(const run_options &options) {
    return guarded([&] {
        prepared_job job = prepare(options);
        const job_spec &spec = job.spec;
        const id_source ids = check_before_start(job, options);
        std::fprintf(stdout, "%s: valid: %llu ids, transport %s, sink %s -> %s\n",
                     spec.config_path.c_str(), static_cast<unsigned long long>(ids.total()),
                     job.transport->name().c_str(), job.sink->name().c_str(),
                     spec.sink.output.c_str());
        return exit_code::ok;
    });
}

/// One row per plugin file, columns sized to fit. A broken plugin gets a
/// second line saying why; so does a file hidden by a same-named file in an
/// earlier folder, since loading by name never reaches it.
int list_plugins(const run_options &options) {
    return guarded([&] {
        std::vector<fs::path> dirs = options.plugin_dirs;
        if (!options.config.empty()) {
            job_spec spec = load_job_spec(options.config, fs::current_path(), options.overrides);
            dirs.insert(dirs.end(), spec.plugin_path.begin(), spec.plugin_path.end());
        }

        // A folder named twice (say --plugin-dir pointing at the bundled
        // one) would list every plugin in it twice, once as "hidden".
        std::vector<fs::path> folders;
        std::vector<fs::path> seen;
        for (const fs::path &dir : plugin_loader::default_search_path(dirs)) {
            std::error_code error;
            fs::path key = fs::weakly_canonical(dir, error);
            if (error)
                key = dir.lexically_normal();
            bool repeated = false;
            for (const fs::path &earlier : seen)
                repeated = repeated || earlier == key;
            if (repeated)
                continue;
            seen.push_back(key);
            folders.push_back(dir);
        }
        plugin_loader loader(folders);
        const auto plugins = loader.list();

        std::size_t name_width = 4;
        std::size_t version_width = 7;
        for (const plugin_info &p : plugins) {
            name_width = p.name.size() > name_width ? p.name.size() : name_width;
            version_width = p.version.size() > version_width ? p.version.size() : version_width;
        }
        const auto row = [&](const std::string &kind, const std::string &name,
                             const std::string &version, const std::string &abi,
                             const std::string &path) {
            std::printf("%-9s  %-*s  %-*s  %-5s  %s\n", kind.c_str(),
                        static_cast<int>(name_width), name.c_str(),
                        static_cast<int>(version_width), version.c_str(), abi.c_str(),
                        path.c_str());
        };

        row("KIND", "NAME", "VERSION", "ABI", "PATH");
        std::vector<fs::path> file_names;
        std::vector<fs::path> first_paths;
        for (const plugin_info &p : plugins) {
            const std::string abi =
                p.problem.empty() || p.abi_major ? fmt::format("{}.{}", p.abi_major, p.abi_minor)
                                                 : "-";
            row(p.problem.empty() ? kind_name(p.kind) : "BROKEN", p.name,
                p.version.empty() ? "-" : p.version, abi, p.path.string());
            if (!p.problem.empty())
                std::printf("           cannot be used: %s\n", p.problem.c_str());

            std::size_t earlier = 0;
            while (earlier < file_names.size() && file_names[earlier] != p.path.filename())
                ++earlier;
            if (earlier < file_names.size()) {
                std::printf("           not used: %s comes first in the search path\n",
                            first_paths[earlier].c_str());
            } else {
                file_names.push_back(p.path.filename());
                first_paths.push_back(p.path);
            }
        }
        if (plugins.empty()) {
            std::printf("no plugins found; searched:\n");
            for (const fs::path &dir : loader.search_path())
                std::printf("  %s\n", dir.c_str());
        }
        return exit_code::ok;
    });
}

} // namespace fetchctl
