// command_runner.cpp: see command_runner.hpp.
#include "command_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char **environ;

namespace fc_test {

namespace {

exit_status decode(int raw) {
    if (WIFEXITED(raw))
        return WEXITSTATUS(raw);
    if (WIFSIGNALED(raw))
        return -WTERMSIG(raw);
    return -1000;
}

} // namespace

running_command::running_command(const std::filesystem::path &program,
                                 const std::vector<std::string> &args,
                                 const std::filesystem::path &working_dir,
                                 const std::filesystem::path &output_file)
    : output_file_(output_file) {
    // posix_spawn has no portable chdir action in glibc 2.36's headers
    // without _GNU_SOURCE games, so go through /bin/sh: cd, then exec.
    std::string script = "cd \"$1\" && shift && exec \"$@\" >\"$0\" 2>&1";
    std::vector<std::string> argv_text = {"/bin/sh", "-c", script, output_file.string(),
                                          working_dir.string(), program.string()};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (std::string &text : argv_text)
        argv.push_back(text.data());
    argv.push_back(nullptr);

    const int error = posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, argv.data(), environ);
    if (error != 0)
        throw std::runtime_error(std::string("cannot start ") + program.string() + ": " +
                                 std::strerror(error));
}

running_command::~running_command() {
    if (!status_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int raw = 0;
        ::waitpid(pid_, &raw, 0);
    }
}

std::optional<exit_status> running_command::wait_for(std::chrono::milliseconds timeout) {
    if (status_)
        return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int raw = 0;
        const pid_t done = ::waitpid(pid_, &raw, WNOHANG);
        if (done == pid_) {
            status_ = decode(raw);
            return status_;
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

void running_command::send(int signal) {
    if (!status_)
        ::kill(pid_, signal);
}

std::string running_command::output() const {
    return read_file(output_file_);
}

command_result run_command(const std::filesystem::path &program,
                           const std::vector<std::string> &args,
                           const std::filesystem::path &working_dir,
                           std::chrono::milliseconds timeout) {
    const auto log = working_dir / ".command_output.log";
    running_command command(program, args, working_dir, log);
    const auto status = command.wait_for(timeout);
    if (!status)
        throw std::runtime_error(program.string() + " did not finish in time; output:\n" +
                                 command.output());
    return {*status, command.output()};
}

scratch_dir::scratch_dir(const std::string &prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("cannot create a scratch folder: " +
                                 std::string(std::strerror(errno)));
    path_ = pattern;
}

scratch_dir::~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string read_file(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const std::filesystem::path &path, const std::string &text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

} // namespace fc_test
