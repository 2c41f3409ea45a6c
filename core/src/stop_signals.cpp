// stop_signals.cpp: see stop_signals.hpp.
#include "stop_signals.hpp"

#include <csignal>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <unistd.h>

#include "exit_codes.hpp"

namespace fetchctl::stop_signals {
namespace {

std::atomic<int> count{0};
std::mutex callback_mutex;
std::function<void()> callback;

sigset_t stop_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

void watch() {
    const sigset_t set = stop_set();
    for (;;) {
        int signal = 0;
        if (sigwait(&set, &signal) != 0)
            continue;
        if (++count >= 3)
            ::_exit(exit_code::interrupted);
        std::lock_guard<std::mutex> lock(callback_mutex);
        if (callback)
            callback();
    }
}

} // namespace

void install() {
    const sigset_t set = stop_set();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    // Detached: it blocks in sigwait() for the life of the process.
    std::thread(watch).detach();
}

const std::atomic<int> &requests() {
    return count;
}

void on_signal(std::function<void()> new_callback) {
    std::lock_guard<std::mutex> lock(callback_mutex);
    callback = std::move(new_callback);
}

} // namespace fetchctl::stop_signals
