// rate_learner: finds the request rate a server allows from its answers,
// so a job need not hand-tune [rate] requests_per_second.
//
// What it listens to, in order of trust:
//  1. RateLimit-Policy: "<limit>;w=<seconds>" (the IETF RateLimit fields):
//     the budget itself. The rate becomes just under limit / window.
//  2. RateLimit-Remaining / X-RateLimit-Remaining of 0 with a Reset
//     (RateLimit-Reset / X-RateLimit-Reset, in seconds or an epoch time):
//     nothing is left in this window, so everyone waits for the reset
//     instead of collecting 429s.
//  3. A 429 alone: the rate falls by 15%, and to no more than just under
//     what the server accepted in the second before the refused request
//     (at most one drop per second, so one burst of 429s counts once).
// With no 429 for a while, the rate creeps up again by 2% steps (never past
// a rate a policy header set), so a server that grows its budget is used.
//
// Pure: times are passed in. Owned by the scheduler thread.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace fetchctl {

class rate_learner {
public:
    using clock = std::chrono::steady_clock;
    /// Looks a response header up by name (case-insensitive).
    using header_lookup = std::function<std::optional<std::string>(std::string_view)>;

    struct advice {
        std::optional<double> rate;                   // a new request rate
        std::optional<clock::time_point> pause_until; // wait for a window reset
    };

    /// `initial_rate` > 0: the starting guess (config or a previous run).
    explicit rate_learner(double initial_rate, clock::time_point start);

    /// One answer to a request sent at `sent`, answered at `now`.
    advice on_answer(clock::time_point sent, clock::time_point now, int status,
                     const header_lookup &header,
                     std::chrono::system_clock::time_point wall_now);

    double rate() const { return rate_; }

private:
    double rate_;
    std::optional<double> ceiling_; // from a policy header
    clock::time_point last_change_;                 // any change, for growth
    std::optional<clock::time_point> last_decrease_; // for counting a burst once
    std::deque<clock::time_point> accepted_sends_; // the last two seconds
    std::optional<clock::time_point> first_send_;  // the count means little before 1 s
};

/// The limit and window of a RateLimit-Policy value ("20;w=1", possibly a
/// list: the first item counts), or nullopt.
std::optional<std::pair<double, double>> parse_rate_limit_policy(std::string_view value);

} // namespace fetchctl
