// Entry point of orders_server, the bundled mock orders API.
//
// Startup order matters: SIGINT and SIGTERM are blocked before any thread
// exists, so every Poco worker inherits the mask and the main thread is the
// only one that ever receives them (through sigwait). The one stdout line,
// "listening on HOST:PORT", is printed only once the socket accepts
// connections, so a parent that launched us with --port 0 can read the
// real port from it and connect straight away.
#include "request_handler.hpp"
#include "server_context.hpp"
#include "server_options.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <csignal>
#include <ctime>
#include <iostream>
#include <pthread.h>

namespace {

using namespace orders_server;

// Waits for a blocked signal in `signals`, for at most `timeout_ms`
// (negative: forever). Returns true if a signal arrived.
bool wait_for_signal(const sigset_t& signals, int timeout_ms) {
    if (timeout_ms < 0) {
        int received = 0;
        return sigwait(&signals, &received) == 0;
    }

    timespec timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
    return sigtimedwait(&signals, nullptr, &timeout) > 0;
}

Poco::Net::HTTPServerParams::Ptr make_params(const server_options& o) {
    Poco::Net::HTTPServerParams::Ptr params =
        new Poco::Net::HTTPServerParams;

    // A keep-alive connection holds its thread for its whole life, and a
    // handler holds its thread while it sleeps out the latency: the
    // thread count is the number of connections served at once. Extra
    // connections wait in the queue rather than being refused.
    params->setMaxThreads(o.threads);
    params->setMaxQueued(1024);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(o.max_keepalive_requests);
    params->setKeepAliveTimeout(Poco::Timespan(15, 0));
    params->setTimeout(Poco::Timespan(60, 0));
    params->setSoftwareVersion("orders_server");
    return params;
}

int serve(server_context& context, const sigset_t& signals) {
    const server_options& o = context.options;
    Poco::Net::ServerSocket socket(
        Poco::Net::SocketAddress(o.host, static_cast<Poco::UInt16>(o.port)),
        1024);
    context.bound_port = socket.address().port();

    // One spare thread above maxThreads: Poco's dispatcher gives up on a
    // connection if the pool is exhausted at the wrong moment.
    Poco::ThreadPool pool("orders", 4, o.threads + 1);
    Poco::Net::HTTPServer server(new order_handler_factory(context), pool,
                                 socket, make_params(o));
    context.server = &server;
    context.started = std::chrono::steady_clock::now();
    server.start();

    std::cout << "listening on " << o.host << ":" << context.bound_port
              << std::endl;
    wait_for_signal(signals, -1);

    // Wake sleeping handlers first so that closing their connections and
    // joining the pool takes milliseconds, not a full stall.
    context.stop.trigger();
    server.stopAll(true);
    pool.joinAll();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    parse_result parsed = parse_options(argc, argv);
    if (!parsed.options) {
        return parsed.exit_code;
    }

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    // A client that hangs up mid-body must cost us an error, not the
    // process.
    std::signal(SIGPIPE, SIG_IGN);

    server_context context(std::move(*parsed.options));
    const server_options& o = context.options;
    if (o.listen_delay_ms > 0 && wait_for_signal(signals, o.listen_delay_ms)) {
        return 0;
    }

    try {
        return serve(context, signals);
    } catch (const Poco::Exception& e) {
        std::cerr << "orders_server: cannot serve on " << o.host << ":"
                  << o.port << ": " << e.displayText() << "\n";
        return 1;
    }
}
