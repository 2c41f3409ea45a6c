// A one-way "we are shutting down" flag that sleepers can wait on.
//
// Handlers sleep for simulated latency, stalls and drips; on SIGTERM those
// sleeps must end at once, or the server's thread pool would wait for
// them before it can exit. trigger() and sleep_for() may be called from
// any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace orders_server {

class stop_latch {
public:
    /// Wakes every sleeper; later sleeps return immediately.
    void trigger();

    bool triggered() const;

    /// Sleeps for `duration` or until trigger(). Returns false if it was
    /// cut short by (or started after) trigger().
    bool sleep_for(std::chrono::milliseconds duration);

private:
    mutable std::mutex mutex_;
    std::condition_variable woken_;
    bool triggered_ = false;
};

}  // namespace orders_server
