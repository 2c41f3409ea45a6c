// rate_limiter.cpp: see rate_limiter.hpp.
#include "rate_limiter.hpp"

#include <algorithm>

namespace fetchctl {

rate_limiter::rate_limiter(double requests_per_second, double burst, clock::time_point start)
    : rate_(requests_per_second), burst_(std::max(1.0, burst)), last_refill_(start),
      pause_end_(start) {}

void rate_limiter::refill(clock::time_point now) {
    if (now <= last_refill_)
        return;
    const double elapsed = std::chrono::duration<double>(now - last_refill_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    last_refill_ = now;
}

std::optional<rate_limiter::clock::time_point> rate_limiter::try_acquire(clock::time_point now) {
    if (now < pause_end_)
        return pause_end_;
    if (rate_ <= 0)
        return std::nullopt;

    refill(now);
    if (tokens_ >= 1) {
        tokens_ -= 1;
        return std::nullopt;
    }

    const double missing = 1 - tokens_;
    const auto wait = std::chrono::duration<double>(missing / rate_);
    // Round up so the caller does not wake a hair early and spin.
    return now + std::chrono::ceil<clock::duration>(wait);
}

void rate_limiter::set_rate(double requests_per_second, clock::time_point now) {
    refill(now); // tokens earned at the old rate stay earned
    rate_ = requests_per_second;
}

void rate_limiter::pause_until(clock::time_point until) {
    pause_end_ = std::max(pause_end_, until);
    tokens_ = 0;
    last_refill_ = std::max(last_refill_, pause_end_);
}

} // namespace fetchctl
