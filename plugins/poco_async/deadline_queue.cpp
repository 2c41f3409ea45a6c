// deadline_queue: see deadline_queue.hpp for the contract.
#include "deadline_queue.hpp"

namespace fetchctl::poco_async {

void deadline_queue::set(uint64_t key, time_point when) {
    cancel(key);
    order_.emplace(when, key);
    when_.emplace(key, when);
}

void deadline_queue::cancel(uint64_t key) {
    const auto it = when_.find(key);
    if (it == when_.end()) {
        return;
    }
    order_.erase({it->second, key});
    when_.erase(it);
}

void deadline_queue::pop_due(time_point now, std::vector<uint64_t> &due) {
    while (!order_.empty() && order_.begin()->first <= now) {
        const uint64_t key = order_.begin()->second;
        order_.erase(order_.begin());
        when_.erase(key);
        due.push_back(key);
    }
}

} // namespace fetchctl::poco_async
