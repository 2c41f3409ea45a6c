// child_process: runs a server binary as a child of a test and stops it.
//
// Meant for any test that needs a real process on loopback: orders_server,
// or a fetchctl run. The child's stdout is piped to us so we can read the
// line "listening on HOST:PORT" it prints once it accepts connections
// (start it with --port 0 and take the port from here); its stderr is
// inherited so its complaints show up in the test log.
//
// Ownership: the object owns the child. The destructor stops it (SIGINT,
// a grace period, then SIGKILL) and reaps it, so a failing REQUIRE never
// leaves a server behind. Move-only. Not thread-safe: use one object from
// one thread, though the port it reports can be shared freely.
#pragma once

#include <Poco/Pipe.h>
#include <Poco/Process.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fc_test {

class child_process {
public:
    /// Launches `path` with `args` and waits for its "listening on" line.
    /// Throws std::runtime_error if the child exits or stays silent for
    /// `timeout` (the child is stopped first).
    static child_process start(
        const std::string& path, const std::vector<std::string>& args,
        std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Launches without waiting; call wait_until_listening() later. For
    /// tests that need to act before the child is ready, or that expect it
    /// to fail. Throws Poco::SystemException if the launch itself fails.
    static child_process spawn(const std::string& path,
                               const std::vector<std::string>& args);

    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&& other) noexcept;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    ~child_process();

    /// Reads the child's stdout until "listening on HOST:PORT"; throws
    /// std::runtime_error on end of output or after `timeout`.
    void wait_until_listening(
        std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Port and host from the "listening on" line; 0 and "" before it.
    int port() const { return port_; }
    const std::string& host() const { return host_; }

    int pid() const;

    /// Waits up to `timeout` for the child to exit by itself; returns its
    /// exit code as stop() does, or nullopt if it is still running.
    std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);

    /// Asks the child to stop (SIGINT), waits up to `grace`, then kills it
    /// (SIGKILL). Returns the exit code as Poco reports it (the status for
    /// a normal exit, 256 + signal number for a killed one), or nullopt if
    /// nothing was running. Safe to call twice.
    std::optional<int> stop(
        std::chrono::milliseconds grace = std::chrono::seconds(5));

private:
    child_process(Poco::ProcessHandle handle, Poco::Pipe out);

    std::optional<Poco::ProcessHandle> handle_;
    Poco::Pipe out_;
    std::string pending_output_;
    std::optional<int> exit_code_;
    std::string host_;
    int port_ = 0;
};

}  // namespace fc_test
