// conformance_host: the map-backed test host (see the header).
#include "conformance_host.hpp"

namespace fetchctl::conformance {

conformance_host::conformance_host() {
    host_.struct_size = sizeof(fc_host_v1);
    host_.abi_major = FETCHCTL_ABI_MAJOR;
    host_.abi_minor = FETCHCTL_ABI_MINOR;
    host_.host_ctx = this;
    host_.log = &on_log;
    host_.config_string = &on_string;
    host_.config_int = &on_int;
    host_.config_double = &on_double;
    host_.config_bool = &on_bool;
    host_.config_string_at = &on_string_at;
    host_.config_error = &on_config_error;
}

void conformance_host::set(const std::string &key, value v) {
    config_[key] = std::move(v);
}

std::vector<conformance_host::log_line> conformance_host::logs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return logs_;
}

std::vector<std::string> conformance_host::config_errors() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return config_errors_;
}

bool conformance_host::logged(int32_t level, const std::string &needle) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &line : logs_) {
        if (line.level >= level && line.message.find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}

const conformance_host::value *conformance_host::find(const char *key) const {
    if (key == nullptr) {
        return nullptr;
    }
    const auto it = config_.find(key);
    return it == config_.end() ? nullptr : &it->second;
}

// The C callbacks below must not throw; the only allocating one (on_log
// and on_config_error) swallow a failure, which in a test only loses a
// line.

void conformance_host::on_log(void *ctx, int32_t level, const char *message) {
    auto &self = *static_cast<conformance_host *>(ctx);
    try {
        std::lock_guard<std::mutex> lock(self.mutex_);
        self.logs_.push_back({level, message != nullptr ? message : "(null)"});
    } catch (...) {
    }
}

int32_t conformance_host::on_string(void *ctx, const char *key, const char **out) {
    const value *v = static_cast<conformance_host *>(ctx)->find(key);
    if (v == nullptr) {
        return FC_NOT_FOUND;
    }
    const auto *text = std::get_if<std::string>(v);
    if (text == nullptr || out == nullptr) {
        return FC_ERROR;
    }
    *out = text->c_str();
    return FC_OK;
}

int32_t conformance_host::on_int(void *ctx, const char *key, int64_t *out) {
    const value *v = static_cast<conformance_host *>(ctx)->find(key);
    if (v == nullptr) {
        return FC_NOT_FOUND;
    }
    const auto *number = std::get_if<int64_t>(v);
    if (number == nullptr || out == nullptr) {
        return FC_ERROR;
    }
    *out = *number;
    return FC_OK;
}

int32_t conformance_host::on_double(void *ctx, const char *key, double *out) {
    const value *v = static_cast<conformance_host *>(ctx)->find(key);
    if (v == nullptr) {
        return FC_NOT_FOUND;
    }
    if (out == nullptr) {
        return FC_ERROR;
    }
    // Like the real host: an integer in the file is a valid double.
    if (const auto *number = std::get_if<double>(v)) {
        *out = *number;
        return FC_OK;
    }
    if (const auto *number = std::get_if<int64_t>(v)) {
        *out = static_cast<double>(*number);
        return FC_OK;
    }
    return FC_ERROR;
}

int32_t conformance_host::on_bool(void *ctx, const char *key, int32_t *out) {
    const value *v = static_cast<conformance_host *>(ctx)->find(key);
    if (v == nullptr) {
        return FC_NOT_FOUND;
    }
    const auto *flag = std::get_if<bool>(v);
    if (flag == nullptr || out == nullptr) {
        return FC_ERROR;
    }
    *out = *flag ? 1 : 0;
    return FC_OK;
}

int32_t conformance_host::on_string_at(void *ctx, const char *key, size_t index,
                                       const char **out) {
    const value *v = static_cast<conformance_host *>(ctx)->find(key);
    if (v == nullptr) {
        return FC_NOT_FOUND;
    }
    const auto *list = std::get_if<std::vector<std::string>>(v);
    if (list == nullptr || out == nullptr) {
        return FC_ERROR;
    }
    if (index >= list->size()) {
        return FC_NOT_FOUND;
    }
    *out = (*list)[index].c_str();
    return FC_OK;
}

int32_t conformance_host::on_config_error(void *ctx, const char *key, const char *message) {
    auto &self = *static_cast<conformance_host *>(ctx);
    try {
        std::lock_guard<std::mutex> lock(self.mutex_);
        self.config_errors_.push_back(std::string(key != nullptr ? key : "(null)") + ": " +
                                      (message != nullptr ? message : "(null)"));
    } catch (...) {
    }
    return FC_ERROR;
}

} // namespace fetchctl::conformance
