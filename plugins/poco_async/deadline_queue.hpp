// deadline_queue: the reactor's timers, one deadline per key, ordered so
// the nearest one is found in O(1) and each change costs O(log n).
//
// The reactor keeps at most one entry per request and re-arms it lazily:
// when an entry comes due, the owner recomputes the real deadline (which
// may have moved later, e.g. after data arrived) and either acts or sets a
// new entry. Moving a deadline earlier must be done with set() at once.
//
// Ownership: plain values. Threading: reactor thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fetchctl::poco_async {

using steady_clock = std::chrono::steady_clock;
using time_point = steady_clock::time_point;

class deadline_queue {
public:
    /// Sets (or replaces) the deadline of `key`.
    void set(uint64_t key, time_point when);
    /// Forgets `key`; harmless when it has no deadline.
    void cancel(uint64_t key);

    bool empty() const noexcept { return order_.empty(); }
    std::size_t size() const noexcept { return order_.size(); }
    /// The nearest deadline. Precondition: !empty().
    time_point earliest() const { return order_.begin()->first; }

    /// Removes every entry due at `now` and appends its key to `due`.
    void pop_due(time_point now, std::vector<uint64_t> &due);

private:
    std::set<std::pair<time_point, uint64_t>> order_;
    std::unordered_map<uint64_t, time_point> when_;
};

} // namespace fetchctl::poco_async
