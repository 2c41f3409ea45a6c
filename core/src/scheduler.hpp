// scheduler: drives one job from its ids to the sink.
//
// The only owner of item state, on one thread (the caller of run()). Each
// turn of its loop:
//   1. moves retries whose time has come into the ready set;
//   2. starts attempts while the transport has room, the limiter grants a
//      token and the reorder window has space for new ids;
//   3. writes finished items to the sink in id order, failed ones to the
//      failed-items file, and checkpoints the journal every so often (every
//      checkpoint_every items, but no more often than checkpoint_min_interval,
//      or every checkpoint_interval);
//   4. sleeps until an answer arrives, a retry or token is due, or a stop
//      is requested; then applies retry_policy to each answer.
// Memory is bounded by the reorder window, not by the number of ids.
//
// Stopping (SIGINT/SIGTERM or the deadline): no new attempts; answers to
// requests in flight are still taken; what is finished in order is written
// and checkpointed; the rest is left for the next run. A second stop
// request abandons requests in flight.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "fetchctl/plugin.h"
#include "id_source.hpp"
#include "progress.hpp"
#include "job_spec.hpp"
#include "rate_learner.hpp"
#include "rate_limiter.hpp"
#include "retry_policy.hpp"
#include "run_stats.hpp"
#include "transport_client.hpp"

namespace fetchctl {

class answer_recorder;
class failed_items_file;
class journal;
class sink_client;

enum class run_ending { complete, interrupted, deadline, sink_failed, unreachable };

class scheduler {
public:
    using clock = std::chrono::steady_clock;

    /// Everything is borrowed and must outlive run(). `ids` is positioned at
    /// `first_sequence` (a resumed run starts past what is done).
    scheduler(const job_spec &spec, id_source &ids, transport_client &transport,
              completion_queue &answers, sink_client &sink, failed_items_file &failed,
              journal &journal, run_stats &stats, const std::atomic<int> &stop_requests,
              std::uint64_t first_sequence);

    run_ending run();

    /// Paces by what the server's answers say instead of a fixed rate,
    /// starting at `initial_rate` (see rate_learner.hpp). Call before run().
    void use_adaptive_rate(double initial_rate);

    /// Records every answer (--record); the recorder outlives run().
    void set_recorder(answer_recorder *recorder) { recorder_ = recorder; }

    /// Names this run in the records' provenance.
    void set_run_id(std::string run_id) { run_id_ = std::move(run_id); }

    /// The rate in force at the end (the learned one, when adaptive).
    double current_rate() const { return limiter_.requests_per_second(); }

private:
    struct active_item {
        std::string id;
        std::string url;
        int attempts = 0;
        int redirects = 0;
        std::string statuses; // provenance: every answer, in order
        double waited_seconds = 0;
        // When its retries ran out during an outage (see handle()).
        std::optional<clock::time_point> outage_since;
    };
    struct finished_item {
        std::string id;
        bool written = false;
        std::string body;
        int status = 0;
        int attempts = 0;
        std::uint32_t latency_ms = 0;
        std::uint64_t waited_ms = 0;
        std::string statuses;
        std::string status_text; // failed items: last status or error kind
        std::string reason;      // failed items
    };
    using timer = std::pair<clock::time_point, std::uint64_t>;

    void release_due_retries(clock::time_point now);
    void dispatch(clock::time_point now, clock::time_point &wake);
    bool admit();
    void start_attempt(std::uint64_t sequence);
    /// Takes the answer's body when the item is done (no copy on the hot path).
    void handle(transport_answer &answer, clock::time_point now);
    void learn_from(const transport_answer &answer, clock::time_point sent,
                    clock::time_point now);
    void finish(std::uint64_t sequence, finished_item item);
    void emit();
    void checkpoint(bool complete);
    clock::duration min_checkpoint_gap() const;
    bool all_done() const;
    void begin_stopping(const char *why);
    void watch_reachability(const transport_answer &answer, clock::time_point now);
    /// True while no connection has succeeded lately and `answer` is one
    /// more failed connection (unreachable_after is on).
    bool outage_in_progress(const transport_answer &answer) const;

    const job_spec &spec_;
    id_source &ids_;
    transport_client &transport_;
    completion_queue &answers_;
    sink_client &sink_;
    failed_items_file &failed_;
    journal &journal_;
    run_stats &stats_;
    const std::atomic<int> &stop_requests_;

    std::mt19937_64 random_;
    retry_policy policy_;
    rate_limiter limiter_;
    std::size_t capacity_;
    std::vector<fc_header_v1> request_headers_;

    std::unordered_map<std::uint64_t, active_item> active_;
    std::set<std::uint64_t> ready_; // lowest sequence first: frees the window
    std::priority_queue<timer, std::vector<timer>, std::greater<timer>> retry_timers_;
    struct flight {
        std::uint64_t sequence;
        clock::time_point started;
    };
    std::unordered_map<std::uint64_t, flight> in_flight_; // by request id
    std::map<std::uint64_t, finished_item> finished_;            // the reorder window
    std::vector<transport_answer> taken_; // the answers of one turn, reused
    std::uint64_t next_to_emit_;
    std::uint64_t next_to_admit_;
    std::uint64_t next_request_id_ = 1;

    std::size_t since_checkpoint_ = 0;
    clock::time_point last_checkpoint_;
    std::optional<clock::time_point> deadline_;
    bool stopping_ = false;
    bool deadline_reached_ = false;
    bool unreachable_ = false;
    // When the current run of connection failures began; reset by any
    // HTTP answer.
    std::optional<clock::time_point> failing_since_;

    std::optional<rate_learner> learner_;
    std::string run_id_;
    answer_recorder *recorder_ = nullptr;
    std::string transport_name_;
    progress_display progress_;
    std::uint64_t done_at_start_;
    // What the last checkpoint made durable (a resumed run starts with
    // what its journal said).
    std::uint64_t checkpointed_written_;
    std::uint64_t checkpointed_failed_;
    void show_progress(clock::time_point now);
};

} // namespace fetchctl
