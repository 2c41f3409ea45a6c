// stop_signals: SIGINT and SIGTERM turned into a counter the scheduler
// reads, instead of work done inside a signal handler.
//
// install() blocks both signals in the calling thread, so it must run in
// main() before any other thread exists (threads inherit the mask). A
// dedicated thread then takes them with sigwait(): the first asks for a
// clean stop, the second abandons requests in flight, the third ends the
// process at once in case something is stuck.
#pragma once

#include <atomic>
#include <functional>

namespace fetchctl::stop_signals {

void install();

/// How many stop signals have arrived.
const std::atomic<int> &requests();

/// Called (from the signal thread) after each signal; replaces any earlier
/// callback. Used to wake the scheduler.
void on_signal(std::function<void()> callback);

} // namespace fetchctl::stop_signals
