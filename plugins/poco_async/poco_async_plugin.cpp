// poco_async_plugin: the C ABI glue of the poco_async transport. It exports
// fc_plugin_entry() and turns the fc_transport_v1 calls into calls on one
// reactor_loop per instance.
//
// Every function here is a trampoline that catches everything: no C++
// exception may cross into the host, so failures become FC_ERROR plus a
// log line. Threading follows plugin.h: create/submit/destroy come from
// host threads (submit from one thread only); completions are delivered on
// the instance's reactor thread. Ownership: an instance owns its loop; the
// host's fc_host_v1 is borrowed until destroy().
#include "reactor_loop.hpp"
#include "transport_config.hpp"

#include <fetchctl/plugin.h>

#include <cstddef>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace fetchctl::poco_async {

namespace {

constexpr const char *plugin_name = "poco_async";

// ABI 1.0 sizes: the fields this plugin reads must all be present.
constexpr std::size_t min_host_size =
    offsetof(fc_host_v1, config_error) + sizeof(fc_host_v1::config_error);
constexpr std::size_t min_request_size =
    offsetof(fc_request_v1, max_body_bytes) + sizeof(fc_request_v1::max_body_bytes);

void host_log(const fc_host_v1 *host, int32_t level, const std::string &message) noexcept {
    if (host != nullptr && host->log != nullptr) {
        host->log(host->host_ctx, level, message.c_str());
    }
}

struct instance {
    const fc_host_v1 *host = nullptr;
    fc_completion_fn on_complete = nullptr;
    void *completion_ctx = nullptr;
    std::unique_ptr<reactor_loop> loop;
};

/// Hands one answer to the host as an fc_response_v1 that borrows the
/// loop's strings. Runs on the reactor thread.
void deliver(const instance &inst, const completion &c) noexcept {
    fc_response_v1 response{};
    response.struct_size = sizeof(fc_response_v1);
    response.request_id = c.request_id;
    response.transport_error = c.transport_error;
    response.error_message = c.error_message != nullptr ? c.error_message->c_str() : nullptr;

    std::vector<fc_header_v1> headers;
    try {
        headers.reserve(c.headers->size());
        for (const auto &[name, value] : *c.headers) {
            headers.push_back(fc_header_v1{name.c_str(), value.c_str()});
        }
        response.status = c.status;
        response.headers = headers.empty() ? nullptr : headers.data();
        response.header_count = headers.size();
        response.body = c.body->data();
        response.body_size = c.body->size();
    } catch (const std::bad_alloc &) {
        // Still answer exactly once, as a failure, rather than not at all.
        response.transport_error = FC_TRANSPORT_OTHER;
        response.error_message = "out of memory while delivering the response";
        response.status = 0;
    }
    inst.on_complete(inst.completion_ctx, &response);
}

int32_t create(const fc_host_v1 *host, fc_completion_fn on_complete, void *completion_ctx,
               void **out) noexcept {
    if (out == nullptr) {
        return FC_ERROR;
    }
    *out = nullptr;
    if (host == nullptr || host->struct_size < min_host_size || host->config_int == nullptr ||
        host->config_error == nullptr) {
        return FC_ERROR;
    }
    if (host->abi_major != FETCHCTL_ABI_MAJOR) {
        host_log(host, FC_LOG_ERROR,
                 "poco_async: built for ABI major " + std::to_string(FETCHCTL_ABI_MAJOR) +
                     ", host has " + std::to_string(host->abi_major) + "; not starting");
        return FC_ERROR;
    }
    if (on_complete == nullptr) {
        host_log(host, FC_LOG_ERROR, "poco_async: create() needs a completion callback");
        return FC_ERROR;
    }

    try {
        loop_config config;
        if (!read_config(*host, config)) {
            return FC_ERROR;
        }

        auto inst = std::make_unique<instance>();
        inst->host = host;
        inst->on_complete = on_complete;
        inst->completion_ctx = completion_ctx;
        const instance *raw = inst.get();
        inst->loop = std::make_unique<reactor_loop>(
            config, [raw](const completion &c) { deliver(*raw, c); },
            [host](int32_t level, const std::string &message) {
                host_log(host, level, message);
            });
        inst->loop->start();

        const std::string idle = config.idle_timeout_ms > 0
                                     ? std::to_string(config.idle_timeout_ms)
                                     : std::string("each request's total timeout");
        host_log(host, FC_LOG_INFO,
                 "poco_async started: one reactor thread (Poco PollSet), max_in_flight=" +
                     std::to_string(config.max_in_flight) + ", idle_timeout_ms=" + idle +
                     ", pool_idle_timeout_ms=" + std::to_string(config.pool_idle_timeout_ms) +
                     ", dns_cache_ms=" + std::to_string(config.dns_cache_ms) +
                     ", accept_encoding=" + (config.accept_encoding ? "true" : "false") +
                     "; plain http only");
        *out = inst.release();
        return FC_OK;
    } catch (const std::exception &e) {
        host_log(host, FC_LOG_ERROR, std::string("poco_async: cannot start: ") + e.what());
    } catch (...) {
        host_log(host, FC_LOG_ERROR, "poco_async: cannot start (unknown exception)");
    }
    return FC_ERROR;
}

uint32_t max_in_flight(void *handle) noexcept {
    const auto *inst = static_cast<const instance *>(handle);
    return inst != nullptr ? inst->loop->max_in_flight() : 0;
}

int32_t submit(void *handle, const fc_request_v1 *request) noexcept {
    auto *inst = static_cast<instance *>(handle);
    if (inst == nullptr || request == nullptr) {
        return FC_ERROR;
    }
    const fc_host_v1 *host = inst->host;

    try {
        if (request->struct_size < min_request_size || request->method == nullptr ||
            request->url == nullptr || (request->header_count > 0 && request->headers == nullptr)) {
            host_log(host, FC_LOG_ERROR,
                     "poco_async: submit() got a malformed request (size, method, url or "
                     "headers missing); not accepted");
            return FC_ERROR;
        }

        request_spec spec;
        spec.request_id = request->request_id;
        spec.method = request->method;
        spec.url = request->url;
        spec.connect_timeout_ms = request->connect_timeout_ms;
        spec.total_timeout_ms = request->total_timeout_ms;
        spec.max_body_bytes = request->max_body_bytes;
        spec.headers.reserve(request->header_count);
        for (std::size_t i = 0; i < request->header_count; ++i) {
            const fc_header_v1 &h = request->headers[i];
            if (h.name == nullptr) {
                host_log(host, FC_LOG_ERROR,
                         "poco_async: request " + std::to_string(request->request_id) +
                             " has a header without a name; not accepted");
                return FC_ERROR;
            }
            spec.headers.emplace_back(h.name, h.value != nullptr ? h.value : "");
        }

        std::string why;
        if (!inst->loop->submit(spec, why)) {
            host_log(host, FC_LOG_WARN,
                     "poco_async: request " + std::to_string(request->request_id) +
                         " not accepted: " + why);
            return FC_ERROR;
        }
        return FC_OK;
    } catch (const std::exception &e) {
        host_log(host, FC_LOG_ERROR,
                 std::string("poco_async: submit failed, request not accepted: ") + e.what());
    } catch (...) {
        host_log(host, FC_LOG_ERROR, "poco_async: submit failed (unknown exception)");
    }
    return FC_ERROR;
}

void destroy(void *handle) noexcept {
    auto *inst = static_cast<instance *>(handle);
    if (inst == nullptr) {
        return;
    }
    try {
        inst->loop->stop();
    } catch (...) {
        // stop() is noexcept; this only guards the contract.
    }
    delete inst;
}

const fc_transport_v1 transport_table = {
    sizeof(fc_transport_v1), create, max_in_flight, submit, destroy,
};

const fc_plugin_v1 descriptor = {
    sizeof(fc_plugin_v1),
    FETCHCTL_ABI_MAJOR,
    FETCHCTL_ABI_MINOR,
    FC_KIND_TRANSPORT,
    plugin_name,
    "0.1.0",
    "HTTP/1.1 on one Poco reactor thread with keep-alive pooling (plain http only)",
    &transport_table,
    nullptr,
};

} // namespace

} // namespace fetchctl::poco_async

extern "C" FETCHCTL_PLUGIN_EXPORT const fc_plugin_v1 *fc_plugin_entry(void) {
    return &fetchctl::poco_async::descriptor;
}
