// Fixed-window rate limiting; see rate_limiter.hpp.
#include "rate_limiter.hpp"

#include <chrono>

namespace orders_server {
namespace {

// Beyond this many tracked clients, windows from past seconds are dropped
// so a long run with many source addresses cannot grow without bound.
constexpr std::size_t sweep_threshold = 4096;

}  // namespace

rate_limiter::rate_limiter(int per_second) : limit_(per_second) {}

bool rate_limiter::admit(const std::string& client) {
    using namespace std::chrono;
    auto now = system_clock::now().time_since_epoch();
    return admit(client, duration_cast<seconds>(now).count());
}

bool rate_limiter::admit(const std::string& client, std::int64_t second) {
    if (limit_ <= 0) {
        return true;
    }

    std::lock_guard<std::mutex> lock(mutex_);
    forget_stale_locked(second);

    window& w = windows_[client];
    if (w.second != second) {
        w.second = second;
        w.count = 0;
    }
    ++w.count;
    return w.count <= limit_;
}

void rate_limiter::forget_stale_locked(std::int64_t second) {
    if (windows_.size() < sweep_threshold || second == last_sweep_) {
        return;
    }

    last_sweep_ = second;
    for (auto it = windows_.begin(); it != windows_.end();) {
        it = it->second.second < second ? windows_.erase(it) : std::next(it);
    }
}

}  // namespace orders_server
