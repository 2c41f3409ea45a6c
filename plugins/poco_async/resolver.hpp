// resolver: host name lookups off the reactor thread, plus a short-lived
// cache the reactor consults first.
//
// getaddrinfo() blocks for as long as DNS takes, so it must never run on
// the reactor. A resolver owns one helper thread that runs lookups (through
// Poco::Net::DNS by default) one at a time and hands each result to a
// delivery function, which the reactor uses to queue the result and wake
// itself. Numeric addresses never get here: the reactor parses them itself.
//
// Ownership: owns the helper thread and its queue. Threading: lookup() may
// be called from any thread; `deliver` runs on the helper thread; stop()
// joins the helper, and after it returns `deliver` is never called again.
// A lookup already inside getaddrinfo() cannot be cancelled, so stop() may
// wait for it to finish.
#pragma once

#include "deadline_queue.hpp" // time_point

#include <Poco/Net/IPAddress.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace fetchctl::poco_async {

struct resolve_result {
    std::string host;
    std::vector<Poco::Net::IPAddress> addresses; ///< empty on failure
    std::string error;                           ///< why, on failure
};

class resolver {
public:
    /// Returns the addresses of `host` or throws (any exception) on failure.
    using lookup_fn = std::function<std::vector<Poco::Net::IPAddress>(const std::string &host)>;
    using deliver_fn = std::function<void(resolve_result)>;

    /// `lookup` defaults to system_lookup. Nothing runs until start().
    explicit resolver(deliver_fn deliver, lookup_fn lookup = lookup_fn());
    ~resolver();

    resolver(const resolver &) = delete;
    resolver &operator=(const resolver &) = delete;

    /// Starts the helper thread. Throws std::system_error if it cannot.
    void start();
    /// Drops queued lookups and joins the helper thread. Idempotent.
    void stop() noexcept;

    /// Queues a lookup of `host`. The caller dedupes: asking twice runs
    /// two lookups.
    void lookup(const std::string &host);

    /// Poco::Net::DNS::hostByName, keeping IPv4 and IPv6 addresses.
    static std::vector<Poco::Net::IPAddress> system_lookup(const std::string &host);

private:
    void run() noexcept;

    deliver_fn deliver_;
    lookup_fn lookup_;
    std::mutex mutex_;
    std::condition_variable wanted_;
    std::deque<std::string> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

/// Recent lookup results, so a burst of requests to one host costs one
/// lookup. Reactor thread only.
class dns_cache {
public:
    /// `ttl_ms` 0 disables caching.
    explicit dns_cache(uint32_t ttl_ms) : ttl_(std::chrono::milliseconds(ttl_ms)) {}

    /// The cached addresses of `host`, or null when absent or expired.
    const std::vector<Poco::Net::IPAddress> *find(const std::string &host, time_point now);
    void store(const std::string &host, const std::vector<Poco::Net::IPAddress> &addresses,
               time_point now);

private:
    struct entry {
        std::vector<Poco::Net::IPAddress> addresses;
        time_point expires;
    };

    steady_clock::duration ttl_;
    std::unordered_map<std::string, entry> entries_;
};

} // namespace fetchctl::poco_async
