// latency_histogram: request latencies in fixed memory, for percentiles.
//
// One-millisecond buckets up to 60 s, then one overflow bucket, so a
// million requests cost the same as ten. Percentiles are exact to the
// millisecond below a minute.
#pragma once

#include <cstdint>
#include <vector>

namespace fetchctl {

class latency_histogram {
public:
    latency_histogram();

    void add(double milliseconds);

    std::uint64_t count() const { return count_; }
    double max_ms() const { return max_ms_; }

    /// The latency at or below which `fraction` (0..1) of the requests
    /// were answered; 0 when nothing was recorded.
    double percentile_ms(double fraction) const;

private:
    std::vector<std::uint64_t> buckets_;
    std::uint64_t count_ = 0;
    double max_ms_ = 0;
};

} // namespace fetchctl
