// reactor_loop: the poco_async transport's engine. One thread runs a
// Poco::Net::PollSet over every connection's socket plus a waker, and does
// all the work: starting requests, connecting, sending, parsing, pooling,
// enforcing timeouts and calling back.
//
// Why a PollSet loop and not Poco::Net::SocketReactor: in Poco 1.11 the
// SocketReactor polls with one fixed timeout (250 ms by default), so a
// deadline could fire up to that late, and its wakeUp() only ends an idle
// sleep (in the installed libPocoNet it just calls Thread::wakeUp()) rather
// than interrupting a poll, so a new request could wait a full timeout
// before being noticed. Driving PollSet (epoll on Linux) directly lets each
// poll wait exactly until the nearest deadline, and the waker (waker.hpp)
// interrupts it the moment work is queued. Every PollSet call happens on
// the reactor thread, so nothing relies on PollSet's own locking.
//
// Timeouts: every request has one entry in a deadline_queue holding the
// earliest of its total deadline (from submit) and the deadline of its
// current phase: resolve + connect (connect_timeout_ms), or no data moving
// for idle_timeout_ms once connected. Pooled connections expire after
// pool_idle_timeout_ms. The poll timeout is the nearest of these.
//
// A finished response is decoded (gzip, deflate) on this thread when the
// transport offered compression itself, before the callback.
//
// Threading: submit() is called from one host thread; completions are
// called from the reactor thread; stop() from any thread but the reactor's.
// Ownership: owns its threads, sockets and requests; stop() abandons the
// requests in flight without calling back.
#pragma once

#include "connection_pool.hpp"
#include "deadline_queue.hpp"
#include "http_target.hpp"
#include "request_state.hpp"
#include "resolver.hpp"
#include "waker.hpp"

#include <Poco/Net/PollSet.h>
#include <Poco/Runnable.h>
#include <Poco/Thread.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace fetchctl::poco_async {

struct loop_config {
    uint32_t max_in_flight = 50;
    /// 0: each request's own total timeout serves as its idle timeout.
    uint32_t idle_timeout_ms = 0;
    uint32_t pool_idle_timeout_ms = 30000;
    uint32_t dns_cache_ms = 10000;
    std::size_t max_header_bytes = 64 * 1024;
    /// Offer gzip/deflate and decode the body (config `accept_encoding`).
    bool accept_encoding = true;
};

/// One answer; every pointer is borrowed for the duration of the callback.
struct completion {
    uint64_t request_id = 0;
    int32_t transport_error = 0; ///< FC_TRANSPORT_*
    const std::string *error_message = nullptr;
    int status = 0;
    const header_list *headers = nullptr;
    const std::string *body = nullptr;
};

class reactor_loop : private Poco::Runnable {
public:
    using complete_fn = std::function<void(const completion &)>;
    using log_fn = std::function<void(int32_t level, const std::string &message)>;

    /// Nothing runs until start(). `on_complete` is called on the reactor
    /// thread exactly once per accepted request (unless stop() abandons
    /// it) and must not throw. `lookup` replaces the system resolver
    /// (tests use it).
    reactor_loop(const loop_config &config, complete_fn on_complete, log_fn log,
                 resolver::lookup_fn lookup = resolver::lookup_fn());
    ~reactor_loop() override;

    reactor_loop(const reactor_loop &) = delete;
    reactor_loop &operator=(const reactor_loop &) = delete;

    /// Starts the reactor and resolver threads. Throws on failure.
    void start();

    /// Queues a request and wakes the reactor; no I/O, no DNS here. A URL
    /// or header that cannot be sent is still accepted, and completes with
    /// an error from the reactor thread. Returns false (and says why) only
    /// when the request is not accepted: more than max_in_flight pending,
    /// or the loop is stopped. Host submit thread only. May throw
    /// std::bad_alloc.
    bool submit(const request_spec &spec, std::string &why);

    /// Stops both threads, closes every socket and frees every request
    /// without calling back. Idempotent; never call it from a callback.
    void stop() noexcept;

    uint32_t max_in_flight() const noexcept { return config_.max_in_flight; }

private:
    void run() override;
    void iterate();
    void dispatch(connection *conn, int mode, time_point now);
    bool has_posted();
    void take_posted(time_point now);

    void start_request(std::unique_ptr<request_state> req, time_point now);
    void acquire_connection(request_state &req, time_point now, bool allow_pool);
    void connect_next_address(request_state &req, time_point now);
    void handle_outcome(request_state &req, connection::outcome out, time_point now);
    void handle_failure(request_state &req, connection::outcome out, time_point now);
    void on_resolved(const resolve_result &result, time_point now);
    void expire_deadlines(time_point now);
    void expire_pool(time_point now);

    response_parser::limits wire_limits(const request_state &req) const;
    time_point deadline_of(const request_state &req) const;
    void arm(request_state &req);
    void complete_ok(request_state &req, time_point now);
    void complete_error(request_state &req, int32_t error, const std::string &message);
    void deliver_finished() noexcept;
    void fail_if_alive(uint64_t key, const std::string &message) noexcept;
    void deliver(const completion &c) noexcept;

    void watch(connection &conn);
    void unwatch(connection &conn) noexcept;
    void retire(std::unique_ptr<connection> conn) noexcept;
    void shutdown_all() noexcept;
    void log_throttled(int32_t level, const std::string &message) noexcept;

    loop_config config_;
    complete_fn on_complete_;
    log_fn log_;

    // Shared with the submit and resolver threads.
    std::mutex queue_mutex_;
    std::deque<std::unique_ptr<request_state>> submitted_;
    std::deque<resolve_result> resolved_;
    std::atomic<bool> stopping_{false};
    std::atomic<uint32_t> in_flight_{0};
    uint64_t next_key_ = 1; // submit thread only
    target_parser targets_; // submit thread only
    waker waker_;

    // Reactor thread only.
    Poco::Net::PollSet poll_set_;
    std::unordered_map<const void *, connection *> by_socket_;
    std::unordered_map<uint64_t, std::unique_ptr<request_state>> requests_;
    std::unordered_map<std::string, std::vector<uint64_t>> waiting_for_dns_;
    deadline_queue deadlines_;
    connection_pool pool_;
    dns_cache dns_cache_;
    std::vector<char> read_buffer_;
    uint64_t next_connection_id_ = 1;

    // Answers of the current loop turn, called back together at its end:
    // the host then takes a burst at once rather than being woken per
    // answer (measured at high rates: that wake was 8% of this thread's time).
    struct finished_request {
        uint64_t request_id = 0;
        int32_t transport_error = 0;
        std::string error_message;
        int status = 0;
        header_list headers;
        std::string body;
    };
    std::vector<finished_request> finished_;
    time_point last_warning_{};
    uint64_t suppressed_warnings_ = 0;

    resolver resolver_;
    Poco::Thread thread_;
    bool started_ = false; // host threads only, like stopped_
    bool stopped_ = false;
};

} // namespace fetchctl::poco_async
