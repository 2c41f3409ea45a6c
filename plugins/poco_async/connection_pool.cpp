// connection_pool: see connection_pool.hpp for the contract.
#include "connection_pool.hpp"

namespace fetchctl::poco_async {

connection_pool::connection_pool(std::size_t max_idle, steady_clock::duration max_idle_age)
    : max_idle_(max_idle), max_age_(max_idle_age) {}

connection_pool::connection_ptr connection_pool::take(const std::string &key) {
    const auto it = idle_.find(key);
    if (it == idle_.end()) {
        return nullptr;
    }

    connection_ptr conn = std::move(it->second.back().conn);
    it->second.pop_back();
    if (it->second.empty()) {
        idle_.erase(it);
    }
    --count_;
    return conn;
}

std::vector<connection_pool::connection_ptr> connection_pool::put(connection_ptr conn,
                                                                  time_point now) {
    std::vector<connection_ptr> evicted;
    if (max_idle_ == 0) {
        evicted.push_back(std::move(conn));
        return evicted;
    }

    const std::string key = conn->pool_key();
    idle_[key].push_back(entry{std::move(conn), now});
    ++count_;
    while (count_ > max_idle_) {
        const auto it = oldest();
        evicted.push_back(std::move(it->second.front().conn));
        it->second.pop_front();
        if (it->second.empty()) {
            idle_.erase(it);
        }
        --count_;
    }
    return evicted;
}

connection_pool::connection_ptr connection_pool::remove(const connection *conn) {
    const auto it = idle_.find(conn->pool_key());
    if (it == idle_.end()) {
        return nullptr;
    }

    auto &list = it->second;
    for (auto e = list.begin(); e != list.end(); ++e) {
        if (e->conn.get() == conn) {
            connection_ptr out = std::move(e->conn);
            list.erase(e);
            if (list.empty()) {
                idle_.erase(it);
            }
            --count_;
            return out;
        }
    }
    return nullptr;
}

std::vector<connection_pool::connection_ptr> connection_pool::expire(time_point now) {
    std::vector<connection_ptr> expired;
    for (auto it = idle_.begin(); it != idle_.end();) {
        auto &list = it->second;
        while (!list.empty() && now - list.front().idle_since >= max_age_) {
            expired.push_back(std::move(list.front().conn));
            list.pop_front();
            --count_;
        }
        it = list.empty() ? idle_.erase(it) : std::next(it);
    }
    return expired;
}

std::optional<time_point> connection_pool::next_expiry() const {
    std::optional<time_point> next;
    for (const auto &[key, list] : idle_) {
        const time_point t = list.front().idle_since + max_age_;
        if (!next || t < *next) {
            next = t;
        }
    }
    return next;
}

std::vector<connection_pool::connection_ptr> connection_pool::drain() {
    std::vector<connection_ptr> all;
    for (auto &[key, list] : idle_) {
        for (auto &e : list) {
            all.push_back(std::move(e.conn));
        }
    }
    idle_.clear();
    count_ = 0;
    return all;
}

std::map<std::string, std::deque<connection_pool::entry>>::iterator connection_pool::oldest() {
    auto best = idle_.begin();
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
        if (it->second.front().idle_since < best->second.front().idle_since) {
            best = it;
        }
    }
    return best;
}

} // namespace fetchctl::poco_async
