// test_http_server: the scripted loopback server (see the header).
#include "test_http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace fetchctl::conformance {

namespace {

// Bounds that keep a broken client or test from running the server away.
constexpr size_t max_head_bytes = 64 * 1024;
constexpr size_t max_connections = 4096;
constexpr auto max_stall = std::chrono::seconds(60);
constexpr auto idle_read_limit = std::chrono::seconds(30);

[[noreturn]] void throw_errno(const char *what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// A listening or unconnected socket bound to 127.0.0.1 on a free port.
int bound_loopback_socket(uint16_t &port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw_errno("socket");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
        const int saved = errno;
        close(fd);
        errno = saved;
        throw_errno("bind 127.0.0.1:0");
    }
    port = ntohs(addr.sin_port);
    return fd;
}

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trim(const std::string &text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

bool send_all(int fd, const char *data, size_t size) {
    while (size > 0) {
        const ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) {
            continue;
        }
        if (sent <= 0) {
            return false;
        }
        data += sent;
        size -= static_cast<size_t>(sent);
    }
    return true;
}

bool send_all(int fd, const std::string &data) {
    return send_all(fd, data.data(), data.size());
}

// Chunk sizes cycle through tiny, odd and large so a decoder meets chunk
// boundaries everywhere, including inside its own read buffer.
constexpr size_t chunk_sizes[] = {1, 7, 100, 4096, 16384, 3};

std::string hex(size_t value) {
    static const char digits[] = "0123456789abcdef";
    std::string text;
    do {
        text.insert(text.begin(), digits[value % 16]);
        value /= 16;
    } while (value != 0);
    return text;
}

// Sends `body[0, limit)` chunked; adds the terminating chunk only when the
// whole body was sent.
bool send_chunked(int fd, const std::string &body, size_t limit) {
    size_t offset = 0;
    size_t turn = 0;
    while (offset < limit) {
        const size_t size = std::min(chunk_sizes[turn++ % std::size(chunk_sizes)], limit - offset);
        const std::string head = hex(size) + "\r\n";
        if (!send_all(fd, head) || !send_all(fd, body.data() + offset, size) ||
            !send_all(fd, "\r\n", 2)) {
            return false;
        }
        offset += size;
    }
    if (limit < body.size()) {
        return true;
    }
    return send_all(fd, std::string("0\r\n\r\n"));
}

} // namespace

std::string pattern_bytes(size_t size, uint32_t seed) {
    std::string bytes(size, '\0');
    uint32_t state = seed * 2654435761u + 1;
    for (size_t i = 0; i < size; ++i) {
        state = state * 1664525u + 1013904223u;
        bytes[i] = static_cast<char>((state >> 24) ^ (i & 0xff));
    }
    return bytes;
}

test_http_server::test_http_server() {
    listen_fd_ = bound_loopback_socket(port_);
    if (listen(listen_fd_, 128) != 0) {
        close(listen_fd_);
        throw_errno("listen");
    }
    acceptor_ = std::thread([this] { accept_loop(); });
}

test_http_server::~test_http_server() {
    stop();
}

void test_http_server::route(const std::string &path, route_handler handler) {
    std::lock_guard<std::mutex> lock(mutex_);
    routes_[path] = std::move(handler);
}

std::string test_http_server::url(const std::string &target) const {
    return "http://127.0.0.1:" + std::to_string(port_) + target;
}

size_t test_http_server::connections_accepted() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return connections_;
}

size_t test_http_server::requests_to(const std::string &path) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = hits_.find(path);
    return it == hits_.end() ? 0 : it->second;
}

bool test_http_server::wait_for_requests(const std::string &path, size_t count,
                                         std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
        const auto it = hits_.find(path);
        return it != hits_.end() && it->second >= count;
    });
}

void test_http_server::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) {
            return;
        }
        stopping_ = true;
    }
    changed_.notify_all();
    if (acceptor_.joinable()) {
        acceptor_.join();
    }
    close(listen_fd_);

    // No new connection threads can appear now; wake the ones blocked in
    // recv() and join them. Their sockets are closed by the threads.
    std::vector<std::thread> threads;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const int fd : open_fds_) {
            shutdown(fd, SHUT_RDWR);
        }
        threads.swap(connection_threads_);
    }
    for (auto &thread : threads) {
        thread.join();
    }
}

void test_http_server::accept_loop() {
    for (;;) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) {
                return;
            }
        }

        // Poll with a short timeout so stop() needs no extra wake-up path.
        pollfd ready{listen_fd_, POLLIN, 0};
        if (poll(&ready, 1, 50) <= 0) {
            continue;
        }
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }

        timeval limit{static_cast<time_t>(idle_read_limit.count()), 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));

        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_ || connections_ >= max_connections) {
            close(fd);
            continue;
        }
        const size_t id = connections_++;
        open_fds_.push_back(fd);
        connection_threads_.emplace_back([this, fd, id] { serve(fd, id); });
        changed_.notify_all();
    }
}

void test_http_server::forget(int fd) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
    }
    // Closed only after it left open_fds_, so stop() never shuts down a
    // descriptor number that was already reused elsewhere.
    close(fd);
}

void test_http_server::serve(int fd, size_t connection_id) {
    std::string buffer;
    for (size_t index = 0;; ++index) {
        seen_request request;
        request.connection_id = connection_id;
        request.index_on_connection = index;
        if (!read_request(fd, buffer, request)) {
            break;
        }

        route_handler handler;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++hits_[request.path];
            const auto it = routes_.find(request.path);
            if (it != routes_.end()) {
                handler = it->second;
            }
        }
        changed_.notify_all();

        scripted_reply answer;
        if (handler) {
            answer = handler(request);
        } else {
            answer.status = 404;
            answer.reason = "Not Found";
            answer.body = "no route for " + request.path;
        }

        const auto connection = request.headers.find("connection");
        const bool client_wants_close =
            connection != request.headers.end() && lowercase(connection->second) == "close";
        if (!reply(fd, answer, client_wants_close)) {
            break;
        }
    }
    forget(fd);
}

bool test_http_server::read_request(int fd, std::string &buffer, seen_request &request) {
    // Read until the blank line that ends the head.
    size_t head_end = std::string::npos;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (buffer.size() > max_head_bytes) {
            return false;
        }
        char chunk[4096];
        const ssize_t got = recv(fd, chunk, sizeof(chunk), 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return false;
        }
        buffer.append(chunk, static_cast<size_t>(got));
    }
    const std::string head = buffer.substr(0, head_end);
    buffer.erase(0, head_end + 4);

    // Request line: METHOD SP target SP version.
    const auto line_end = head.find("\r\n");
    const std::string line = head.substr(0, line_end);
    const auto first_space = line.find(' ');
    const auto second_space = line.find(' ', first_space + 1);
    if (first_space == std::string::npos || second_space == std::string::npos) {
        return false;
    }
    request.method = line.substr(0, first_space);
    const std::string target = line.substr(first_space + 1, second_space - first_space - 1);
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    request.query = question == std::string::npos ? "" : target.substr(question + 1);

    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
        auto end = head.find("\r\n", pos);
        if (end == std::string::npos) {
            end = head.size();
        }
        const std::string header = head.substr(pos, end - pos);
        const auto colon = header.find(':');
        if (colon != std::string::npos) {
            request.headers[lowercase(trim(header.substr(0, colon)))] =
                trim(header.substr(colon + 1));
        }
        pos = end + 2;
    }

    // GET carries no body, but skip one if a client sends it anyway so the
    // next request on the connection parses.
    const auto length = request.headers.find("content-length");
    if (length != request.headers.end()) {
        const size_t wanted = std::strtoul(length->second.c_str(), nullptr, 10);
        if (wanted > max_head_bytes) {
            return false;
        }
        while (buffer.size() < wanted) {
            char chunk[4096];
            const ssize_t got = recv(fd, chunk, sizeof(chunk), 0);
            if (got <= 0) {
                return false;
            }
            buffer.append(chunk, static_cast<size_t>(got));
        }
        buffer.erase(0, wanted);
    }
    return true;
}

bool test_http_server::pause(std::chrono::milliseconds how_long) {
    std::unique_lock<std::mutex> lock(mutex_);
    return !changed_.wait_for(lock, how_long, [this] { return stopping_; });
}

bool test_http_server::reply(int fd, const scripted_reply &reply, bool client_wants_close) {
    using fault = scripted_reply::fault;

    if (reply.delay.count() > 0 && !pause(reply.delay)) {
        return false;
    }
    switch (reply.what) {
    case fault::close_without_reply:
        return false;
    case fault::stall_before_headers:
        pause(max_stall);
        return false;
    case fault::raw_bytes:
        send_all(fd, reply.raw);
        return false;
    default:
        break;
    }

    const bool chunked = reply.frame == scripted_reply::framing::chunked;
    std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + reply.reason + "\r\n";
    for (const auto &[name, value] : reply.headers) {
        head += name + ": " + value + "\r\n";
    }
    // 1xx, 204 and 304 answers have no body, so they carry no framing.
    const bool bodiless = reply.status < 200 || reply.status == 204 || reply.status == 304;
    if (!bodiless) {
        head += chunked ? "Transfer-Encoding: chunked\r\n"
                        : "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    }
    if (client_wants_close) {
        head += "Connection: close\r\n";
    }
    head += "\r\n";

    const bool cut = reply.what == fault::stall_after_headers || reply.what == fault::truncate_body;
    const size_t limit = cut ? std::min(reply.cut_at, reply.body.size()) : reply.body.size();
    bool sent = send_all(fd, head);
    if (sent && !bodiless) {
        sent = chunked ? send_chunked(fd, reply.body, limit)
                       : send_all(fd, reply.body.data(), limit);
    }
    if (!sent) {
        return false;
    }

    if (reply.what == fault::stall_after_headers) {
        pause(max_stall);
        return false;
    }
    return reply.what == fault::none && !client_wants_close;
}

uint16_t closed_loopback_port() {
    uint16_t port = 0;
    const int fd = bound_loopback_socket(port);
    close(fd);
    return port;
}

unanswered_listener::unanswered_listener() {
    listen_fd_ = bound_loopback_socket(port_);
    if (listen(listen_fd_, 0) != 0) {
        close(listen_fd_);
        throw_errno("listen");
    }

    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);

    // Connect (never accept) until an attempt gets no answer: from then on
    // the accept queue is full and the kernel drops every new SYN.
    for (int attempt = 0; attempt < 16; ++attempt) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            throw_errno("socket");
        }
        fillers_.push_back(fd);
        if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0) {
            continue;
        }
        if (errno != EINPROGRESS) {
            throw_errno("connect");
        }
        pollfd pending{fd, POLLOUT, 0};
        if (poll(&pending, 1, 200) == 0) {
            return;
        }
    }
    for (const int fd : fillers_) {
        close(fd);
    }
    close(listen_fd_);
    throw std::runtime_error("the accept queue never filled; cannot stage a connect timeout");
}

unanswered_listener::~unanswered_listener() {
    for (const int fd : fillers_) {
        close(fd);
    }
    close(listen_fd_);
}

} // namespace fetchctl::conformance
