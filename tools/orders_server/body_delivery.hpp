// Puts a finished body on the wire, honestly or through a delivery fault.
//
// The caller sets the status and headers (Content-Type, Content-Encoding)
// on the response; this decides the framing and how the bytes go out:
// Content-Length (the normal case), chunked, close-delimited, or one of
// the broken forms (short body, reset, stall, drip). Runs on the handler
// thread that owns the connection; sleeps end early when `stop` fires.
#pragma once

#include "fault_plan.hpp"
#include "stop_latch.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <string>

namespace orders_server {

/// Default stall length when a stall rule gives no `ms=`.
constexpr int default_stall_ms = 30000;
/// Default pause between dripped bytes when a drip rule gives no `ms=`.
constexpr int default_drip_ms = 10;

/// Sends `body` on `response`. `delivery` is the chosen delivery fault or
/// null for a normal Content-Length answer. Never throws for a client
/// that hangs up midway; Poco exceptions from the first header write may
/// propagate like any handler error.
void deliver_body(Poco::Net::HTTPServerRequest& request,
                  Poco::Net::HTTPServerResponse& response,
                  const std::string& body, const fault_rule* delivery,
                  stop_latch& stop);

}  // namespace orders_server
