// The adaptive pacer against a fake clock and scripted answers.
#include <catch2/catch.hpp>

#include <map>

#include "rate_learner.hpp"

using namespace fetchctl;
using namespace std::chrono_literals;
using clock_type = rate_learner::clock;

namespace {

const auto wall = std::chrono::system_clock::from_time_t(1700000000);

rate_learner::header_lookup headers(std::map<std::string, std::string> values = {}) {
    return [values](std::string_view name) -> std::optional<std::string> {
        auto found = values.find(std::string(name));
        if (found == values.end())
            return std::nullopt;
        return found->second;
    };
}

} // namespace

TEST_CASE("pacing - a 429 sets the rate under what the server accepted", "[pacing]") {
    const auto t0 = clock_type::time_point{} + 1h;
    rate_learner learner(30, t0);
    // The server takes 20 a second for a second and a half, then refuses.
    auto t = t0;
    for (int i = 0; i < 30; ++i, t += 50ms)
        CHECK_FALSE(learner.on_answer(t, t + 1ms, 200, headers(), wall).rate);
    const auto advice = learner.on_answer(t, t + 1ms, 429, headers(), wall);
    REQUIRE(advice.rate);
    CHECK(*advice.rate == Approx(0.95 * 20)); // below 0.85 * 30 = 25.5
    // More 429s from the same burst do not push it further down.
    CHECK_FALSE(learner.on_answer(t + 10ms, t + 20ms, 429, headers(), wall).rate);

    // Later bursts step down by 15% even when the count says more.
    t += 2s;
    for (int i = 0; i < 40; ++i, t += 25ms)
        learner.on_answer(t, t + 1ms, 200, headers(), wall);
    const auto second = learner.on_answer(t, t + 1ms, 429, headers(), wall);
    REQUIRE(second.rate);
    CHECK(*second.rate == Approx(0.85 * 0.95 * 20));

}

TEST_CASE("pacing - a 429 in the first second only steps down", "[pacing]") {
    const auto t0 = clock_type::time_point{} + 1h;
    rate_learner learner(30, t0);
    auto t = t0;
    for (int i = 0; i < 5; ++i, t += 33ms)
        learner.on_answer(t, t + 1ms, 200, headers(), wall);
    const auto advice = learner.on_answer(t, t + 1ms, 429, headers(), wall);
    REQUIRE(advice.rate);
    CHECK(*advice.rate == Approx(0.85 * 30)); // five answers say nothing yet
}

TEST_CASE("pacing - calm at the limit lets the rate creep up, never past a stated budget",
          "[pacing]") {
    const auto t0 = clock_type::time_point{} + 1h;
    rate_learner learner(10, t0);
    auto t = t0;
    std::optional<double> grown;
    for (int i = 0; i < 200 && !grown; ++i, t += 100ms)
        grown = learner.on_answer(t, t + 1ms, 200, headers(), wall).rate;
    REQUIRE(grown);
    CHECK(*grown == Approx(10.2));

    rate_learner capped(10, t0);
    auto first = capped.on_answer(t0, t0, 200, headers({{"RateLimit-Policy", "10;w=1"}}), wall);
    REQUIRE(first.rate);
    CHECK(*first.rate == Approx(9.5));
    t = t0;
    for (int i = 0; i < 400; ++i, t += 100ms)
        capped.on_answer(t, t + 1ms, 200, headers(), wall);
    CHECK(capped.rate() <= 9.5 + 1e-9);
}

TEST_CASE("pacing - a slow server is not a reason to grow", "[pacing]") {
    const auto t0 = clock_type::time_point{} + 1h;
    rate_learner learner(20, t0);
    auto t = t0;
    for (int i = 0; i < 100; ++i, t += 500ms) // 2 answers/s against a 20/s rate
        CHECK_FALSE(learner.on_answer(t, t + 1ms, 200, headers(), wall).rate);
}

TEST_CASE("pacing - an empty window waits for its reset", "[pacing]") {
    const auto t0 = clock_type::time_point{} + 1h;
    rate_learner learner(20, t0);
    auto advice = learner.on_answer(
        t0, t0, 200, headers({{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "3"}}), wall);
    REQUIRE(advice.pause_until);
    CHECK(*advice.pause_until == t0 + 3s);

    // An epoch reset time, as some APIs send it.
    advice = learner.on_answer(
        t0, t0, 200, headers({{"RateLimit-Remaining", "0"}, {"RateLimit-Reset", "1700000005"}}),
        wall);
    REQUIRE(advice.pause_until);
    CHECK(*advice.pause_until == t0 + 5s);

    CHECK_FALSE(learner
                    .on_answer(t0, t0, 200,
                               headers({{"RateLimit-Remaining", "4"}, {"RateLimit-Reset", "3"}}),
                               wall)
                    .pause_until);
}

TEST_CASE("pacing - RateLimit-Policy parsing", "[pacing]") {
    CHECK(parse_rate_limit_policy("20;w=1") == std::make_pair(20.0, 1.0));
    CHECK(parse_rate_limit_policy("100;w=60, 1000;w=3600") == std::make_pair(100.0, 60.0));
    CHECK_FALSE(parse_rate_limit_policy("20"));
    CHECK_FALSE(parse_rate_limit_policy("w=1"));
    CHECK_FALSE(parse_rate_limit_policy("0;w=1"));
}
