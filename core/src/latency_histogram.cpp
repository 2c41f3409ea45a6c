// latency_histogram.cpp: see latency_histogram.hpp.
#include "latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace fetchctl {
namespace {

constexpr std::size_t bucket_count = 60'000 + 1; // the last one: a minute or more

} // namespace

latency_histogram::latency_histogram() : buckets_(bucket_count, 0) {}

void latency_histogram::add(double milliseconds) {
    const double ms = std::max(0.0, milliseconds);
    const auto bucket = std::min<std::size_t>(static_cast<std::size_t>(ms), bucket_count - 1);
    ++buckets_[bucket];
    ++count_;
    max_ms_ = std::max(max_ms_, ms);
}

double latency_histogram::percentile_ms(double fraction) const {
    if (count_ == 0)
        return 0;
    const auto rank = static_cast<std::uint64_t>(
        std::ceil(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_)));
    std::uint64_t seen = 0;
    for (std::size_t bucket = 0; bucket < buckets_.size(); ++bucket) {
        seen += buckets_[bucket];
        if (seen >= std::max<std::uint64_t>(rank, 1))
            // A bucket's upper edge, but never above the slowest answer seen.
            return bucket + 1 < bucket_count ? std::min(static_cast<double>(bucket + 1), max_ms_)
                                             : max_ms_;
    }
    return max_ms_;
}

} // namespace fetchctl
