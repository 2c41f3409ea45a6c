// resolver: see resolver.hpp for the contract.
#include "resolver.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <Poco/Net/HostEntry.h>
#include <Poco/Net/NetException.h>

#include <exception>

namespace fetchctl::poco_async {

resolver::resolver(deliver_fn deliver, lookup_fn lookup)
    : deliver_(std::move(deliver)), lookup_(lookup ? std::move(lookup) : system_lookup) {}

resolver::~resolver() { stop(); }

void resolver::start() {
    thread_ = std::thread([this] { run(); });
}

void resolver::stop() noexcept {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        queue_.clear();
    }
    wanted_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void resolver::lookup(const std::string &host) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) {
            return;
        }
        queue_.push_back(host);
    }
    wanted_.notify_one();
}

std::vector<Poco::Net::IPAddress> resolver::system_lookup(const std::string &host) {
    // No AI_ADDRCONFIG hint (Poco's default): with it, glibc refuses names
    // such as "localhost" on a machine whose only interface is loopback.
    const Poco::Net::HostEntry entry =
        Poco::Net::DNS::hostByName(host, Poco::Net::DNS::DNS_HINT_NONE);
    std::vector<Poco::Net::IPAddress> out;
    for (const auto &address : entry.addresses()) {
        if (address.family() == Poco::Net::IPAddress::IPv4 ||
            address.family() == Poco::Net::IPAddress::IPv6) {
            out.push_back(address);
        }
    }
    if (out.empty()) {
        throw Poco::Net::NoAddressFoundException(host);
    }
    return out;
}

void resolver::run() noexcept {
    for (;;) {
        std::string host;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wanted_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                return;
            }
            host = std::move(queue_.front());
            queue_.pop_front();
        }

        // Nothing may escape this thread: every failure becomes a result.
        try {
            resolve_result result;
            result.host = host;
            try {
                result.addresses = lookup_(host);
                if (result.addresses.empty()) {
                    result.error = "no address found for '" + host + "'";
                }
            } catch (const Poco::Exception &e) {
                result.error = "cannot resolve '" + host + "': " + e.displayText();
            } catch (const std::exception &e) {
                result.error = "cannot resolve '" + host + "': " + e.what();
            }
            deliver_(std::move(result));
        } catch (...) {
            // Out of memory while reporting: the waiting requests still end
            // through their own deadlines.
        }
    }
}

const std::vector<Poco::Net::IPAddress> *dns_cache::find(const std::string &host, time_point now) {
    const auto it = entries_.find(host);
    if (it == entries_.end()) {
        return nullptr;
    }
    if (now >= it->second.expires) {
        entries_.erase(it);
        return nullptr;
    }
    return &it->second.addresses;
}

void dns_cache::store(const std::string &host, const std::vector<Poco::Net::IPAddress> &addresses,
                      time_point now) {
    if (ttl_.count() == 0 || addresses.empty()) {
        return;
    }
    // Keep the table small without a sweeper: when it grows, drop what has
    // expired (and everything, if a job really talks to that many hosts).
    if (entries_.size() >= 1024) {
        for (auto it = entries_.begin(); it != entries_.end();) {
            it = now >= it->second.expires ? entries_.erase(it) : std::next(it);
        }
        if (entries_.size() >= 1024) {
            entries_.clear();
        }
    }
    entries_[host] = entry{addresses, now + ttl_};
}

} // namespace fetchctl::poco_async
