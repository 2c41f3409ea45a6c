// Normal and faulty body framing; see body_delivery.hpp.
//
// The broken forms need the raw socket: Poco's response stream only knows
// how to finish a message properly, so after writing part of a body we
// stop the connection ourselves, either gracefully (FIN: the client sees
// a short read) or abortively (SO_LINGER 0 then close: an RST).
#include "body_delivery.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <ostream>

namespace orders_server {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

Poco::Net::StreamSocket& socket_of(HTTPServerRequest& request) {
    // Poco's server only ever hands handlers an HTTPServerRequestImpl.
    return static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
}

void write_and_flush(std::ostream& out, const char* data, std::size_t n) {
    out.write(data, static_cast<std::streamsize>(n));
    out.flush();
}

// Ends the connection after this response with a FIN, so the client reads
// whatever was sent and then end-of-stream.
void close_gracefully(HTTPServerRequest& request,
                      HTTPServerResponse& response) {
    response.setKeepAlive(false);
    try {
        socket_of(request).shutdownSend();
    } catch (const Poco::Exception&) {
        // The client left first; there is nothing left to tell it.
    }
}

void send_with_length(HTTPServerResponse& response, const std::string& body) {
    response.setContentLength64(
        static_cast<Poco::Int64>(body.size()));
    response.sendBuffer(body.data(), body.size());
}

void send_chunked(HTTPServerResponse& response, const std::string& body) {
    response.setChunkedTransferEncoding(true);
    std::ostream& out = response.send();

    // Three flushed pieces give three chunks, so a client that only looks
    // at the first chunk gets caught.
    std::size_t piece = std::max<std::size_t>(1, body.size() / 3);
    for (std::size_t pos = 0; pos < body.size() && out; pos += piece) {
        write_and_flush(out, body.data() + pos,
                        std::min(piece, body.size() - pos));
    }
}

void send_until_close(HTTPServerResponse& response, const std::string& body) {
    // With neither a length nor chunking, Poco marks the answer
    // "Connection: close" and closes after the handler returns.
    response.setKeepAlive(false);
    std::ostream& out = response.send();
    write_and_flush(out, body.data(), body.size());
}

void send_short(HTTPServerRequest& request, HTTPServerResponse& response,
                const std::string& body) {
    response.setContentLength64(static_cast<Poco::Int64>(body.size()));
    std::ostream& out = response.send();
    write_and_flush(out, body.data(), body.size() / 2);
    close_gracefully(request, response);
}

void send_reset(HTTPServerRequest& request, HTTPServerResponse& response,
                const std::string& body) {
    response.setContentLength64(static_cast<Poco::Int64>(body.size()));
    response.setKeepAlive(false);
    std::ostream& out = response.send();
    write_and_flush(out, body.data(), body.size() / 2);

    // Linger 0 turns close() into an RST. Closing here rather than
    // leaving it to Poco guarantees no FIN goes out first.
    try {
        Poco::Net::StreamSocket& socket = socket_of(request);
        socket.setLinger(true, 0);
        socket.close();
    } catch (const Poco::Exception&) {
        // Already gone: the client hung up before we could reset.
    }
}

void send_stall(HTTPServerRequest& request, HTTPServerResponse& response,
                const std::string& body, int ms, stop_latch& stop) {
    response.setContentLength64(static_cast<Poco::Int64>(body.size()));
    std::ostream& out = response.send();
    out.flush();

    stop.sleep_for(std::chrono::milliseconds(ms));
    close_gracefully(request, response);
}

void send_drip(HTTPServerRequest& request, HTTPServerResponse& response,
               const std::string& body, int ms, stop_latch& stop) {
    response.setContentLength64(static_cast<Poco::Int64>(body.size()));
    std::ostream& out = response.send();
    out.flush();

    for (std::size_t i = 0; i < body.size() && out; ++i) {
        write_and_flush(out, body.data() + i, 1);
        if (!stop.sleep_for(std::chrono::milliseconds(ms))) {
            // Shutting down: leave the client with a short body rather
            // than holding the thread pool open.
            close_gracefully(request, response);
            return;
        }
    }
}

}  // namespace

void deliver_body(HTTPServerRequest& request, HTTPServerResponse& response,
                  const std::string& body, const fault_rule* delivery,
                  stop_latch& stop) {
    if (delivery == nullptr) {
        send_with_length(response, body);
        return;
    }

    switch (delivery->kind) {
    case fault_kind::chunked:
        send_chunked(response, body);
        break;
    case fault_kind::no_length:
        send_until_close(response, body);
        break;
    case fault_kind::short_body:
        send_short(request, response, body);
        break;
    case fault_kind::reset:
        send_reset(request, response, body);
        break;
    case fault_kind::stall:
        send_stall(request, response, body,
                   delivery->ms.value_or(default_stall_ms), stop);
        break;
    case fault_kind::drip:
        send_drip(request, response, body,
                  delivery->ms.value_or(default_drip_ms), stop);
        break;
    default:
        send_with_length(response, body);
        break;
    }
}

}  // namespace orders_server
