// Counters behind GET /stats.
//
// Counts requests, responses by status code and injected faults by kind.
// Everything is a relaxed atomic: handler threads bump counters without
// locking, and a /stats reader may see a request counted whose response
// is still in flight. TCP connections are counted by the Poco server
// itself and passed in when rendering.
#pragma once

#include "fault_plan.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace orders_server {

class server_stats {
public:
    void count_request() { requests_.fetch_add(1, relaxed); }

    /// Counts one response; codes outside 100-599 are ignored.
    void count_response(int status);

    void count_fault(fault_kind kind);

    /// Renders `{"requests":..,"responses":{"200":..},"connections":..,
    /// "faults":{"reset":..}}`; zero counts are left out of the maps.
    std::string to_json(std::int64_t connections) const;

private:
    static constexpr auto relaxed = std::memory_order_relaxed;
    static constexpr int lowest_status = 100;
    static constexpr int highest_status = 599;

    std::atomic<std::uint64_t> requests_{0};
    std::array<std::atomic<std::uint64_t>,
               highest_status - lowest_status + 1> responses_{};
    std::array<std::atomic<std::uint64_t>, fault_kind_count> faults_{};
};

}  // namespace orders_server
