// Integration tests of the mock orders API (tools/orders_server).
//
// Each test case starts its own server with `--port 0` through
// fc_test::child_process, talks to it over loopback HTTP with Poco (or a
// raw socket where the fault is below HTTP), and stops it when the case
// ends. Most cases turn latency, flakiness and the rate limit off so they
// check one behaviour at a time and finish in milliseconds. Timing checks
// use generous bounds only; the machine is shared.
#include "child_process.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/InflatingStream.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using fc_test::child_process;
using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Latency, flaky 500s and the rate limit all off.
const std::vector<std::string> calm = {
    "--latency-ms", "0", "--failure-rate", "0", "--rate", "0"};

child_process start_server(std::vector<std::string> extra = {},
                           bool with_calm = true) {
    std::vector<std::string> args = {"--port", "0"};
    if (with_calm) {
        args.insert(args.end(), calm.begin(), calm.end());
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return child_process::start(ORDERS_SERVER_PATH, args);
}

struct reply {
    int status = 0;
    Poco::Net::HTTPResponse head;
    std::string body;

    std::string header(const std::string& name) const {
        return head.get(name, "");
    }
    bool has(const std::string& name) const { return head.has(name); }
};

// Sessions are neither copyable nor movable, hence the pointer.
std::unique_ptr<Poco::Net::HTTPClientSession> session_for(
    const child_process& server) {
    auto session = std::make_unique<Poco::Net::HTTPClientSession>(
        "127.0.0.1", static_cast<Poco::UInt16>(server.port()));
    session->setKeepAlive(true);
    session->setTimeout(Poco::Timespan(10, 0));
    return session;
}

reply get(Poco::Net::HTTPClientSession& session, const std::string& path,
          const std::string& accept_encoding = "",
          const std::string& method = Poco::Net::HTTPRequest::HTTP_GET) {
    Poco::Net::HTTPRequest request(method, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    if (!accept_encoding.empty()) {
        request.set("Accept-Encoding", accept_encoding);
    }
    session.sendRequest(request);

    reply r;
    std::istream& in = session.receiveResponse(r.head);
    r.status = static_cast<int>(r.head.getStatus());
    Poco::StreamCopier::copyToString(in, r.body);
    return r;
}

reply get(const child_process& server, const std::string& path,
          const std::string& accept_encoding = "") {
    auto session = session_for(server);
    return get(*session, path, accept_encoding);
}

// What a raw socket saw: the bytes before the blank line, the bytes after
// it, and how the stream ended.
struct raw_reply {
    std::string head;
    std::string body;
    bool reset = false;
    bool timed_out = false;

    long content_length() const {
        static const std::string name = "Content-Length: ";
        auto at = head.find(name);
        if (at == std::string::npos) {
            return -1;
        }
        return std::stol(head.substr(at + name.size()));
    }
};

raw_reply raw_get(const child_process& server, const std::string& path,
                  milliseconds read_timeout = milliseconds(5000)) {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress("127.0.0.1",
        static_cast<Poco::UInt16>(server.port())));
    socket.setReceiveTimeout(Poco::Timespan(read_timeout.count() * 1000));
    // Connection: close, so bodies without a length end at end-of-stream
    // instead of waiting out the read timeout.
    std::string request = "GET " + path + " HTTP/1.1\r\n"
                          "Host: 127.0.0.1\r\n"
                          "Connection: close\r\n\r\n";
    socket.sendBytes(request.data(), static_cast<int>(request.size()));

    // Read until the server ends the stream one way or another, or until
    // Content-Length bytes of body have arrived.
    raw_reply r;
    std::string all;
    char buffer[4096];
    try {
        while (true) {
            int n = socket.receiveBytes(buffer, sizeof buffer);
            if (n <= 0) {
                break;
            }
            all.append(buffer, static_cast<std::size_t>(n));

            auto split = all.find("\r\n\r\n");
            if (split != std::string::npos) {
                r.head = all.substr(0, split);
                long length = r.content_length();
                if (length >= 0
                    && all.size() - split - 4
                           >= static_cast<std::size_t>(length)) {
                    break;
                }
            }
        }
    } catch (const Poco::Net::ConnectionResetException&) {
        r.reset = true;
    } catch (const Poco::TimeoutException&) {
        r.timed_out = true;
    }

    auto split = all.find("\r\n\r\n");
    r.head = all.substr(0, split);
    r.body = split == std::string::npos ? "" : all.substr(split + 4);
    return r;
}

// The order with its one non-deterministic field blanked.
json without_created_at(const std::string& body) {
    json order = json::parse(body);
    order.erase("created_at");
    return order;
}

json stats_of(const child_process& server) {
    return json::parse(get(server, "/stats").body);
}

std::uint64_t count_at(const json& stats, const char* map, const char* key) {
    return stats.at(map).value(key, std::uint64_t{0});
}

std::int64_t cents_of(double amount) {
    return std::llround(amount * 100);
}

// No std::regex in this file: GCC 12 warns inside <regex> when built with
// sanitizers, which breaks -Werror builds. These checks are small anyway.

bool all_digits(const std::string& text) {
    return !text.empty()
        && std::all_of(text.begin(), text.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
}

// `shape` uses 'd' for any digit; every other character must match as is.
bool has_shape(const std::string& text, const std::string& shape) {
    if (text.size() != shape.size()) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool digit = text[i] >= '0' && text[i] <= '9';
        if (shape[i] == 'd' ? !digit : text[i] != shape[i]) {
            return false;
        }
    }
    return true;
}

// Digits, a point, then exactly `decimals` digits.
bool is_fixed_point(const std::string& text, std::size_t decimals) {
    auto point = text.find('.');
    return point != std::string::npos && all_digits(text.substr(0, point))
        && text.size() - point - 1 == decimals
        && all_digits(text.substr(point + 1));
}

// The raw text of every value of `"key":` in a JSON document, up to the
// next `,`, `}` or `]`. Enough for numbers, which is all it is used for.
std::vector<std::string> raw_values(const std::string& body,
                                    const std::string& key) {
    std::vector<std::string> values;
    std::string marker = "\"" + key + "\":";
    for (auto at = body.find(marker); at != std::string::npos;
         at = body.find(marker, at + 1)) {
        auto start = at + marker.size();
        auto end = body.find_first_of(",}]", start);
        values.push_back(body.substr(start, end - start));
    }
    return values;
}

// A port that was free a moment ago, for the one test that must know the
// port before the server can print it.
int free_port() {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    int port = probe.address().port();
    probe.close();
    return port;
}

}  // namespace

// ---------------------------------------------------------------- phase 1

TEST_CASE("orders_server - an order has every field and is deterministic",
          "[integration][orders_server]") {
    auto server = start_server();
    auto session = session_for(server);

    reply first = get(*session, "/item/42");
    reply second = get(*session, "/item/42");
    REQUIRE(first.status == 200);
    REQUIRE(second.status == 200);
    CHECK(first.header("Content-Type") == "application/json");
    CHECK(without_created_at(first.body) == without_created_at(second.body));

    json order = json::parse(first.body);
    CHECK(order.at("order_id") == 42);
    CHECK(order.at("account_id").get<int>() >= 10000);
    CHECK(order.at("account_id").get<int>() <= 99999);
    CHECK(order.at("company").is_string());
    for (const char* field : {"name", "email", "phone", "country"}) {
        CHECK(order.at("contact").at(field).is_string());
    }
    const std::set<std::string> statuses = {"created", "confirmed",
                                            "invoiced", "paid"};
    const std::set<std::string> currencies = {"USD", "EUR", "GBP"};
    CHECK(statuses.count(order.at("status").get<std::string>()) == 1);
    CHECK(currencies.count(order.at("currency").get<std::string>()) == 1);
    CHECK(order.at("source") == "mock");
    CHECK(has_shape(order.at("created_at").get<std::string>(),
                    "dddd-dd-ddTdd:dd:dd.ddddddZ"));

    const json& lines = order.at("lines");
    REQUIRE(lines.size() >= 1);
    REQUIRE(lines.size() <= 3);
    for (const json& line : lines) {
        for (const char* field : {"sku", "name", "usage_month"}) {
            CHECK(line.at(field).is_string());
        }
        CHECK(line.at("qty").is_number_integer());
        CHECK(line.at("unit_price").is_number());
        CHECK(line.at("amount").is_number());
    }

    SECTION("another seed gives another order") {
        auto other = start_server({"--seed", "2"});
        reply r = get(other, "/item/42");
        REQUIRE(r.status == 200);
        CHECK(without_created_at(r.body) != without_created_at(first.body));
    }
}

TEST_CASE("orders_server - money has two decimals and adds up",
          "[integration][orders_server]") {
    auto server = start_server();
    auto session = session_for(server);
    for (int id = 1; id <= 150; ++id) {
        reply r = get(*session, "/item/" + std::to_string(id));
        REQUIRE(r.status == 200);

        std::size_t fields = 0;
        for (const char* key :
             {"unit_price", "amount", "subtotal", "tax", "total"}) {
            for (const std::string& value : raw_values(r.body, key)) {
                INFO("id " << id << ": " << key << " = " << value);
                CHECK(is_fixed_point(value, 2));
                ++fields;
            }
        }
        CHECK(fields >= 5);

        json order = json::parse(r.body);
        std::int64_t subtotal = 0;
        for (const json& line : order.at("lines")) {
            std::int64_t amount = cents_of(line.at("amount"));
            CHECK(amount == line.at("qty").get<std::int64_t>()
                                * cents_of(line.at("unit_price")));
            subtotal += amount;
        }
        CHECK(cents_of(order.at("subtotal")) == subtotal);

        std::int64_t percent = order.at("currency") == "USD" ? 7 : 20;
        CHECK(cents_of(order.at("tax")) == (subtotal * percent + 50) / 100);
        CHECK(cents_of(order.at("total"))
              == subtotal + cents_of(order.at("tax")));
    }
}

TEST_CASE("orders_server - company names exercise CSV writers",
          "[integration][orders_server]") {
    auto server = start_server();
    auto session = session_for(server);

    int total = 400;
    int commas = 0, quotes = 0, apostrophes = 0, non_ascii = 0,
        formulas = 0;
    for (int id = 0; id < total; ++id) {
        reply r = get(*session, "/item/" + std::to_string(id));
        REQUIRE(r.status == 200);
        auto company = json::parse(r.body).at("company").get<std::string>();
        commas += company.find(',') != std::string::npos;
        quotes += company.find('"') != std::string::npos;
        apostrophes += company.find('\'') != std::string::npos;
        non_ascii += std::any_of(company.begin(), company.end(),
                                 [](char c) { return c & 0x80; });
        formulas += company[0] == '=' || company[0] == '+';
    }

    CHECK(commas > total / 5);
    CHECK(commas < total / 2);
    CHECK(quotes > 0);
    CHECK(apostrophes > 0);
    CHECK(non_ascii > 0);
    CHECK(formulas > 0);
}

TEST_CASE("orders_server - any int64 id is served and others answer 422",
          "[integration][orders_server]") {
    auto server = start_server();
    auto session = session_for(server);

    for (std::string id : {"-7", "0", "9223372036854775807",
                           "-9223372036854775808"}) {
        reply r = get(*session, "/item/" + id);
        REQUIRE(r.status == 200);
        // Checked in the text: a double would round the large ids.
        CHECK(r.body.rfind("{\"order_id\":" + id + ",", 0) == 0);
    }

    for (std::string id : {"abc", "1.5", "9223372036854775808", "", "1e3",
                           "+5"}) {
        INFO("id '" << id << "'");
        reply r = get(*session, "/item/" + id);
        CHECK(r.status == 422);
        CHECK(json::parse(r.body).at("detail").is_string());
    }
}

TEST_CASE("orders_server - ids above max-id and unknown paths answer 404",
          "[integration][orders_server]") {
    auto server = start_server({"--max-id", "100"});
    auto session = session_for(server);

    CHECK(get(*session, "/item/100").status == 200);
    reply above = get(*session, "/item/101");
    CHECK(above.status == 404);
    CHECK(json::parse(above.body) == json{{"detail", "not found"}});

    for (std::string path : {"/nope", "/item/1/extra", "/items/1"}) {
        reply r = get(*session, path);
        CHECK(r.status == 404);
        CHECK(json::parse(r.body).contains("detail"));
    }
}

TEST_CASE("orders_server - health and service info endpoints",
          "[integration][orders_server]") {
    auto server = start_server({"--seed", "77", "--fault", "reset:0.25"});
    auto session = session_for(server);

    reply health = get(*session, "/healthz");
    CHECK(health.status == 200);
    CHECK(json::parse(health.body) == json{{"status", "ok"}});

    reply info = get(*session, "/");
    REQUIRE(info.status == 200);
    json about = json::parse(info.body);
    CHECK(about.at("name") == "orders_server");
    CHECK(about.at("version").is_string());
    CHECK(about.at("settings").at("seed") == 77);
    CHECK(about.at("settings").at("port") == server.port());
    CHECK(about.at("settings").at("faults")
          == json::array({"reset:p=0.25"}));

    reply post = get(*session, "/item/1", "", "POST");
    CHECK(post.status == 405);
    CHECK(post.header("Allow") == "GET");
}

TEST_CASE("orders_server - requests over the rate answer 429 at once",
          "[integration][orders_server]") {
    auto server = start_server(
        {"--rate", "5", "--latency-ms", "0", "--failure-rate", "0"},
        false);
    auto session = session_for(server);

    // 30 requests take far less than a second here, so at most two windows
    // (10 admissions) are involved and at least 20 must be refused.
    int ok = 0, limited = 0;
    for (int i = 0; i < 30; ++i) {
        reply r = get(*session, "/item/" + std::to_string(i));
        if (r.status == 429) {
            ++limited;
            CHECK(r.header("Retry-After") == "1");
            CHECK(json::parse(r.body)
                  == json{{"detail", "rate limit exceeded"}});
        } else {
            CHECK(r.status == 200);
            ++ok;
        }
    }
    CHECK(ok >= 5);
    CHECK(ok <= 15);
    CHECK(limited >= 15);

    // Operator endpoints stay reachable while a client is limited.
    CHECK(get(*session, "/healthz").status == 200);
}

TEST_CASE("orders_server - failure rate 1 makes every item a 500",
          "[integration][orders_server]") {
    auto server = start_server({"--failure-rate", "1"});
    auto session = session_for(server);

    for (int id = 1; id <= 5; ++id) {
        reply r = get(*session, "/item/" + std::to_string(id));
        CHECK(r.status == 500);
        CHECK(json::parse(r.body) == json{{"detail", "flaky upstream"}});
    }
}

TEST_CASE("orders_server - stats count responses and reused connections",
          "[integration][orders_server]") {
    auto server = start_server();
    auto session = session_for(server);

    for (int id = 1; id <= 5; ++id) {
        REQUIRE(get(*session, "/item/" + std::to_string(id)).status == 200);
    }
    REQUIRE(get(*session, "/item/x").status == 422);

    // Same session: keep-alive must have carried every request so far.
    json stats = json::parse(get(*session, "/stats").body);
    CHECK(stats.at("requests") == 6);
    CHECK(count_at(stats, "responses", "200") == 5);
    CHECK(count_at(stats, "responses", "422") == 1);
    CHECK(stats.at("connections") == 1);

    // A second client is a second connection.
    CHECK(stats_of(server).at("connections") == 2);
}

TEST_CASE("orders_server - latency applies and 120 clients are served at once",
          "[integration][orders_server]") {
    auto server = start_server(
        {"--latency-ms", "300", "--failure-rate", "0", "--rate", "0"},
        false);

    constexpr int clients = 120;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    auto began = steady_clock::now();
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&server, &ok, i] {
            try {
                if (get(server, "/item/" + std::to_string(i)).status == 200) {
                    ++ok;
                }
            } catch (const std::exception&) {
                // Counted as a failure through `ok`.
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    auto took = steady_clock::now() - began;

    CHECK(ok == clients);
    CHECK(took >= milliseconds(250));
    // One after another would take 36 s.
    CHECK(took < std::chrono::seconds(12));
    CHECK(stats_of(server).at("connections") == clients + 1);
}

// ---------------------------------------------------------------- phase 2

TEST_CASE("orders_server - reset fault aborts the connection mid-body",
          "[integration][orders_server][faults]") {
    auto server = start_server({"--fault", "reset:ids=1"});

    raw_reply r = raw_get(server, "/item/1");
    CHECK(r.head.rfind("HTTP/1.1 200", 0) == 0);
    REQUIRE(r.content_length() > 0);
    CHECK(r.body.size() < static_cast<std::size_t>(r.content_length()));
    CHECK(r.reset);

    CHECK(raw_get(server, "/item/2").reset == false);
    CHECK(count_at(stats_of(server), "faults", "reset") == 1);
}

TEST_CASE("orders_server - short-body fault closes before Content-Length",
          "[integration][orders_server][faults]") {
    auto server = start_server({"--fault", "short-body:ids=1"});

    raw_reply r = raw_get(server, "/item/1");
    REQUIRE(r.content_length() > 0);
    CHECK(r.body.size() < static_cast<std::size_t>(r.content_length()));
    CHECK(!r.body.empty());
    CHECK(!r.reset);
    CHECK(!r.timed_out);
}

TEST_CASE("orders_server - stall fault sends headers then nothing",
          "[integration][orders_server][faults]") {
    auto server = start_server({"--fault", "stall:ids=1:ms=3000"});

    raw_reply r = raw_get(server, "/item/1", milliseconds(500));
    CHECK(r.head.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(r.content_length() > 0);
    CHECK(r.body.empty());
    CHECK(r.timed_out);
}

TEST_CASE("orders_server - drip fault delivers the whole body slowly",
          "[integration][orders_server][faults]") {
    auto server = start_server({"--fault", "drip:ids=4:ms=1:times=1"});
    auto session = session_for(server);

    auto began = steady_clock::now();
    reply dripped = get(*session, "/item/4");
    auto took = steady_clock::now() - began;
    reply normal = get(*session, "/item/4");

    REQUIRE(dripped.status == 200);
    CHECK(without_created_at(dripped.body)
          == without_created_at(normal.body));
    // Hundreds of bytes at >= 1 ms each.
    CHECK(took >= milliseconds(200));
    CHECK(count_at(stats_of(server), "faults", "drip") == 1);
}

TEST_CASE("orders_server - 429 faults send odd Retry-After values",
          "[integration][orders_server][faults]") {
    auto server = start_server({
        "--fault", "429-date:ids=1", "--fault", "429-none:ids=2",
        "--fault", "429-garbage:ids=3", "--fault", "429-negative:ids=4",
        "--fault", "429-huge:ids=5"});
    auto session = session_for(server);

    reply dated = get(*session, "/item/1");
    CHECK(dated.status == 429);
    Poco::DateTime when;
    int tz = 0;
    CHECK(Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::HTTP_FORMAT,
                                         dated.header("Retry-After"), when,
                                         tz));

    reply none = get(*session, "/item/2");
    CHECK(none.status == 429);
    CHECK(!none.has("Retry-After"));

    CHECK(get(*session, "/item/3").header("Retry-After") == "soon, maybe");
    CHECK(get(*session, "/item/4").header("Retry-After") == "-3");
    CHECK(get(*session, "/item/5").header("Retry-After") == "999999999999");
    CHECK(get(*session, "/item/6").status == 200);
}

TEST_CASE("orders_server - outage window answers 503 then recovers",
          "[integration][orders_server][faults]") {
    auto server = start_server({"--outage", "0:1.5"});
    auto session = session_for(server);

    reply down = get(*session, "/item/1");
    CHECK(down.status == 503);
    CHECK((down.header("Retry-After") == "1"
           || down.header("Retry-After") == "2"));
    CHECK(get(*session, "/healthz").status == 503);
    CHECK(get(*session, "/stats").status == 200);

    int status = 0;
    auto deadline = steady_clock::now() + std::chrono::seconds(8);
    while (status != 200 && steady_clock::now() < deadline) {
        std::this_thread::sleep_for(milliseconds(200));
        status = get(*session, "/item/1").status;
    }
    CHECK(status == 200);
}

TEST_CASE("orders_server - 404 fault with times recovers after N hits",
          "[integration][orders_server][faults]") {
    auto server = start_server({"--fault", "404:ids=7,20..22:times=2"});
    auto session = session_for(server);

    CHECK(get(*session, "/item/7").status == 404);
    CHECK(get(*session, "/item/7").status == 404);
    CHECK(get(*session, "/item/7").status == 200);
    CHECK(get(*session, "/item/21").status == 404);
    CHECK(get(*session, "/item/8").status == 200);
}

TEST_CASE("orders_server - redirect faults point at a working moved item",
          "[integration][orders_server][faults]") {
    auto server = start_server({
        "--fault", "redirect-301:ids=1:times=1",
        "--fault", "redirect-302:ids=2:times=1",
        "--fault", "redirect-307:ids=3:times=1",
        "--fault", "redirect-308:ids=4:times=1"});
    auto session = session_for(server);

    int expected[] = {301, 302, 307, 308};
    for (int id = 1; id <= 4; ++id) {
        std::string moved = "/moved/item/" + std::to_string(id);
        reply redirect = get(*session, "/item/" + std::to_string(id));
        CHECK(redirect.status == expected[id - 1]);
        CHECK(redirect.header("Location") == moved);

        reply target = get(*session, moved);
        REQUIRE(target.status == 200);
        reply direct = get(*session, "/item/" + std::to_string(id));
        REQUIRE(direct.status == 200);
        CHECK(without_created_at(target.body)
              == without_created_at(direct.body));
    }
}

TEST_CASE("orders_server - gzip faults compress the body",
          "[integration][orders_server][faults]") {
    auto server = start_server({"--fault", "gzip:ids=1",
                                "--fault", "gzip-always:ids=2"});
    auto session = session_for(server);

    auto inflate = [](const std::string& data) {
        std::istringstream in(data);
        Poco::InflatingInputStream inflater(
            in, Poco::InflatingStreamBuf::STREAM_GZIP);
        std::string text;
        Poco::StreamCopier::copyToString(inflater, text);
        return text;
    };

    reply asked = get(*session, "/item/1", "gzip, deflate");
    CHECK(asked.header("Content-Encoding") == "gzip");
    json order = json::parse(inflate(asked.body));
    CHECK(order.at("order_id") == 1);

    reply plain = get(*session, "/item/1");
    CHECK(!plain.has("Content-Encoding"));
    CHECK(without_created_at(plain.body) == without_created_at(
                                                inflate(asked.body)));

    reply refused = get(*session, "/item/1", "gzip;q=0, identity");
    CHECK(!refused.has("Content-Encoding"));

    reply forced = get(*session, "/item/2");
    CHECK(forced.header("Content-Encoding") == "gzip");
    CHECK(json::parse(inflate(forced.body)).at("order_id") == 2);
}

TEST_CASE("orders_server - chunked and close-delimited bodies",
          "[integration][orders_server][faults]") {
    auto server = start_server({"--fault", "chunked:ids=1",
                                "--fault", "no-length:ids=2"});

    SECTION("chunked") {
        auto session = session_for(server);
        reply r = get(*session, "/item/1");
        CHECK(r.head.getChunkedTransferEncoding());
        CHECK(json::parse(r.body).at("order_id") == 1);

        raw_reply raw = raw_get(server, "/item/1");
        CHECK(raw.head.find("Transfer-Encoding: chunked")
              != std::string::npos);
    }

    SECTION("no length") {
        raw_reply raw = raw_get(server, "/item/2");
        CHECK(raw.content_length() == -1);
        CHECK(raw.head.find("Connection: Close") != std::string::npos);
        CHECK(!raw.reset);
        CHECK(json::parse(raw.body).at("order_id") == 2);
    }
}

TEST_CASE("orders_server - json body faults",
          "[integration][orders_server][faults]") {
    auto server = start_server({
        "--fault", "invalid-json:ids=1", "--fault", "json-null:ids=2",
        "--fault", "json-missing:ids=3", "--fault", "json-extra:ids=4",
        "--fault", "json-numbers:ids=5"});
    auto session = session_for(server);

    reply invalid = get(*session, "/item/1");
    CHECK(invalid.status == 200);
    CHECK(!json::accept(invalid.body));

    json nulls = json::parse(get(*session, "/item/2").body);
    CHECK(nulls.at("company").is_null());
    CHECK(nulls.at("tax").is_null());
    CHECK(nulls.at("contact").at("phone").is_null());
    CHECK(nulls.at("lines").at(0).at("usage_month").is_null());

    json missing = json::parse(get(*session, "/item/3").body);
    CHECK(!missing.contains("status"));
    CHECK(!missing.at("contact").contains("email"));
    CHECK(!missing.at("lines").at(0).contains("usage_month"));

    json extra = json::parse(get(*session, "/item/4").body);
    CHECK(extra.contains("schema_version"));
    CHECK(extra.at("internal").is_object());
    CHECK(extra.at("lines").at(0).contains("discount"));

    SECTION("numbers keep their values in other shapes") {
        std::string text = get(*session, "/item/5").body;
        json odd = json::parse(text);

        for (const std::string& price : raw_values(text, "unit_price")) {
            INFO("unit_price " << price);
            CHECK(price.find('e') != std::string::npos);
        }
        REQUIRE(raw_values(text, "subtotal").size() == 1);
        CHECK(is_fixed_point(raw_values(text, "subtotal")[0], 4));
        CHECK(raw_values(text, "subtotal")[0].substr(
                  raw_values(text, "subtotal")[0].size() - 2) == "00");
        CHECK(text.find("\"past_2_53\":9007199254740993,")
              != std::string::npos);
        CHECK(odd.at("measures").at("past_2_53").get<std::uint64_t>()
              == 9007199254740993ULL);
        CHECK(odd.at("measures").at("exp").get<double>() == 1500.0);

        std::int64_t subtotal = 0;
        for (const json& line : odd.at("lines")) {
            subtotal += line.at("qty").get<std::int64_t>()
                * cents_of(line.at("unit_price"));
        }
        CHECK(cents_of(odd.at("subtotal")) == subtotal);
    }
}

TEST_CASE("orders_server - faults from different stages combine",
          "[integration][orders_server][faults]") {
    auto server = start_server({"--fault", "gzip-always:ids=1",
                                "--fault", "chunked:ids=1",
                                "--fault", "json-extra:ids=1"});
    auto session = session_for(server);

    reply r = get(*session, "/item/1");
    CHECK(r.head.getChunkedTransferEncoding());
    CHECK(r.header("Content-Encoding") == "gzip");
    std::istringstream in(r.body);
    Poco::InflatingInputStream inflater(
        in, Poco::InflatingStreamBuf::STREAM_GZIP);
    std::string text;
    Poco::StreamCopier::copyToString(inflater, text);
    CHECK(json::parse(text).contains("schema_version"));
}

TEST_CASE("orders_server - listen delay refuses connections at first",
          "[integration][orders_server][faults]") {
    int port = free_port();
    auto server = child_process::spawn(ORDERS_SERVER_PATH, {
        "--port", std::to_string(port), "--listen-delay-ms", "1500"});

    Poco::Net::SocketAddress address("127.0.0.1",
                                     static_cast<Poco::UInt16>(port));
    Poco::Net::StreamSocket early;
    CHECK_THROWS_AS(early.connect(address),
                    Poco::Net::ConnectionRefusedException);

    server.wait_until_listening();
    CHECK(server.port() == port);
    CHECK(get(server, "/healthz").status == 200);
}

TEST_CASE("orders_server - bad flags are rejected at startup",
          "[integration][orders_server]") {
    for (std::vector<std::string> args : {
             std::vector<std::string>{"--fault", "bogus"},
             std::vector<std::string>{"--fault", "reset:ids=x"},
             std::vector<std::string>{"--fault", "reset:1.5"},
             std::vector<std::string>{"--fault", "gzip:ms=5"},
             std::vector<std::string>{"--outage", "5"},
             std::vector<std::string>{"--latency-ms", "9:1"}}) {
        INFO(args[0] << " " << args[1]);
        auto child = child_process::spawn(ORDERS_SERVER_PATH, args);
        auto code = child.wait_for_exit(std::chrono::seconds(5));
        REQUIRE(code.has_value());
        CHECK(*code != 0);
    }
}

TEST_CASE("orders_server - SIGINT stops the server even during a stall",
          "[integration][orders_server][faults]") {
    auto server = start_server({"--fault", "stall:ms=60000"});

    std::thread client([&server] {
        try {
            raw_get(server, "/item/1", milliseconds(10000));
        } catch (const std::exception&) {
            // Whatever the stall ends with is fine here.
        }
    });
    std::this_thread::sleep_for(milliseconds(300));

    auto began = steady_clock::now();
    auto code = server.stop(std::chrono::seconds(5));
    client.join();

    REQUIRE(code.has_value());
    CHECK(*code == 0);
    CHECK(steady_clock::now() - began < std::chrono::seconds(4));
}
