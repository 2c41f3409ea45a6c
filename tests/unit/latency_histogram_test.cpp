// Latency percentiles from the fixed-size histogram.
#include <catch2/catch.hpp>

#include "latency_histogram.hpp"

using fetchctl::latency_histogram;

TEST_CASE("latency - percentiles to the millisecond", "[latency]") {
    latency_histogram histogram;
    CHECK(histogram.percentile_ms(0.5) == 0);
    for (int ms = 1; ms <= 100; ++ms)
        histogram.add(ms - 0.5); // 0.5, 1.5, ... 99.5 ms
    CHECK(histogram.count() == 100);
    CHECK(histogram.percentile_ms(0.50) == 50);
    CHECK(histogram.percentile_ms(0.95) == 95);
    CHECK(histogram.percentile_ms(0.99) == 99);
    CHECK(histogram.max_ms() == 99.5);
}

TEST_CASE("latency - a minute or more lands in the overflow bucket", "[latency]") {
    latency_histogram histogram;
    histogram.add(5);
    histogram.add(90'000);
    CHECK(histogram.percentile_ms(1.0) == 90'000);
    CHECK(histogram.percentile_ms(0.5) == 6);
}

TEST_CASE("latency - no percentile exceeds the slowest answer", "[latency]") {
    latency_histogram histogram;
    for (int i = 0; i < 100; ++i)
        histogram.add(152.02); // every answer in the bucket [152, 153)
    CHECK(histogram.percentile_ms(0.99) == 152.02);
    CHECK(histogram.percentile_ms(0.50) == 152.02);
    CHECK(histogram.max_ms() == 152.02);
}
