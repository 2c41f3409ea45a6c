// Tests of poco_async's reactor_loop against a small scripted server on
// 127.0.0.1: the paths the transport conformance suite cannot reach
// through the C ABI, such as name resolution (with an injected lookup, so
// no real DNS is used), config-driven timeouts and max_in_flight.
#include "reactor_loop.hpp"
#include "waker.hpp"

#include <fetchctl/plugin.h>

#include <Poco/DeflatingStream.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketImpl.h>
#include <Poco/Net/StreamSocket.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

using namespace fetchctl::poco_async;
using namespace std::chrono_literals;

namespace {

/// What the server does with one request.
struct reply {
    std::string bytes;         ///< written as is
    bool close_after = false;  ///< close the connection after writing
    bool stall_after = false;  ///< then keep the connection open, silent
};

/// A tiny HTTP server: one thread per connection, each request answered by
/// `script(head, index_on_connection)`. Test use only; bounded by the test.
class script_server {
public:
    using script_fn = std::function<reply(const std::string &head, std::size_t index)>;

    explicit script_server(script_fn script)
        : script_(std::move(script)), listener_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
        listener_.setBlocking(false);
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    ~script_server() {
        stopping_ = true;
        acceptor_.join();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (auto &s : sockets_) {
                try {
                    s.shutdown();
                } catch (...) {
                }
            }
        }
        for (auto &t : workers_) {
            t.join();
        }
    }

    uint16_t port() const { return listener_.address().port(); }
    std::size_t connections() const { return connections_.load(); }

    std::string last_head() {
        std::lock_guard<std::mutex> lock(mutex_);
        return last_head_;
    }

private:
    void accept_loop() {
        while (!stopping_) {
            if (!listener_.poll(Poco::Timespan(0, 20000), Poco::Net::Socket::SELECT_READ)) {
                continue;
            }
            Poco::Net::StreamSocket s;
            try {
                s = listener_.acceptConnection();
            } catch (const Poco::Exception &) {
                continue;
            }
            s.setBlocking(true);
            s.setReceiveTimeout(Poco::Timespan(5, 0));
            ++connections_;
            std::lock_guard<std::mutex> lock(mutex_);
            sockets_.push_back(s);
            workers_.emplace_back([this, s]() mutable { serve(s); });
        }
    }

    void serve(Poco::Net::StreamSocket s) {
        std::string buffer;
        for (std::size_t index = 0; !stopping_; ++index) {
            std::size_t end = std::string::npos;
            while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
                char chunk[4096];
                int n = 0;
                try {
                    n = s.receiveBytes(chunk, sizeof chunk);
                } catch (const Poco::Exception &) {
                    return;
                }
                if (n <= 0) {
                    return;
                }
                buffer.append(chunk, static_cast<std::size_t>(n));
            }
            const std::string head = buffer.substr(0, end + 4);
            buffer.erase(0, end + 4);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                last_head_ = head;
            }

            const reply r = script_(head, index);
            try {
                s.sendBytes(r.bytes.data(), static_cast<int>(r.bytes.size()));
            } catch (const Poco::Exception &) {
                return;
            }
            if (r.stall_after) {
                while (!stopping_) {
                    std::this_thread::sleep_for(10ms);
                }
                return;
            }
            if (r.close_after) {
                s.close();
                return;
            }
        }
    }

    script_fn script_;
    Poco::Net::ServerSocket listener_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> connections_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<Poco::Net::StreamSocket> sockets_;
    std::vector<std::thread> workers_;
    std::string last_head_;
};

reply ok(const std::string &body, const std::string &extra_headers = "") {
    reply r;
    r.bytes = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
              extra_headers + "\r\n" + body;
    return r;
}

/// One answer, copied out of the callback.
struct answer {
    int32_t error = -1;
    std::string message;
    int status = 0;
    std::string body;
    std::thread::id thread;
};

/// Collects completions from the reactor thread.
class answers {
public:
    void add(const completion &c) {
        answer a;
        a.error = c.transport_error;
        a.message = c.error_message ? *c.error_message : "";
        a.status = c.status;
        a.body = *c.body;
        a.thread = std::this_thread::get_id();
        std::lock_guard<std::mutex> lock(mutex_);
        got_[c.request_id] = a;
        ++count_;
        changed_.notify_all();
    }

    /// Waits (bounded) for the answer to `id`.
    answer wait(uint64_t id, std::chrono::milliseconds limit = 10s) {
        std::unique_lock<std::mutex> lock(mutex_);
        REQUIRE(changed_.wait_for(lock, limit, [&] { return got_.count(id) > 0; }));
        return got_.at(id);
    }

    std::size_t count() {
        std::lock_guard<std::mutex> lock(mutex_);
        return count_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<uint64_t, answer> got_;
    std::size_t count_ = 0;
};

struct fixture {
    explicit fixture(loop_config config = loop_config(),
                     resolver::lookup_fn lookup = resolver::lookup_fn())
        : loop(config, [this](const completion &c) { got.add(c); },
               [](int32_t, const std::string &) {}, std::move(lookup)) {
        loop.start();
    }

    request_spec spec(uint64_t id, const std::string &url) {
        request_spec s;
        s.request_id = id;
        s.method = "GET";
        s.url = url;
        s.connect_timeout_ms = 2000;
        s.total_timeout_ms = 10000;
        return s;
    }

    void submit(const request_spec &s) {
        std::string why;
        REQUIRE(loop.submit(s, why));
    }

    answers got;
    reactor_loop loop;
};

std::vector<Poco::Net::IPAddress> loopback() { return {Poco::Net::IPAddress("127.0.0.1")}; }

} // namespace

TEST_CASE("loop - a host name is resolved off the reactor, once, and cached",
          "[poco_async][loop][resolve]") {
    script_server server([](const std::string &, std::size_t) { return ok("named"); });
    std::atomic<int> lookups{0};
    std::atomic<bool> on_submit_thread{false};
    const auto submitter = std::this_thread::get_id();
    fixture f(loop_config(), [&](const std::string &host) {
        ++lookups;
        on_submit_thread = on_submit_thread || std::this_thread::get_id() == submitter;
        REQUIRE(host == "api.test");
        return loopback();
    });

    const std::string url = "http://api.test:" + std::to_string(server.port()) + "/x";
    for (uint64_t id = 1; id <= 3; ++id) {
        f.submit(f.spec(id, url));
        const auto a = f.got.wait(id);
        INFO(a.message);
        REQUIRE(a.error == FC_TRANSPORT_OK);
        CHECK(a.body == "named");
        CHECK(a.thread != submitter);
    }
    CHECK(lookups.load() == 1);
    CHECK_FALSE(on_submit_thread.load());
    CHECK(server.connections() == 1);
    CHECK(server.last_head().find("Host: api.test:" + std::to_string(server.port())) !=
          std::string::npos);
}

TEST_CASE("loop - a failed lookup is RESOLVE", "[poco_async][loop][resolve]") {
    fixture f(loop_config(), [](const std::string &host) -> std::vector<Poco::Net::IPAddress> {
        throw Poco::Net::HostNotFoundException(host);
    });
    f.submit(f.spec(1, "http://nowhere.test/"));
    const auto a = f.got.wait(1);
    CHECK(a.error == FC_TRANSPORT_RESOLVE);
    CHECK(a.message.find("nowhere.test") != std::string::npos);
}

TEST_CASE("loop - a slow lookup ends at the connect timeout as RESOLVE",
          "[poco_async][loop][resolve]") {
    fixture f(loop_config(), [](const std::string &) {
        std::this_thread::sleep_for(1500ms);
        return loopback();
    });
    auto s = f.spec(1, "http://slow.test:9/");
    s.connect_timeout_ms = 200;
    const auto start = std::chrono::steady_clock::now();
    f.submit(s);
    const auto a = f.got.wait(1);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(a.error == FC_TRANSPORT_RESOLVE);
    CHECK(took >= 180ms);
    CHECK(took < 1400ms);
}

TEST_CASE("loop - submit refuses more than max_in_flight", "[poco_async][loop]") {
    script_server server([](const std::string &, std::size_t) {
        reply r;
        r.stall_after = true;
        return r;
    });
    loop_config config;
    config.max_in_flight = 2;
    fixture f(config);
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";

    std::string why;
    CHECK(f.loop.submit(f.spec(1, url), why));
    CHECK(f.loop.submit(f.spec(2, url), why));
    CHECK_FALSE(f.loop.submit(f.spec(3, url), why));
    CHECK(why.find("max_in_flight") != std::string::npos);

    // stop() abandons both without calling back.
    f.loop.stop();
    CHECK(f.got.count() == 0);
    std::string after;
    CHECK_FALSE(f.loop.submit(f.spec(4, url), after));
}

TEST_CASE("loop - idle_timeout_ms ends a stalled body before the total timeout",
          "[poco_async][loop][timeout]") {
    script_server server([](const std::string &, std::size_t) {
        reply r;
        r.bytes = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial";
        r.stall_after = true;
        return r;
    });
    loop_config config;
    config.idle_timeout_ms = 300;
    fixture f(config);

    auto s = f.spec(1, "http://127.0.0.1:" + std::to_string(server.port()) + "/");
    s.total_timeout_ms = 10000;
    const auto start = std::chrono::steady_clock::now();
    f.submit(s);
    const auto a = f.got.wait(1);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(a.error == FC_TRANSPORT_TIMEOUT);
    CHECK(a.message.find("idle") != std::string::npos);
    CHECK(took >= 280ms);
    CHECK(took < 3000ms);
}

TEST_CASE("loop - connections the server will not keep are not reused",
          "[poco_async][loop][pool]") {
    SECTION("Connection: close, even if the server leaves the socket open") {
        script_server server([](const std::string &, std::size_t) {
            reply r = ok("bye", "Connection: close\r\n");
            r.stall_after = true;
            return r;
        });
        fixture f;
        const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
        for (uint64_t id = 1; id <= 3; ++id) {
            f.submit(f.spec(id, url));
            REQUIRE(f.got.wait(id).error == FC_TRANSPORT_OK);
        }
        CHECK(server.connections() == 3);
    }
    SECTION("bytes beyond the response") {
        script_server server([](const std::string &, std::size_t) {
            reply r = ok("ok");
            r.bytes += "JUNK";
            return r;
        });
        fixture f;
        const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
        for (uint64_t id = 1; id <= 2; ++id) {
            f.submit(f.spec(id, url));
            const auto a = f.got.wait(id);
            REQUIRE(a.error == FC_TRANSPORT_OK);
            CHECK(a.body == "ok");
        }
        CHECK(server.connections() == 2);
    }
    SECTION("a close-delimited body") {
        script_server server([](const std::string &, std::size_t) {
            reply r;
            r.bytes = "HTTP/1.0 200 OK\r\n\r\nuntil close";
            r.close_after = true;
            return r;
        });
        fixture f;
        const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
        for (uint64_t id = 1; id <= 2; ++id) {
            f.submit(f.spec(id, url));
            const auto a = f.got.wait(id);
            REQUIRE(a.error == FC_TRANSPORT_OK);
            CHECK(a.body == "until close");
        }
        CHECK(server.connections() == 2);
    }
}

TEST_CASE("loop - requests that cannot be sent complete with OTHER from the reactor",
          "[poco_async][loop]") {
    fixture f;
    auto bad_header = f.spec(2, "http://127.0.0.1:9/");
    bad_header.headers = {{"X-Evil", "a\r\nb: c"}};
    f.submit(f.spec(1, "https://127.0.0.1:9/"));
    f.submit(bad_header);

    const auto tls = f.got.wait(1);
    CHECK(tls.error == FC_TRANSPORT_OTHER);
    CHECK(tls.message.find("https") != std::string::npos);
    CHECK(tls.thread != std::this_thread::get_id());
    CHECK(f.got.wait(2).error == FC_TRANSPORT_OTHER);
}

TEST_CASE("loop - compression is offered and decoded, within max_body_bytes",
          "[poco_async][loop][decode]") {
    const std::string text = "{\"orders\":[" + std::string(20000, '7') + "]}";
    std::ostringstream packed;
    {
        Poco::DeflatingOutputStream deflater(packed, Poco::DeflatingStreamBuf::STREAM_GZIP);
        deflater << text;
        deflater.close();
    }
    const std::string gz = packed.str();
    script_server server([&](const std::string &head, std::size_t) {
        const bool offered = head.find("Accept-Encoding: gzip") != std::string::npos;
        return offered ? ok(gz, "Content-Encoding: gzip\r\n") : ok(text);
    });
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/gz";

    SECTION("on by default") {
        fixture f;
        f.submit(f.spec(1, url));
        const auto a = f.got.wait(1);
        REQUIRE(a.error == FC_TRANSPORT_OK);
        CHECK(a.body == text);

        auto tight = f.spec(2, url);
        tight.max_body_bytes = text.size() - 1;
        f.submit(tight);
        CHECK(f.got.wait(2).error == FC_TRANSPORT_TOO_LARGE);
    }
    SECTION("off: identity is asked for") {
        loop_config config;
        config.accept_encoding = false;
        fixture f(config);
        f.submit(f.spec(1, url));
        const auto a = f.got.wait(1);
        REQUIRE(a.error == FC_TRANSPORT_OK);
        CHECK(a.body == text);
        CHECK(server.last_head().find("Accept-Encoding: identity") != std::string::npos);
    }
}

TEST_CASE("waker - work queued around a rearm is never slept through", "[poco_async][waker]") {
    // The reactor's protocol: poll, drain when readable, rearm, take the
    // queue. Wakes are coalesced, so a lost wake would show as a poll that
    // times out while work sits in the queue.
    waker w;
    for (int round = 0; round < 200; ++round) {
        constexpr int items = 50;
        std::mutex mutex;
        int queued = 0;
        std::atomic<bool> go{false};
        std::thread producer([&] {
            while (!go) {
            }
            for (int i = 0; i < items; ++i) {
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    ++queued;
                }
                w.wake();
            }
        });
        go = true;

        int taken = 0;
        while (taken < items) {
            const bool readable =
                w.socket().poll(Poco::Timespan(5, 0), Poco::Net::Socket::SELECT_READ);
            if (readable) {
                w.drain();
            }
            w.rearm();
            std::lock_guard<std::mutex> lock(mutex);
            // A poll that timed out must have had nothing to wake it for.
            REQUIRE((readable || queued == 0));
            taken += queued;
            queued = 0;
        }
        producer.join();
        CHECK(taken == items);
    }
    // Coalesced: a second wake before the rearm writes nothing more.
    w.drain();
    w.rearm();
    w.wake();
    w.wake();
    char buffer[8];
    CHECK(::recv(w.socket().impl()->sockfd(), buffer, sizeof buffer, MSG_DONTWAIT) == 1);
}
