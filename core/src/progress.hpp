// progress: the live status line on a terminal.
//
// Drawn on stderr, only when stderr is a terminal, at most twice a second:
//
//   412/1000 done, 3 failed | 5 waiting to retry, 10 in flight |
//   19.4 req/s of 19.5 | ETA 31 s
//
// The ETA counts the requests still needed (items left times the retries
// seen so far per item, plus retries already queued) at the rate the run
// can actually go: the configured limit when there is one, else the rate
// seen lately; plus what is left of a pause. Log lines clear the status line
// first (see clear()), so the two never interleave on one row.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace fetchctl {

/// What the scheduler knows at one moment.
struct progress_snapshot {
    std::uint64_t total = 0;
    std::uint64_t done = 0;   // written + failed, earlier runs included
    std::uint64_t failed = 0;
    std::uint64_t done_this_run = 0;
    std::uint64_t requests = 0; // this run
    std::size_t retries_waiting = 0;
    std::size_t in_flight = 0;
    double target_rate = 0;        // 0: no limit
    double pause_left_seconds = 0; // a 429's global pause
};

/// The status line and its ETA for `snapshot`, given the request rate seen
/// lately (`recent_rate`, requests per second). Pure, for tests.
std::string format_progress(const progress_snapshot &snapshot, double recent_rate);

/// Estimated seconds to finish; negative when unknown.
double estimate_seconds_left(const progress_snapshot &snapshot, double recent_rate);

class progress_display {
public:
    using clock = std::chrono::steady_clock;

    /// Enabled only when stderr is a terminal (or `force`).
    explicit progress_display(bool force = false);
    ~progress_display();

    /// Redraws the line if half a second has passed since the last draw.
    void update(const progress_snapshot &snapshot, clock::time_point now);

    /// Erases the line (before a log line or the summary).
    static void clear();

    bool enabled() const { return enabled_; }

private:
    bool enabled_;
    clock::time_point last_draw_;
    std::deque<std::pair<clock::time_point, std::uint64_t>> samples_; // requests over time
};

} // namespace fetchctl
