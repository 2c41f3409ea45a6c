// The rate limiter against a fake clock: no sleeping, exact times.
#include <catch2/catch.hpp>

#include "rate_limiter.hpp"

using fetchctl::rate_limiter;
using namespace std::chrono_literals;

namespace {

// Grants as many tokens as possible over [start, end), asking again exactly
// when told to; returns the grant times.
std::vector<rate_limiter::clock::time_point>
drain(rate_limiter &limiter, rate_limiter::clock::time_point start,
      rate_limiter::clock::time_point end) {
    std::vector<rate_limiter::clock::time_point> grants;
    auto now = start;
    while (now < end) {
        if (auto later = limiter.try_acquire(now))
            now = *later;
        else
            grants.push_back(now);
    }
    return grants;
}

} // namespace

TEST_CASE("limiter - starts empty: the first second holds rate requests, no burst",
          "[limiter]") {
    const auto t0 = rate_limiter::clock::time_point{} + 1h;
    rate_limiter limiter(20, 5, t0);
    CHECK(limiter.try_acquire(t0).has_value()); // nothing at the start
    const auto grants = drain(limiter, t0, t0 + 1s);
    CHECK(grants.size() == 19); // tokens at 50, 100, ... 950 ms
    CHECK(grants.front() >= t0 + 50ms);
}

TEST_CASE("limiter - never more than burst + rate * T in any window", "[limiter]") {
    const auto t0 = rate_limiter::clock::time_point{} + 1h;
    rate_limiter limiter(10, 3, t0);
    // Idle for a long time: the bucket fills to burst, no further.
    const auto later = t0 + 10s;
    const auto grants = drain(limiter, later, later + 1s);
    CHECK(grants.size() == 3 + 9);
}

TEST_CASE("limiter - zero rate means unlimited", "[limiter]") {
    const auto t0 = rate_limiter::clock::time_point{};
    rate_limiter limiter(0, 1, t0);
    for (int i = 0; i < 1000; ++i)
        CHECK_FALSE(limiter.try_acquire(t0).has_value());
}

TEST_CASE("limiter - a pause stops everyone and resumes one token at a time", "[limiter]") {
    const auto t0 = rate_limiter::clock::time_point{} + 1h;
    rate_limiter limiter(10, 10, t0);
    const auto paused_at = t0 + 5s; // the bucket is full by now
    limiter.pause_until(paused_at + 2s);

    auto answer = limiter.try_acquire(paused_at + 1s);
    REQUIRE(answer.has_value());
    CHECK(*answer == paused_at + 2s);

    // The bucket was emptied: no burst when the pause ends.
    CHECK(limiter.try_acquire(paused_at + 2s).has_value());
    const auto grants = drain(limiter, paused_at + 2s, paused_at + 3s);
    CHECK(grants.size() == 9);
}

TEST_CASE("limiter - a shorter pause does not cut a longer one short", "[limiter]") {
    const auto t0 = rate_limiter::clock::time_point{};
    rate_limiter limiter(0, 1, t0);
    limiter.pause_until(t0 + 10s);
    limiter.pause_until(t0 + 1s);
    CHECK(limiter.paused_until() == t0 + 10s);
    CHECK(limiter.try_acquire(t0 + 5s).has_value());
    CHECK_FALSE(limiter.try_acquire(t0 + 10s).has_value());
}
