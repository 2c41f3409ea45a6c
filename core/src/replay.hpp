// replay: record the answers a real run saw, and play them back offline.
//
// `fetchctl run --record FILE` appends one line per answer:
//
//   # fetchctl answers: id <TAB> attempt <TAB> status <TAB> retry_after <TAB> latency_ms
//   17	1	500		112
//   17	2	429	1	0
//   17	3	200		96
//
// (status is an HTTP code, or the transport error kind when no answer came;
// retry_after is empty when the header was absent).
//
// `fetchctl run --replay FILE` runs the job against a stand-in transport
// that gives each attempt at an id the answer recorded for that attempt
// (past the recorded ones: the last, or a 200 for an id never recorded)
// after the recorded latency. Everything else is the real core: the
// limiter, the retry policy, the summary, so a new rate or retry setting
// can be tried without touching the API. The output goes to a scratch
// folder, never over the real one.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fetchctl/plugin.h"

namespace fetchctl {

struct transport_answer;

/// Appends answers to a record file. Owned by the scheduler thread.
class answer_recorder {
public:
    /// Creates or truncates `path`. Throws std::runtime_error.
    explicit answer_recorder(const std::filesystem::path &path);
    ~answer_recorder();
    answer_recorder(const answer_recorder &) = delete;
    answer_recorder &operator=(const answer_recorder &) = delete;

    void record(const std::string &id, int attempt, const std::string &status,
                const std::optional<std::string> &retry_after, double latency_ms);

private:
    std::FILE *file_;
};

/// One recorded answer.
struct recorded_answer {
    std::string status; // "200", "429", "timeout", ...
    std::optional<std::string> retry_after;
    double latency_ms = 0;
};

/// The answers of a record file, by id, in attempt order. Throws
/// std::runtime_error naming the file and line of a malformed line.
std::map<std::string, std::vector<recorded_answer>>
load_recorded_answers(const std::filesystem::path &path);

/// A transport (fc_transport_v1) that answers from a recording; see above.
/// `url_template` maps each request's URL back to its id.
class replay_transport {
public:
    replay_transport(std::map<std::string, std::vector<recorded_answer>> answers,
                     std::string url_template);
    ~replay_transport();

    /// The function table for the instance start() returns; its create()
    /// is not used (it answers FC_UNSUPPORTED).
    static const fc_transport_v1 *table();

    /// Starts the playing thread; the result is the `instance` for the
    /// table's functions, and destroy() ends it. Call once.
    void *start(fc_completion_fn on_complete, void *completion_ctx);

    struct engine; // the playing thread and its queue (replay.cpp)

private:
    std::shared_ptr<engine> engine_;
};

} // namespace fetchctl
