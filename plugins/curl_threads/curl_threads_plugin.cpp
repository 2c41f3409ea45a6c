// curl_threads_plugin: the C ABI face of the curl_threads transport.
//
// Holds the static descriptor returned by fc_plugin_entry() and the four
// fc_transport_v1 trampolines. Each trampoline checks its arguments, calls
// into curl_worker_pool, and turns every C++ exception into a status code,
// because nothing may unwind across the C boundary.
//
// Ownership: create() allocates an instance (the pool) that destroy()
// frees. Threading: as fc_transport_v1 states it: submit() from one host
// thread, destroy() once, max_in_flight() from anywhere; completions run
// on the worker threads.
#include "curl_global.hpp"
#include "curl_settings.hpp"
#include "curl_worker_pool.hpp"
#include "host_logger.hpp"
#include "pending_request.hpp"

#include <fetchctl/plugin.h>

#include <curl/curl.h>

#include <cstddef>
#include <exception>
#include <memory>
#include <new>
#include <string>

namespace fetchctl::curl_threads {

namespace {

// What create() hands the host as `instance`.
struct instance {
    host_logger logger;
    std::unique_ptr<curl_worker_pool> pool;
};

// The last field this plugin calls; a host struct that ends before it was
// built for some other ABI and cannot serve us.
constexpr size_t min_host_size = offsetof(fc_host_v1, config_error) + sizeof(void *);

bool host_is_usable(const fc_host_v1 *host) {
    return host != nullptr && host->struct_size >= min_host_size &&
           host->abi_major == FETCHCTL_ABI_MAJOR && host->config_int != nullptr &&
           host->config_bool != nullptr && host->config_string != nullptr &&
           host->config_error != nullptr;
}

// A host we cannot use may still be able to hear why: its log function sits
// near the start of the struct, where every ABI version keeps it.
const fc_host_v1 *loggable(const fc_host_v1 *host) {
    const size_t log_end = offsetof(fc_host_v1, log) + sizeof(void *);
    return host != nullptr && host->struct_size >= log_end ? host : nullptr;
}

std::string describe_start(const curl_settings &settings) {
    const curl_version_info_data *version = curl_version_info(CURLVERSION_NOW);
    std::string text = "started " + std::to_string(settings.threads) + " threads, libcurl '" +
                       (version != nullptr ? version->version : "?") + "'";
    text += settings.proxy ? ", proxy set" : ", no proxy";
    if (settings.ca_bundle) {
        text += ", ca_bundle '" + *settings.ca_bundle + "'";
    }
    return text;
}

int32_t create_impl(const fc_host_v1 *host, fc_completion_fn on_complete, void *completion_ctx,
                    void **out) {
    if (out == nullptr || on_complete == nullptr || !host_is_usable(host)) {
        host_logger(loggable(host))
            .error("create: missing or incompatible host, callback or out pointer");
        return FC_ERROR;
    }
    *out = nullptr;
    const host_logger logger(host);

    curl_settings settings;
    if (!read_curl_settings(*host, settings)) {
        return FC_ERROR;
    }

    std::string why;
    if (!ensure_curl_global_init(why)) {
        logger.error(why);
        return FC_ERROR;
    }

    if (!settings.verify_tls) {
        logger.warn("verify_tls is false: server certificates and names are not checked");
    }

    auto self = std::make_unique<instance>(instance{logger, nullptr});
    self->pool =
        std::make_unique<curl_worker_pool>(settings, logger, on_complete, completion_ctx);
    logger.info(describe_start(settings));

    *out = self.release();
    return FC_OK;
}

int32_t fc_create(const fc_host_v1 *host, fc_completion_fn on_complete, void *completion_ctx,
                  void **out) {
    try {
        return create_impl(host, on_complete, completion_ctx, out);
    } catch (const std::exception &e) {
        host_logger(loggable(host)).error(std::string("could not start: ") + e.what());
    } catch (...) {
        host_logger(loggable(host)).error("could not start");
    }
    return FC_ERROR;
}

uint32_t fc_max_in_flight(void *opaque) {
    if (opaque == nullptr) {
        return 0;
    }
    return static_cast<instance *>(opaque)->pool->capacity();
}

int32_t fc_submit(void *opaque, const fc_request_v1 *request) {
    if (opaque == nullptr || request == nullptr) {
        return FC_ERROR;
    }
    auto &self = *static_cast<instance *>(opaque);

    try {
        pending_request copy;
        std::string why;
        if (!copy_request(*request, copy, why)) {
            self.logger.error("request " + std::to_string(request->request_id) +
                              " refused: " + why);
            return FC_ERROR;
        }
        if (!self.pool->submit(std::move(copy))) {
            self.logger.error("request " + std::to_string(request->request_id) +
                              " refused: stopping, or " +
                              std::to_string(self.pool->capacity()) +
                              " requests already in flight");
            return FC_ERROR;
        }
        return FC_OK;
    } catch (const std::exception &e) {
        self.logger.error(std::string("submit failed: ") + e.what());
    } catch (...) {
        self.logger.error("submit failed");
    }
    return FC_ERROR;
}

void fc_destroy(void *opaque) {
    // The pool's stop() and every destructor below are noexcept, so there
    // is nothing to catch here.
    delete static_cast<instance *>(opaque);
}

const fc_transport_v1 transport_table = {
    sizeof(fc_transport_v1),
    &fc_create,
    &fc_max_in_flight,
    &fc_submit,
    &fc_destroy,
};

const fc_plugin_v1 descriptor = {
    sizeof(fc_plugin_v1),
    FETCHCTL_ABI_MAJOR,
    FETCHCTL_ABI_MINOR,
    FC_KIND_TRANSPORT,
    "curl_threads",
    "0.1.0",
    "HTTP(S) through libcurl: a pool of worker threads, one reused handle each",
    &transport_table,
    nullptr,
};

} // namespace

} // namespace fetchctl::curl_threads

extern "C" FETCHCTL_PLUGIN_EXPORT const fc_plugin_v1 *fc_plugin_entry(void) {
    return &fetchctl::curl_threads::descriptor;
}
