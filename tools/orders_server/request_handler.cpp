// Request pipeline of the orders server; see request_handler.hpp.
//
// An item request passes these steps, each of which may answer early:
//   1. rate limit (429, before any latency, like a real front proxy)
//   2. outage window (503)
//   3. id validation (422 for a non-integer, 404 above --max-id)
//   4. simulated latency
//   5. flaky upstream (500 with --failure-rate)
//   6. faults: a status fault answers instead of the order; otherwise the
//      body, encoding and delivery faults shape the 200 answer.
// /, /healthz and /stats skip the rate limit and latency so that probes
// and tests can look at the server without spending a client's budget.
#include "request_handler.hpp"

#include "body_delivery.hpp"
#include "chance.hpp"
#include "gzip_body.hpp"
#include "json_text.hpp"
#include "order_json.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Timestamp.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string_view>

#ifndef ORDERS_SERVER_VERSION
#define ORDERS_SERVER_VERSION "0.0.0"
#endif

namespace orders_server {
namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

enum class route_kind { info, health, stats, item, moved_item, unknown };

struct route {
    route_kind kind = route_kind::unknown;
    std::string_view id_text;
};

constexpr std::string_view item_prefix = "/item/";
constexpr std::string_view moved_prefix = "/moved/item/";

route classify(std::string_view uri) {
    uri = uri.substr(0, uri.find('?'));
    if (uri == "/") {
        return {route_kind::info, {}};
    }
    if (uri == "/healthz") {
        return {route_kind::health, {}};
    }
    if (uri == "/stats") {
        return {route_kind::stats, {}};
    }

    for (auto [prefix, kind] : {std::pair{item_prefix, route_kind::item},
                                std::pair{moved_prefix,
                                          route_kind::moved_item}}) {
        if (uri.substr(0, prefix.size()) != prefix) {
            continue;
        }
        std::string_view rest = uri.substr(prefix.size());
        if (rest.find('/') != std::string_view::npos) {
            return {route_kind::unknown, {}};
        }
        return {kind, rest};
    }
    return {route_kind::unknown, {}};
}

std::optional<std::int64_t> parse_id(std::string_view text) {
    std::int64_t id = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, id);
    if (text.empty() || ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return id;
}

std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

void send_json(HTTPServerResponse& response, int status,
               const std::string& body) {
    response.setStatusAndReason(
        static_cast<HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json");
    response.setContentLength64(static_cast<Poco::Int64>(body.size()));
    response.sendBuffer(body.data(), body.size());
}

std::string info_body(const server_context& context) {
    const server_options& o = context.options;
    std::string out = "{\"name\":\"orders_server\",\"version\":";
    append_json_string(out, ORDERS_SERVER_VERSION);

    out += ",\"settings\":{\"host\":";
    append_json_string(out, o.host);
    out += ",\"port\":" + std::to_string(context.bound_port);
    out += ",\"rate\":" + std::to_string(o.rate);
    out += ",\"failure_rate\":" + number_text(o.failure_rate);
    out += ",\"latency_ms\":[" + std::to_string(o.min_latency_ms) + ","
        + std::to_string(o.max_latency_ms) + "]";
    out += ",\"seed\":" + std::to_string(o.seed);
    out += ",\"max_id\":";
    out += o.max_id == std::numeric_limits<std::int64_t>::max()
        ? "null" : std::to_string(o.max_id);

    out += ",\"threads\":" + std::to_string(o.threads);
    out += ",\"max_keepalive_requests\":"
        + std::to_string(o.max_keepalive_requests);
    out += ",\"listen_delay_ms\":" + std::to_string(o.listen_delay_ms);

    out += ",\"faults\":[";
    for (std::size_t i = 0; i < o.faults.size(); ++i) {
        out += i > 0 ? "," : "";
        append_json_string(out, o.faults[i].describe());
    }
    out += "],\"outages\":[";
    for (std::size_t i = 0; i < o.outages.size(); ++i) {
        out += i > 0 ? "," : "";
        out += "{\"start_s\":" + number_text(o.outages[i].start_s)
            + ",\"duration_s\":" + number_text(o.outages[i].duration_s) + "}";
    }
    out += "]}}";
    return out;
}

class request_pipeline {
public:
    request_pipeline(server_context& context, HTTPServerRequest& request,
                     HTTPServerResponse& response)
        : context_(context), request_(request), response_(response) {}

    void run();

private:
    void answer(int status, const std::string& body) {
        // Count before sending, so a client that reads /stats right after
        // its answer arrives always finds that answer counted.
        context_.stats.count_response(status);
        send_json(response_, status, body);
    }

    bool answer_if_rate_limited();
    bool answer_if_outage();
    void handle_item(std::string_view id_text, bool moved);
    void answer_status_fault(fault_kind kind, std::int64_t id);
    void answer_order(std::int64_t id, const fault_choice& choice);

    server_context& context_;
    HTTPServerRequest& request_;
    HTTPServerResponse& response_;
};

void request_pipeline::run() {
    route r = classify(request_.getURI());
    if (r.kind == route_kind::stats) {
        // /stats is not counted, so reading it never changes what it says.
        send_json(response_, 200,
                  context_.stats.to_json(context_.server
                      ? context_.server->totalConnections() : 0));
        return;
    }

    context_.stats.count_request();
    if (request_.getMethod() != Poco::Net::HTTPRequest::HTTP_GET) {
        response_.set("Allow", "GET");
        answer(405, detail_body("method not allowed"));
        return;
    }

    switch (r.kind) {
    case route_kind::info:
        answer(200, info_body(context_));
        break;
    case route_kind::health:
        if (!answer_if_outage()) {
            answer(200, "{\"status\":\"ok\"}");
        }
        break;
    case route_kind::item:
    case route_kind::moved_item:
        handle_item(r.id_text, r.kind == route_kind::moved_item);
        break;
    default:
        if (!answer_if_rate_limited()) {
            answer(404, detail_body("not found"));
        }
        break;
    }
}

bool request_pipeline::answer_if_rate_limited() {
    std::string client = request_.clientAddress().host().toString();
    if (context_.limiter.admit(client)) {
        return false;
    }

    response_.set("Retry-After", "1");
    answer(429, detail_body("rate limit exceeded"));
    return true;
}

bool request_pipeline::answer_if_outage() {
    if (context_.options.outages.empty()) {
        return false;
    }

    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - context_.started;
    auto left = outage_remaining(context_.options.outages, elapsed.count());
    if (!left) {
        return false;
    }

    auto retry_s = static_cast<long long>(std::ceil(*left));
    response_.set("Retry-After", std::to_string(retry_s));
    answer(503, detail_body("service unavailable"));
    return true;
}

void request_pipeline::handle_item(std::string_view id_text, bool moved) {
    if (answer_if_rate_limited() || answer_if_outage()) {
        return;
    }

    auto id = parse_id(id_text);
    if (!id) {
        answer(422, detail_body("order id must be a 64-bit integer, saw '"
                                + std::string(id_text) + "'"));
        return;
    }
    if (*id > context_.options.max_id) {
        answer(404, detail_body("not found"));
        return;
    }

    const server_options& o = context_.options;
    auto latency = random_between(o.min_latency_ms, o.max_latency_ms);
    context_.stop.sleep_for(std::chrono::milliseconds(latency));

    if (random_chance(o.failure_rate)) {
        answer(500, detail_body("flaky upstream"));
        return;
    }

    fault_choice choice = context_.faults.choose(*id, moved);
    if (choice.status != nullptr) {
        context_.stats.count_fault(choice.status->kind);
        answer_status_fault(choice.status->kind, *id);
        return;
    }
    answer_order(*id, choice);
}

void request_pipeline::answer_status_fault(fault_kind kind,
                                           std::int64_t id) {
    std::string location = std::string(moved_prefix) + std::to_string(id);
    Poco::Timestamp in_two_seconds;
    in_two_seconds += 2 * Poco::Timestamp::resolution();

    switch (kind) {
    case fault_kind::redirect_301:
    case fault_kind::redirect_302:
    case fault_kind::redirect_307:
    case fault_kind::redirect_308: {
        int status = kind == fault_kind::redirect_301 ? 301
            : kind == fault_kind::redirect_302       ? 302
            : kind == fault_kind::redirect_307       ? 307
                                                     : 308;
        response_.set("Location", location);
        answer(status, detail_body("moved to " + location));
        return;
    }
    case fault_kind::retry_after_date:
        response_.set("Retry-After", Poco::DateTimeFormatter::format(
            in_two_seconds, Poco::DateTimeFormat::HTTP_FORMAT));
        break;
    case fault_kind::retry_after_none:
        break;
    case fault_kind::retry_after_garbage:
        response_.set("Retry-After", "soon, maybe");
        break;
    case fault_kind::retry_after_negative:
        response_.set("Retry-After", "-3");
        break;
    case fault_kind::retry_after_huge:
        response_.set("Retry-After", "999999999999");
        break;
    default:
        answer(404, detail_body("not found"));
        return;
    }
    answer(429, detail_body("rate limit exceeded"));
}

body_shape shape_for(const fault_rule* body_fault) {
    if (body_fault == nullptr) {
        return body_shape::normal;
    }
    switch (body_fault->kind) {
    case fault_kind::json_null: return body_shape::nulls;
    case fault_kind::json_missing: return body_shape::missing;
    case fault_kind::json_extra: return body_shape::extra;
    case fault_kind::json_numbers: return body_shape::numbers;
    case fault_kind::invalid_json: return body_shape::invalid;
    default: return body_shape::normal;
    }
}

void request_pipeline::answer_order(std::int64_t id,
                                    const fault_choice& choice) {
    if (choice.body != nullptr) {
        context_.stats.count_fault(choice.body->kind);
    }
    std::string body = render_order(make_order(context_.options.seed, id),
                                    shape_for(choice.body),
                                    utc_now_iso8601());

    response_.setStatusAndReason(HTTPResponse::HTTP_OK);
    response_.setContentType("application/json");
    if (choice.encoding != nullptr) {
        // Caches must not serve the gzip form to a client that cannot
        // read it.
        response_.set("Vary", "Accept-Encoding");
        bool forced = choice.encoding->kind == fault_kind::gzip_always;
        if (forced || accepts_gzip(request_.get("Accept-Encoding", ""))) {
            context_.stats.count_fault(choice.encoding->kind);
            response_.set("Content-Encoding", "gzip");
            body = gzip_compress(body);
        }
    }

    if (choice.delivery != nullptr) {
        context_.stats.count_fault(choice.delivery->kind);
    }
    context_.stats.count_response(200);
    deliver_body(request_, response_, body, choice.delivery, context_.stop);
}

}  // namespace

void order_request_handler::handleRequest(HTTPServerRequest& request,
                                          HTTPServerResponse& response) {
    request_pipeline(context_, request, response).run();
}

Poco::Net::HTTPRequestHandler* order_handler_factory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
    return new order_request_handler(context_);
}

}  // namespace orders_server
