// Per-client request limit in fixed one-second windows.
//
// Windows are aligned to the wall-clock second, so a client that paces
// itself by the clock sees exactly `limit` admissions per second. Every
// request counts toward its window, refused ones included, as many real
// APIs do: hammering while limited keeps you limited. One mutex guards
// the map; admit() may be called from any number of handler threads.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace orders_server {

class rate_limiter {
public:
    /// `per_second` <= 0 disables the limit: admit() then always succeeds.
    explicit rate_limiter(int per_second);

    /// Counts one request from `client` in the current second and says
    /// whether it is within the limit.
    bool admit(const std::string& client);

    /// Same as admit(client), with the window given explicitly (tests).
    bool admit(const std::string& client, std::int64_t second);

private:
    struct window {
        std::int64_t second = 0;
        int count = 0;
    };

    void forget_stale_locked(std::int64_t second);

    int limit_;
    std::mutex mutex_;
    std::unordered_map<std::string, window> windows_;
    std::int64_t last_sweep_ = 0;
};

}  // namespace orders_server
