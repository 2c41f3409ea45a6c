// job_spec: the job described by a TOML file, as plain validated values.
//
// load_job_spec() parses and checks the file once; every later stage reads
// these structs, never the TOML. The plugins' own tables are kept as TOML
// (the spec owns the parsed document) because only the plugin knows their
// keys; the host hands them over through fc_host_v1's getters.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
} // namespace toml

namespace fetchctl {

using seconds_d = std::chrono::duration<double>;

/// Which ids to fetch: a range, an explicit list, or a file of one id per
/// line. Exactly one is set.
struct id_spec {
    enum class kind { range, list, file };
    kind source = kind::range;
    std::int64_t first = 0; // range: inclusive bounds
    std::int64_t last = -1;
    std::vector<std::string> list;
    std::filesystem::path file; // absolute, resolved against the config dir
};

struct header_spec {
    std::string name;
    std::string value;
};

struct request_spec {
    std::string url_template; // contains "{id}"
    std::vector<header_spec> headers;
    seconds_d connect_timeout{5.0};
    seconds_d timeout{30.0}; // whole request, connect included
    std::uint64_t max_body_bytes = 16u * 1024 * 1024;
};

struct rate_spec {
    double requests_per_second = 0; // 0: no client-side limit
    double burst = 1;
    seconds_d max_pause{60.0}; // cap on one global pause after a 429
    /// Learn the server's budget from 429s and RateLimit headers; the
    /// rate above is then the first guess (see rate_learner.hpp).
    bool adaptive = false;
    /// Where learned rates are kept between runs, per host (empty: not kept).
    std::filesystem::path state_file;
};

enum class backoff_kind { fixed, exponential };

struct retry_spec {
    int max_retries = 5; // attempts = 1 + max_retries
    seconds_d delay{1.0};
    backoff_kind backoff = backoff_kind::fixed;
    double multiplier = 2.0;
    seconds_d max_delay{30.0};
    double jitter = 0.0; // 0..1: fraction of each delay drawn at random
    seconds_d max_retry_after{60.0};
    int max_redirects = 5;
    /// HTTP statuses worth retrying. Empty: the default rule (408, 429 and
    /// 5xx but 501/505). 429 always honours Retry-After when listed.
    std::vector<int> retry_on;
    /// Stop the run (items left for the next one) when no connection has
    /// succeeded for this long; 0: never. A server that is down should not
    /// cost every item all its attempts.
    seconds_d unreachable_after{15.0};
};

/// A plugin chosen by name, with its own table ([transport.<name>] or
/// [sink.<name>]) if the file has one.
struct plugin_choice {
    std::string name;
    const toml::table *options = nullptr; // owned by job_spec::document
    std::string options_key;             // "transport.curl_threads"
    std::string location;                // "orders.toml:40: [transport] plugin"
};

struct sink_spec {
    plugin_choice plugin;
    std::filesystem::path output;       // absolute
    std::filesystem::path failed_output; // absolute
    std::filesystem::path journal;      // absolute
    std::size_t reorder_window = 4096;
    std::size_t checkpoint_every = 200; // records between durable flushes
    seconds_d checkpoint_interval{2.0};
    // Count-triggered checkpoints come no closer together than this: at
    // tens of thousands of items a second, one every 200 items would spend
    // the run in fsync for no gain a resume could notice.
    seconds_d checkpoint_min_interval{0.1};
};

struct job_spec {
    std::filesystem::path config_path;
    id_spec ids;
    request_spec request;
    rate_spec rate;
    retry_spec retry;
    plugin_choice transport;
    sink_spec sink;
    std::vector<std::filesystem::path> plugin_path; // from [plugins] path
    std::optional<seconds_d> deadline;

    std::shared_ptr<const toml::table> document; // keeps plugin tables alive
};

/// Reads and validates `path`. Relative paths in the file (output, id file,
/// plugin folders) are resolved against `working_dir` for outputs and the
/// config file's folder for inputs. `overrides` ("table.key=value", the
/// value in TOML syntax or a bare string) replace or add keys before
/// validation. Header values may name environment variables as ${NAME}.
/// Throws config_error naming the file, line and key.
job_spec load_job_spec(const std::filesystem::path &path,
                       const std::filesystem::path &working_dir,
                       const std::vector<std::string> &overrides = {});

/// Same, from text already in memory; `source_name` names it in errors.
job_spec parse_job_spec(std::string_view text, const std::filesystem::path &source_name,
                        const std::filesystem::path &working_dir,
                        const std::vector<std::string> &overrides = {});

/// The URL for one id: url_template with "{id}" replaced.
std::string expand_url(const std::string &url_template, const std::string &id);

} // namespace fetchctl
