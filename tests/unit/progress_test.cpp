// The progress line and its ETA.
#include <catch2/catch.hpp>

#include "progress.hpp"

using namespace fetchctl;

namespace {

progress_snapshot halfway() {
    progress_snapshot s;
    s.total = 1000;
    s.done = 500;
    s.done_this_run = 500;
    s.requests = 550; // 1.1 requests per item so far
    s.target_rate = 20;
    return s;
}

} // namespace

TEST_CASE("progress - the ETA counts retries at the rate limit", "[progress]") {
    progress_snapshot s = halfway();
    // 500 items * 1.1 requests at 20/s.
    CHECK(estimate_seconds_left(s, 20) == Approx(27.5));
    // Queued retries and a pause add to it; requests in flight are paid.
    s.retries_waiting = 10;
    s.in_flight = 4;
    s.pause_left_seconds = 1.0;
    CHECK(estimate_seconds_left(s, 20) == Approx(1.0 + (550.0 - 4 + 10) / 20));
    // A server slower than the limit sets the pace.
    s.retries_waiting = 0;
    s.in_flight = 0;
    s.pause_left_seconds = 0;
    CHECK(estimate_seconds_left(s, 10) == Approx(55.0));
}

TEST_CASE("progress - no limit and no rate yet means an unknown ETA", "[progress]") {
    progress_snapshot s = halfway();
    s.target_rate = 0;
    CHECK(estimate_seconds_left(s, 0) < 0);
    CHECK_THAT(format_progress(s, 0), Catch::EndsWith("ETA ?"));
    s.done = s.total;
    CHECK(estimate_seconds_left(s, 0) == 0);
}

TEST_CASE("progress - the line names every figure", "[progress]") {
    progress_snapshot s = halfway();
    s.failed = 3;
    s.retries_waiting = 5;
    s.in_flight = 10;
    CHECK(format_progress(s, 19.4) ==
          "500/1000 done, 3 failed | 5 waiting to retry, 10 in flight | 19.4 req/s of 20 | "
          "ETA 29 s"); // (550 - 10 + 5) requests at 19.4/s, rounded up
    s.pause_left_seconds = 1.5;
    CHECK_THAT(format_progress(s, 19.4), Catch::Contains("paused 1.5 s (429)"));
}
