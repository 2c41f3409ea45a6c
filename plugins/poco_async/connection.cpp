// connection: see connection.hpp for the contract.
#include "connection.hpp"

#include <fetchctl/plugin.h>

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/PollSet.h>

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace fetchctl::poco_async {

namespace {

using Poco::Net::PollSet;

/// Poco 1.11 reports EAGAIN on a non-blocking send as an IOException
/// carrying the errno (receiveBytes returns -1 instead); both mean "later".
bool would_block(const Poco::Exception &e) noexcept {
    return e.code() == EAGAIN || e.code() == EWOULDBLOCK;
}

/// Reads per readiness event before yielding to other connections, so one
/// fast server cannot starve the rest (64 KiB each: up to 1 MiB).
constexpr int max_reads_per_event = 16;

} // namespace

connection::connection(uint64_t id, std::string pool_key, const Poco::Net::SocketAddress &peer)
    : id_(id), pool_key_(std::move(pool_key)), peer_(peer) {}

connection::~connection() { close(); }

connection::outcome connection::connect(time_point now) {
    phase_ = phase::connecting;
    last_progress_ = now;
    try {
        socket_.connectNB(peer_);
    } catch (const Poco::Exception &e) {
        outcome out;
        out.what = outcome::failed;
        out.error = FC_TRANSPORT_CONNECT;
        out.message = "connect to " + peer_.toString() + " failed: " + e.displayText();
        return out;
    }

    // A request head goes out in one write; waiting for an ACK first
    // (Nagle) would only add latency.
    try {
        socket_.setNoDelay(true);
    } catch (const Poco::Exception &) {
        // Harmless: the option only saves latency.
    }
    return outcome();
}

connection::outcome connection::begin_exchange(std::string request,
                                               const response_parser::limits &limits,
                                               bool head_request, time_point now) {
    request_ = std::move(request);
    sent_ = 0;
    reusable_ = false;
    parser_ = std::make_unique<response_parser>(limits, head_request);

    if (phase_ == phase::idle) {
        // A pooled socket is almost always writable: try at once rather
        // than spend a poll round on it.
        phase_ = phase::sending;
        last_progress_ = now;
        return send_more(now);
    }
    return outcome();
}

int connection::poll_mode() const noexcept {
    switch (phase_) {
    case phase::connecting:
    case phase::sending:
        return PollSet::POLL_WRITE | PollSet::POLL_ERROR;
    case phase::receiving:
    case phase::idle:
        return PollSet::POLL_READ | PollSet::POLL_ERROR;
    case phase::fresh:
    case phase::closed:
        break;
    }
    return 0;
}

connection::outcome connection::on_ready(int mode, time_point now, std::vector<char> &buffer) {
    switch (phase_) {
    case phase::connecting:
        return finish_connect(mode, now);
    case phase::sending:
        return send_more(now);
    case phase::receiving:
        return receive(now, buffer);
    case phase::fresh:
    case phase::idle:
    case phase::closed:
        break;
    }
    return outcome();
}

connection::outcome connection::finish_connect(int mode, time_point now) {
    // The outcome of a non-blocking connect is in SO_ERROR once the socket
    // reports writable or in error.
    const int err = socket_.impl()->socketError();
    if (err != 0 || (mode & PollSet::POLL_WRITE) == 0) {
        outcome out;
        out.what = outcome::failed;
        out.error = FC_TRANSPORT_CONNECT;
        if (err == ECONNREFUSED) {
            out.message = "connection refused by " + peer_.toString();
        } else {
            out.message = "connect to " + peer_.toString() + " failed: " +
                          (err != 0 ? std::strerror(err) : "socket error");
        }
        return out;
    }

    phase_ = phase::sending;
    last_progress_ = now;
    outcome out = send_more(now);
    if (out.what == outcome::progress) {
        out.what = outcome::connected;
    }
    return out;
}

connection::outcome connection::send_more(time_point now) {
    while (sent_ < request_.size()) {
        int n = 0;
        try {
            // MSG_NOSIGNAL: a peer that has gone away must produce EPIPE
            // here, not a SIGPIPE that kills the host process.
            n = socket_.sendBytes(request_.data() + sent_,
                                  static_cast<int>(request_.size() - sent_), MSG_NOSIGNAL);
        } catch (const Poco::Exception &e) {
            if (would_block(e)) {
                return outcome();
            }
            return io_failed("sending the request to " + peer_.toString() +
                             " failed: " + e.displayText());
        }
        if (n < 0) {
            return outcome();
        }
        sent_ += static_cast<std::size_t>(n);
        last_progress_ = now;
    }

    phase_ = phase::receiving;
    request_.clear();
    request_.shrink_to_fit();
    return outcome();
}

connection::outcome connection::receive(time_point now, std::vector<char> &buffer) {
    for (int round = 0; round < max_reads_per_event; ++round) {
        int n = 0;
        try {
            n = socket_.receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
        } catch (const Poco::Net::ConnectionResetException &) {
            return io_failed("connection reset by " + peer_.toString());
        } catch (const Poco::Exception &e) {
            if (would_block(e)) {
                return outcome();
            }
            return io_failed("receiving from " + peer_.toString() + " failed: " + e.displayText());
        }
        if (n < 0) {
            return outcome(); // EAGAIN: all there is for now
        }

        if (n == 0) {
            if (parser_->finish() == response_parser::status::complete) {
                reusable_ = false;
                ++responses_;
                outcome out;
                out.what = outcome::complete;
                return out;
            }
            if (!parser_->any_bytes()) {
                return io_failed(peer_.toString() + " closed the connection before responding");
            }
            return parse_failed();
        }

        last_progress_ = now;
        std::size_t used = 0;
        const auto size = static_cast<std::size_t>(n);
        const auto state = parser_->feed(buffer.data(), size, used);
        if (state == response_parser::status::need_more) {
            acknowledge_quickly();
        }
        if (state == response_parser::status::complete) {
            // Bytes after the response were not asked for: whatever they
            // are, the connection's framing can no longer be trusted.
            reusable_ = parser_->keep_alive() && used == size;
            ++responses_;
            outcome out;
            out.what = outcome::complete;
            return out;
        }
        if (state == response_parser::status::failed) {
            return parse_failed();
        }
    }
    return outcome();
}

void connection::acknowledge_quickly() noexcept {
#ifdef TCP_QUICKACK
    // A server that writes its head and body separately without
    // TCP_NODELAY holds the body back (Nagle) until the head is ACKed, and
    // Linux delays that ACK by up to 40 ms on a connection that has nothing
    // to send. Quick-ACK mode is not sticky, so it is re-armed after each
    // read that leaves the response unfinished; it costs one setsockopt
    // and saves 40 ms per such response. A response that arrives whole
    // needs no ACK hurried, which spares the syscall on the common path.
    const int on = 1;
    (void)::setsockopt(socket_.impl()->sockfd(), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
#endif
}

connection::outcome connection::parse_failed() {
    outcome out;
    out.what = outcome::failed;
    switch (parser_->error()) {
    case response_parser::failure::too_large:
        out.error = FC_TRANSPORT_TOO_LARGE;
        break;
    case response_parser::failure::truncated:
        out.error = FC_TRANSPORT_IO;
        break;
    case response_parser::failure::protocol:
    case response_parser::failure::none:
        out.error = FC_TRANSPORT_PROTOCOL;
        break;
    }
    out.message = parser_->error_message();
    return out;
}

connection::outcome connection::io_failed(std::string message) {
    outcome out;
    out.what = outcome::failed;
    out.error = FC_TRANSPORT_IO;
    out.message = std::move(message);
    out.stale_reuse = reused() && !(parser_ && parser_->any_bytes());
    return out;
}

std::unique_ptr<response_parser> connection::take_response() {
    phase_ = phase::idle;
    request_.clear();
    return std::move(parser_);
}

void connection::close() noexcept {
    phase_ = phase::closed;
    try {
        socket_.close();
    } catch (...) {
        // Nothing useful to do about a failing close().
    }
}

} // namespace fetchctl::poco_async
