// host_logger: forwards log lines to the host (see host_logger.hpp).
#include "host_logger.hpp"

namespace fetchctl::curl_threads {

void host_logger::log(int32_t level, const std::string &message) const noexcept {
    if (host_ == nullptr || host_->log == nullptr) {
        return;
    }

    // The host function is C; nothing can propagate out of it, and c_str()
    // does not throw, so this stays noexcept without a try block.
    host_->log(host_->host_ctx, level, message.c_str());
}

} // namespace fetchctl::curl_threads
