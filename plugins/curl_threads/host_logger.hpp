// host_logger: the curl_threads plugin's only way to log.
//
// Ownership: borrows the fc_host_v1 the host passed to create(); the host
// keeps it valid until the instance is destroyed, which outlives every use
// here. Threading: the host promises its log function may be called from
// any thread, so a host_logger may be shared by all workers without a lock.
#pragma once

#include <fetchctl/plugin.h>

#include <string>

namespace fetchctl::curl_threads {

class host_logger {
public:
    /// `host` may be null (then every message is dropped); when set it must
    /// outlive this object.
    explicit host_logger(const fc_host_v1 *host) noexcept : host_(host) {}

    /// Sends one line to the host. Never throws: a message that cannot be
    /// delivered is dropped, since logging must not turn into a failure.
    void log(int32_t level, const std::string &message) const noexcept;

    void debug(const std::string &message) const noexcept { log(FC_LOG_DEBUG, message); }
    void info(const std::string &message) const noexcept { log(FC_LOG_INFO, message); }
    void warn(const std::string &message) const noexcept { log(FC_LOG_WARN, message); }
    void error(const std::string &message) const noexcept { log(FC_LOG_ERROR, message); }

private:
    const fc_host_v1 *host_;
};

} // namespace fetchctl::curl_threads
