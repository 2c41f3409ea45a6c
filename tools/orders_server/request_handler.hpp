// HTTP request handling for the orders server: routing, the rate limit,
// outages, latency, flaky 500s and fault injection, in that order.
//
// Poco creates one handler per request through the factory and runs it on
// the connection's pool thread; handlers keep no state of their own and
// share the server_context, which outlives them.
#pragma once

#include "server_context.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

namespace orders_server {

class order_request_handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit order_request_handler(server_context& context)
        : context_(context) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override;

private:
    server_context& context_;
};

class order_handler_factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit order_handler_factory(server_context& context)
        : context_(context) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

private:
    server_context& context_;
};

}  // namespace orders_server
