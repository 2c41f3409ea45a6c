// Interruptible sleeps; see stop_latch.hpp.
#include "stop_latch.hpp"

namespace orders_server {

void stop_latch::trigger() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        triggered_ = true;
    }
    woken_.notify_all();
}

bool stop_latch::triggered() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return triggered_;
}

bool stop_latch::sleep_for(std::chrono::milliseconds duration) {
    std::unique_lock<std::mutex> lock(mutex_);
    return !woken_.wait_for(lock, duration, [this] { return triggered_; });
}

}  // namespace orders_server
