// test_http_server: a small HTTP/1.1 server on 127.0.0.1 whose every byte
// is scripted by the test, for checking transports against exact answers
// and exact misbehaviour.
//
// A test registers a handler per path; the handler sees the parsed request
// and returns a scripted_reply: status, headers, body, framing (Content-
// Length or chunked) and an optional fault (stall, truncate, close, raw
// garbage). Connections are kept alive unless the reply or the client
// says otherwise, and the server counts connections and requests so tests
// can check reuse.
//
// Ownership: owns its listening socket, one thread per accepted connection
// and those connections. stop() (or the destructor) wakes every stalled
// handler, shuts every socket down and joins every thread, so nothing
// outlives the object.
//
// Threading: route() before the first request to that path; everything
// else from any thread. Handlers run on connection threads, concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fetchctl::conformance {

struct seen_request {
    std::string method;
    std::string path;  ///< without the query
    std::string query; ///< after '?', or empty
    std::map<std::string, std::string> headers; ///< names lowercased
    size_t connection_id = 0;       ///< which accepted connection, from 0
    size_t index_on_connection = 0; ///< 0 for a connection's first request
};

struct scripted_reply {
    enum class framing { content_length, chunked };
    enum class fault {
        none,
        stall_before_headers, ///< read the request, then say nothing
        stall_after_headers,  ///< send the head and `cut_at` body bytes, then nothing
        truncate_body,        ///< send the head and `cut_at` body bytes, then close
        close_after_reply,    ///< a full reply, then close (no Connection: close)
        close_without_reply,  ///< close as soon as the request is read
        raw_bytes,            ///< send `raw` verbatim, then close
    };

    int status = 200;
    std::string reason = "OK";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    framing frame = framing::content_length;
    fault what = fault::none;
    size_t cut_at = 0;
    std::string raw;
    std::chrono::milliseconds delay{0}; ///< wait this long before answering
};

using route_handler = std::function<scripted_reply(const seen_request &)>;

class test_http_server {
public:
    /// Binds 127.0.0.1 on a free port and starts accepting. Throws
    /// std::system_error when the socket cannot be set up.
    test_http_server();
    ~test_http_server();

    test_http_server(const test_http_server &) = delete;
    test_http_server &operator=(const test_http_server &) = delete;

    /// Serves `path` (exact match, query ignored) with `handler`. Paths
    /// without a handler get a 404.
    void route(const std::string &path, route_handler handler);

    uint16_t port() const noexcept { return port_; }
    /// "http://127.0.0.1:<port><target>"
    std::string url(const std::string &target) const;

    size_t connections_accepted() const;
    size_t requests_to(const std::string &path) const;

    /// Waits until `path` has seen `count` requests; false on timeout.
    bool wait_for_requests(const std::string &path, size_t count,
                           std::chrono::milliseconds timeout);

    /// Ends every stall, closes every connection, joins every thread.
    /// Idempotent.
    void stop();

private:
    void accept_loop();
    void serve(int fd, size_t connection_id);
    bool read_request(int fd, std::string &buffer, seen_request &request);
    bool reply(int fd, const scripted_reply &reply, bool client_wants_close);
    /// Sleeps up to `how_long`, returning early (false) if the server stops.
    bool pause(std::chrono::milliseconds how_long);
    void forget(int fd);

    int listen_fd_ = -1;
    uint16_t port_ = 0;
    std::thread acceptor_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;                        // guarded by mutex_
    std::map<std::string, route_handler> routes_;  // guarded by mutex_
    std::map<std::string, size_t> hits_;           // guarded by mutex_
    size_t connections_ = 0;                       // guarded by mutex_
    std::vector<int> open_fds_;                    // guarded by mutex_
    std::vector<std::thread> connection_threads_;  // guarded by mutex_
};

/// A 127.0.0.1 port that was bound a moment ago and is closed now, so a
/// connect to it is refused (nothing else on this host is expected to grab
/// it within the test). Throws std::system_error.
uint16_t closed_loopback_port();

/// A 127.0.0.1 listener whose accept queue is full and never drained, so a
/// new connection attempt gets no SYN-ACK and hangs until its connect
/// timeout. Used to tell a connect timeout from a total timeout.
class unanswered_listener {
public:
    /// Throws std::system_error on socket failures, std::runtime_error when
    /// the kernel kept answering (the queue would not fill).
    unanswered_listener();
    ~unanswered_listener();

    unanswered_listener(const unanswered_listener &) = delete;
    unanswered_listener &operator=(const unanswered_listener &) = delete;

    uint16_t port() const noexcept { return port_; }

private:
    int listen_fd_ = -1;
    uint16_t port_ = 0;
    std::vector<int> fillers_;
};

/// `size` deterministic bytes, all 256 values included, so a body that is
/// cut, shifted or re-encoded does not compare equal by accident.
std::string pattern_bytes(size_t size, uint32_t seed = 1);

} // namespace fetchctl::conformance
