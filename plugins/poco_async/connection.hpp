// connection: one non-blocking TCP connection to one host:port, and the
// state of the request/response exchange it is carrying.
//
// Life of a connection: connecting -> sending -> receiving -> idle (in the
// pool) -> sending -> ... -> closed. The reactor owns the socket's place in
// the PollSet; a connection only says which events it wants (poll_mode())
// and reacts to the ones it gets (on_ready()). Nothing here blocks: the
// socket is non-blocking from connectNB() on, and every wait is the
// reactor's.
//
// Ownership: owns its socket and, during an exchange, the request bytes and
// the response_parser. A connection belongs either to one request or to
// the pool, never both. Threading: reactor thread only.
#pragma once

#include "deadline_queue.hpp" // time_point
#include "response_parser.hpp"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fetchctl::poco_async {

class connection {
public:
    enum class phase { fresh, connecting, sending, receiving, idle, closed };

    /// What an I/O step produced.
    struct outcome {
        enum kind {
            progress,  ///< keep waiting (poll_mode() may have changed)
            connected, ///< the TCP connect just completed (deadlines change)
            complete,  ///< a whole response is in; see take_response()
            failed,    ///< see error and message
        };
        kind what = progress;
        int32_t error = 0; ///< an FC_TRANSPORT_* code when failed
        std::string message;
        /// The failure hit a connection reused from the pool before any
        /// byte of the response arrived: the server had most likely closed
        /// it while idle, so the request never reached it (see reactor).
        bool stale_reuse = false;
    };

    connection(uint64_t id, std::string pool_key, const Poco::Net::SocketAddress &peer);
    ~connection();

    connection(const connection &) = delete;
    connection &operator=(const connection &) = delete;

    uint64_t id() const noexcept { return id_; }
    const std::string &pool_key() const noexcept { return pool_key_; }
    const Poco::Net::SocketAddress &peer() const noexcept { return peer_; }
    const Poco::Net::StreamSocket &socket() const noexcept { return socket_; }
    phase state() const noexcept { return phase_; }

    /// Starts a non-blocking connect. Fails at once when the kernel refuses
    /// outright (e.g. no route); otherwise completion comes via on_ready().
    outcome connect(time_point now);

    /// Gives the connection a request to carry: `request` is the whole head
    /// (request_writer). On an idle connection the send starts at once; on a
    /// connecting one it starts when the connect completes.
    outcome begin_exchange(std::string request, const response_parser::limits &limits,
                           bool head_request, time_point now);

    /// Handles readiness reported by the PollSet (PollSet::POLL_* bits).
    /// `buffer` is scratch space for reads, shared by all connections.
    outcome on_ready(int mode, time_point now, std::vector<char> &buffer);

    /// The PollSet mode this connection waits for now (0 when closed).
    int poll_mode() const noexcept;

    /// Hands over the finished response (after outcome::complete) and makes
    /// the connection idle. The result stays valid after the connection is
    /// pooled or closed.
    std::unique_ptr<response_parser> take_response();

    /// After outcome::complete: may this connection carry another request?
    bool reusable() const noexcept { return reusable_; }

    /// Served at least one whole response before the current exchange.
    bool reused() const noexcept { return responses_ > 0; }

    /// When bytes last moved in either direction; the idle-read timeout
    /// counts from here.
    time_point last_progress() const noexcept { return last_progress_; }

    /// The PollSet mode the reactor registered, kept here for the reactor.
    int watched_mode = 0;
    /// The internal key of the request being served, 0 while pooled.
    uint64_t owner = 0;

    /// Closes the socket. The reactor removes it from the PollSet first.
    void close() noexcept;

private:
    outcome finish_connect(int mode, time_point now);
    outcome send_more(time_point now);
    outcome receive(time_point now, std::vector<char> &buffer);
    void acknowledge_quickly() noexcept;
    outcome parse_failed();
    outcome io_failed(std::string message);

    uint64_t id_;
    std::string pool_key_;
    Poco::Net::SocketAddress peer_;
    Poco::Net::StreamSocket socket_;
    phase phase_ = phase::fresh;
    time_point last_progress_{};
    uint64_t responses_ = 0;
    bool reusable_ = false;

    std::string request_;
    std::size_t sent_ = 0;
    std::unique_ptr<response_parser> parser_;
};

} // namespace fetchctl::poco_async
