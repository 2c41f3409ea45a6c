// child_process implementation; see child_process.hpp.
#include "child_process.hpp"

#include <poll.h>

#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

namespace fc_test {
namespace {

constexpr std::string_view ready_marker = "listening on ";

// Parses "listening on HOST:PORT" out of one output line.
bool parse_listening_line(const std::string& line, std::string& host,
                          int& port) {
    auto at = line.find(ready_marker);
    auto colon = line.rfind(':');
    if (at == std::string::npos || colon == std::string::npos
        || colon < at + ready_marker.size()) {
        return false;
    }

    try {
        port = std::stoi(line.substr(colon + 1));
    } catch (const std::exception&) {
        return false;
    }
    host = line.substr(at + ready_marker.size(),
                       colon - at - ready_marker.size());
    return true;
}

}  // namespace

child_process::child_process(Poco::ProcessHandle handle, Poco::Pipe out)
    : handle_(std::move(handle)), out_(std::move(out)) {}

child_process::child_process(child_process&& other) noexcept
    : handle_(std::exchange(other.handle_, std::nullopt)),
      out_(other.out_),
      pending_output_(std::move(other.pending_output_)),
      exit_code_(other.exit_code_),
      host_(std::move(other.host_)),
      port_(other.port_) {}

child_process& child_process::operator=(child_process&& other) noexcept {
    if (this != &other) {
        stop();
        handle_ = std::exchange(other.handle_, std::nullopt);
        out_ = other.out_;
        pending_output_ = std::move(other.pending_output_);
        exit_code_ = other.exit_code_;
        host_ = std::move(other.host_);
        port_ = other.port_;
    }
    return *this;
}

child_process::~child_process() {
    try {
        stop();
    } catch (...) {
        // A destructor must not throw; the worst case is a zombie child
        // reaped when the test binary exits.
    }
}

child_process child_process::spawn(const std::string& path,
                                   const std::vector<std::string>& args) {
    Poco::Pipe out;
    Poco::ProcessHandle handle =
        Poco::Process::launch(path, args, nullptr, &out, nullptr);
    return child_process(std::move(handle), std::move(out));
}

child_process child_process::start(const std::string& path,
                                   const std::vector<std::string>& args,
                                   std::chrono::milliseconds timeout) {
    child_process child = spawn(path, args);
    child.wait_until_listening(timeout);
    return child;
}

void child_process::wait_until_listening(std::chrono::milliseconds timeout) {
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + timeout;

    while (true) {
        auto newline = pending_output_.find('\n');
        while (newline != std::string::npos) {
            std::string line = pending_output_.substr(0, newline);
            pending_output_.erase(0, newline + 1);
            if (parse_listening_line(line, host_, port_)) {
                return;
            }
            newline = pending_output_.find('\n');
        }

        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - clock::now());
        if (left.count() <= 0) {
            stop();
            throw std::runtime_error(
                "child printed no 'listening on' line in time");
        }

        // poll() first: a plain read on the pipe would block past the
        // deadline if the child hangs without printing.
        pollfd fd{out_.readHandle(), POLLIN, 0};
        if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
            continue;
        }
        char buffer[512];
        int n = out_.readBytes(buffer, sizeof buffer);
        if (n <= 0) {
            stop();
            throw std::runtime_error(
                "child closed its output before 'listening on'");
        }
        pending_output_.append(buffer, static_cast<std::size_t>(n));
    }
}

int child_process::pid() const {
    return handle_ ? static_cast<int>(handle_->id()) : 0;
}

std::optional<int> child_process::wait_for_exit(
    std::chrono::milliseconds timeout) {
    if (exit_code_ || !handle_) {
        return exit_code_;
    }

    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int code = handle_->tryWait();
        if (code >= 0) {
            exit_code_ = code;
            return exit_code_;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::optional<int> child_process::stop(std::chrono::milliseconds grace) {
    if (exit_code_ || !handle_) {
        return exit_code_;
    }

    // SIGINT first so the server exits through its own shutdown path,
    // which is itself worth exercising.
    Poco::Process::requestTermination(handle_->id());
    if (auto code = wait_for_exit(grace)) {
        return code;
    }

    Poco::Process::kill(*handle_);
    exit_code_ = handle_->wait();
    return exit_code_;
}

}  // namespace fc_test
