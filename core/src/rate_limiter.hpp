// rate_limiter: the client-side request budget, shared by first attempts and
// retries alike.
//
// A token bucket that starts EMPTY: a job's first second sends `rate`
// requests, not `burst + rate`, so a fresh run does not trip the server's
// own limit. A 429 pauses everyone (pause_until) and empties the bucket, so
// when the pause ends requests resume one token at a time instead of all at
// once. Time is passed in, never read, so tests drive it with a fake clock.
//
// Not thread-safe: the scheduler thread owns it.
#pragma once

#include <chrono>
#include <optional>

namespace fetchctl {

class rate_limiter {
public:
    using clock = std::chrono::steady_clock;

    /// `requests_per_second` 0 means no limit (pauses still apply).
    /// `burst` (>= 1) is how many tokens the bucket holds at most.
    rate_limiter(double requests_per_second, double burst, clock::time_point start);

    /// Takes one token if the bucket has one at `now` and no pause is in
    /// force: returns nullopt. Otherwise takes nothing and returns the
    /// earliest time a token can be had.
    std::optional<clock::time_point> try_acquire(clock::time_point now);

    /// Stops every request until `until` (a later pause wins over an earlier
    /// one) and empties the bucket.
    void pause_until(clock::time_point until);

    /// Changes the rate from now on (the adaptive pacer's decision).
    void set_rate(double requests_per_second, clock::time_point now);

    clock::time_point paused_until() const { return pause_end_; }
    double requests_per_second() const { return rate_; }

private:
    void refill(clock::time_point now);

    double rate_;
    double burst_;
    double tokens_ = 0;
    clock::time_point last_refill_;
    clock::time_point pause_end_;
};

} // namespace fetchctl
