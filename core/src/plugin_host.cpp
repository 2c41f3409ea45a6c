// plugin_host.cpp: see plugin_host.hpp.
#include "plugin_host.hpp"

#include <utility>

#include <spdlog/spdlog.h>

#include "config_error.hpp"

namespace fetchctl {
namespace {

plugin_host &self(void *ctx) {
    return *static_cast<plugin_host *>(ctx);
}

} // namespace

plugin_host::plugin_host(const plugin_choice &choice, const std::filesystem::path &config_file)
    : instance_name_(choice.options_key), options_(choice.options),
      reader_(choice.options, choice.options_key, config_file) {
    host_.struct_size = sizeof host_;
    host_.abi_major = FETCHCTL_ABI_MAJOR;
    host_.abi_minor = FETCHCTL_ABI_MINOR;
    host_.host_ctx = this;
    host_.log = &plugin_host::log;
    host_.config_string = &plugin_host::config_string;
    host_.config_int = &plugin_host::config_int;
    host_.config_double = &plugin_host::config_double;
    host_.config_bool = &plugin_host::config_bool;
    host_.config_string_at = &plugin_host::config_string_at;
    host_.config_error = &plugin_host::config_error;
}

void plugin_host::log(void *ctx, int32_t level, const char *message) {
    plugin_host &host = self(ctx);
    const char *text = message ? message : "(null)";
    if (level >= FC_LOG_WARN) {
        std::lock_guard<std::mutex> lock(host.mutex_);
        host.last_logged_problem_ = text;
    }
    switch (level) {
    case FC_LOG_DEBUG: spdlog::debug("{}: {}", host.instance_name_, text); break;
    case FC_LOG_INFO: spdlog::info("{}: {}", host.instance_name_, text); break;
    case FC_LOG_WARN: spdlog::warn("{}: {}", host.instance_name_, text); break;
    default: spdlog::error("{}: {}", host.instance_name_, text); break;
    }
}

template <class Read> int32_t plugin_host::guarded(const char *key, Read &&read) {
    if (!key)
        return FC_ERROR;
    std::lock_guard<std::mutex> lock(mutex_);
    try {
        return read() ? FC_OK : FC_NOT_FOUND;
    } catch (const fetchctl::config_error &error) {
        if (problem_.empty())
            problem_ = error.what();
        return FC_ERROR;
    }
}

int32_t plugin_host::config_string(void *ctx, const char *key, const char **value) {
    plugin_host &host = self(ctx);
    return host.guarded(key, [&] {
        // Read through the reader for the type check, then point into the
        // document, which outlives the instance.
        if (!host.reader_.string(key))
            return false;
        *value = host.options_->get(key)->as_string()->get().c_str();
        return true;
    });
}

int32_t plugin_host::config_int(void *ctx, const char *key, int64_t *value) {
    plugin_host &host = self(ctx);
    return host.guarded(key, [&] {
        auto v = host.reader_.integer(key, INT64_MIN, INT64_MAX);
        if (v)
            *value = *v;
        return v.has_value();
    });
}

int32_t plugin_host::config_double(void *ctx, const char *key, double *value) {
    plugin_host &host = self(ctx);
    return host.guarded(key, [&] {
        auto v = host.reader_.number(key, -1e300, 1e300);
        if (v)
            *value = *v;
        return v.has_value();
    });
}

int32_t plugin_host::config_bool(void *ctx, const char *key, int32_t *value) {
    plugin_host &host = self(ctx);
    return host.guarded(key, [&] {
        auto v = host.reader_.boolean(key);
        if (v)
            *value = *v ? 1 : 0;
        return v.has_value();
    });
}

int32_t plugin_host::config_string_at(void *ctx, const char *key, size_t index,
                                      const char **value) {
    plugin_host &host = self(ctx);
    return host.guarded(key, [&] {
        auto values = host.reader_.string_array(key);
        if (!values || index >= values->size())
            return false;
        *value = host.options_->get(key)->as_array()->get(index)->as_string()->get().c_str();
        return true;
    });
}

int32_t plugin_host::config_error(void *ctx, const char *key, const char *message) {
    plugin_host &host = self(ctx);
    std::lock_guard<std::mutex> lock(host.mutex_);
    if (host.problem_.empty()) {
        host.problem_ = std::string(host.reader_.where(key ? key : "?")) + ": " +
                        (message ? message : "invalid value");
    }
    return FC_ERROR;
}

std::string plugin_host::take_last_problem() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(last_logged_problem_, std::string());
}

void plugin_host::check_after_create(bool created,
                                     const std::function<void()> &destroy) const {
    std::string problem;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        problem = problem_;
        if (problem.empty() && created) {
            try {
                reader_.reject_unknown_keys();
            } catch (const fetchctl::config_error &error) {
                problem = error.what();
            }
        }
    }
    if (problem.empty())
        return;
    if (created)
        destroy();
    throw fetchctl::config_error(problem);
}

} // namespace fetchctl
