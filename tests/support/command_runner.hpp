// command_runner: runs a command line tool (fetchctl) from a test, with its
// stdout and stderr captured to a file, a time limit, and the power to kill
// it at any moment (the crash-and-resume tests need SIGKILL mid-run).
//
// The child is always reaped: the destructor kills and waits for a child
// still running, so a failed REQUIRE leaves no process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fc_test {

/// An exit status: the code of a normal exit, or minus the signal number.
using exit_status = int;

struct command_result {
    exit_status status = 0;
    std::string output; // stdout and stderr, interleaved
};

class running_command {
public:
    /// Starts `program args...` in `working_dir`, output to `output_file`.
    /// Throws std::runtime_error if it cannot start.
    running_command(const std::filesystem::path &program, const std::vector<std::string> &args,
                    const std::filesystem::path &working_dir,
                    const std::filesystem::path &output_file);
    ~running_command();
    running_command(const running_command &) = delete;
    running_command &operator=(const running_command &) = delete;

    /// Waits up to `timeout`; the status once the child has exited.
    std::optional<exit_status> wait_for(std::chrono::milliseconds timeout);

    void send(int signal);
    pid_t pid() const { return pid_; }

    /// What the child has written so far.
    std::string output() const;

private:
    pid_t pid_ = -1;
    std::optional<exit_status> status_;
    std::filesystem::path output_file_;
};

/// Runs to completion; kills the child and throws if it takes longer than
/// `timeout`.
command_result run_command(const std::filesystem::path &program,
                           const std::vector<std::string> &args,
                           const std::filesystem::path &working_dir,
                           std::chrono::milliseconds timeout = std::chrono::minutes(3));

/// A fresh empty folder under the system temp folder, removed with its
/// contents when the object goes.
class scratch_dir {
public:
    explicit scratch_dir(const std::string &prefix);
    ~scratch_dir();
    scratch_dir(const scratch_dir &) = delete;
    scratch_dir &operator=(const scratch_dir &) = delete;
    const std::filesystem::path &path() const { return path_; }

private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path &path);
void write_file(const std::filesystem::path &path, const std::string &text);

} // namespace fc_test
