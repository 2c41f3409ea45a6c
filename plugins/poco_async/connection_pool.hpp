// connection_pool: idle keep-alive connections, grouped by "host:port".
//
// A connection enters the pool after a response that allows reuse and
// leaves it when a request to the same host:port takes it, when it has been
// idle longer than the pool's idle limit (servers drop idle connections
// too, and an old one is more likely to be dead), when the server closes it
// (the reactor watches idle sockets for that), or when the pool is over its
// size cap. Reuse takes the most recently used connection first: it is the
// one most likely to still be open.
//
// Ownership: owns the idle connections. Whatever it gives back (take,
// evictions, expiries) the caller owns and must unregister and close.
// Threading: reactor thread only.
#pragma once

#include "connection.hpp"

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fetchctl::poco_async {

class connection_pool {
public:
    using connection_ptr = std::unique_ptr<connection>;

    /// Keeps at most `max_idle` connections in all, each for at most
    /// `max_idle_age`.
    connection_pool(std::size_t max_idle, steady_clock::duration max_idle_age);

    /// The most recently pooled connection for `key`, or null.
    connection_ptr take(const std::string &key);

    /// Pools `conn` (which must be idle). Returns the connections evicted
    /// to stay under the cap, oldest first.
    std::vector<connection_ptr> put(connection_ptr conn, time_point now);

    /// Removes the pooled connection `conn` (e.g. the server closed it).
    /// Returns null when it is not in the pool.
    connection_ptr remove(const connection *conn);

    /// Removes every connection idle since before now - max_idle_age.
    std::vector<connection_ptr> expire(time_point now);

    /// When the next connection will be too old, if any is pooled.
    std::optional<time_point> next_expiry() const;

    /// Empties the pool.
    std::vector<connection_ptr> drain();

    std::size_t size() const noexcept { return count_; }

private:
    struct entry {
        connection_ptr conn;
        time_point idle_since;
    };

    /// The key whose front (oldest) entry is the oldest overall.
    std::map<std::string, std::deque<entry>>::iterator oldest();

    std::size_t max_idle_;
    steady_clock::duration max_age_;
    // Per key, oldest at the front. A job talks to few hosts, so scanning
    // the keys for the oldest entry is cheaper than a second index.
    std::map<std::string, std::deque<entry>> idle_;
    std::size_t count_ = 0;
};

} // namespace fetchctl::poco_async
