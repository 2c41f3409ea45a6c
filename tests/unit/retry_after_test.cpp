// Retry-After parsing: delta-seconds, the three HTTP-date forms, and the
// values a careless or hostile server sends.
#include <catch2/catch.hpp>

#include "retry_after.hpp"

using fetchctl::parse_retry_after;
using clock_type = std::chrono::system_clock;

namespace {
// Sun, 06 Nov 1994 08:49:37 GMT
const clock_type::time_point rfc_example = clock_type::from_time_t(784111777);
} // namespace

TEST_CASE("retry-after - delta seconds", "[retry_after]") {
    CHECK(parse_retry_after("1", rfc_example) == 1.0);
    CHECK(parse_retry_after("0", rfc_example) == 0.0);
    CHECK(parse_retry_after(" 120 ", rfc_example) == 120.0);
}

TEST_CASE("retry-after - HTTP-date in each form", "[retry_after]") {
    const auto now = rfc_example - std::chrono::seconds(30);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == Approx(30.0));
    CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == Approx(30.0));
    CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", now) == Approx(30.0));
}

TEST_CASE("retry-after - a date in the past means no wait", "[retry_after]") {
    const auto later = rfc_example + std::chrono::hours(1);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later) == 0.0);
}

TEST_CASE("retry-after - garbage is rejected", "[retry_after]") {
    for (const char *value : {"", "   ", "soon", "1.5", "1s", "0x10", "12 34",
                              "Sun, 06 Nov 1994 08:49:37", "Sun, 32 Nov 1994 08:49:37 GMT"}) {
        INFO("value: '" << value << "'");
        CHECK_FALSE(parse_retry_after(value, rfc_example).has_value());
    }
}

TEST_CASE("retry-after - negative values are rejected", "[retry_after]") {
    CHECK_FALSE(parse_retry_after("-1", rfc_example).has_value());
    CHECK_FALSE(parse_retry_after("-3600", rfc_example).has_value());
}

TEST_CASE("retry-after - huge values saturate instead of overflowing", "[retry_after]") {
    const auto huge = parse_retry_after("99999999999999999999999999999", rfc_example);
    REQUIRE(huge.has_value());
    CHECK(*huge >= 1e9);
    CHECK(*huge < 1e10);
    CHECK_FALSE(parse_retry_after("99999999999999999999x", rfc_example).has_value());
}
