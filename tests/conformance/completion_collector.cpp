// completion_collector: copies and checks a transport's answers (see the
// header).
#include "completion_collector.hpp"

#include <algorithm>
#include <cctype>

namespace fetchctl::conformance {

namespace {

thread_local bool inside_submit = false;

bool same_name(const std::string &a, const std::string &b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

} // namespace

std::vector<std::string> owned_response::header_values(const std::string &name) const {
    std::vector<std::string> values;
    for (const auto &[key, value] : headers) {
        if (same_name(key, name)) {
            values.push_back(value);
        }
    }
    return values;
}

std::optional<std::string> owned_response::header(const std::string &name) const {
    auto values = header_values(name);
    if (values.empty()) {
        return std::nullopt;
    }
    return values.front();
}

std::string transport_error_name(int32_t code) {
    switch (code) {
    case FC_TRANSPORT_OK: return "OK";
    case FC_TRANSPORT_CONNECT: return "CONNECT";
    case FC_TRANSPORT_TIMEOUT: return "TIMEOUT";
    case FC_TRANSPORT_IO: return "IO";
    case FC_TRANSPORT_PROTOCOL: return "PROTOCOL";
    case FC_TRANSPORT_TOO_LARGE: return "TOO_LARGE";
    case FC_TRANSPORT_RESOLVE: return "RESOLVE";
    case FC_TRANSPORT_TLS: return "TLS";
    case FC_TRANSPORT_OTHER: return "OTHER";
    default: return "unknown(" + std::to_string(code) + ")";
    }
}

void completion_collector::on_complete(void *ctx, const fc_response_v1 *response) {
    // A C callback: a test failure here must not unwind into the plugin.
    try {
        static_cast<completion_collector *>(ctx)->record(response);
    } catch (...) {
    }
}

void completion_collector::set_inside_submit(bool inside) noexcept {
    inside_submit = inside;
}

void completion_collector::expect(uint64_t request_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    expected_.insert(request_id);
}

void completion_collector::refused(uint64_t request_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    expected_.erase(request_id);
}

void completion_collector::record(const fc_response_v1 *response) {
    if (response == nullptr) {
        violation("completion with a null response");
        return;
    }
    if (response->struct_size < sizeof(fc_response_v1)) {
        violation("response struct_size " + std::to_string(response->struct_size) +
                  " is smaller than fc_response_v1");
        return;
    }

    owned_response copy;
    copy.request_id = response->request_id;
    copy.transport_error = response->transport_error;
    copy.status = response->status;
    copy.received_at = std::chrono::steady_clock::now();
    if (response->error_message != nullptr) {
        copy.error_message = std::string(response->error_message);
    }

    const std::string who = "request " + std::to_string(copy.request_id) + ": ";
    if (inside_submit) {
        violation(who + "answered from inside submit()");
    }
    if (response->header_count > 0 && response->headers == nullptr) {
        violation(who + "header_count > 0 with null headers");
    } else {
        for (size_t i = 0; i < response->header_count; ++i) {
            const fc_header_v1 &h = response->headers[i];
            if (h.name == nullptr || h.value == nullptr) {
                violation(who + "header " + std::to_string(i) + " has a null name or value");
                continue;
            }
            copy.headers.emplace_back(h.name, h.value);
        }
    }
    if (response->body_size > 0 && response->body == nullptr) {
        violation(who + "body_size > 0 with a null body");
    } else if (response->body_size > 0) {
        copy.body.assign(response->body, response->body_size);
    }

    if (copy.transport_error != FC_TRANSPORT_OK) {
        // The ABI: on a transport error, status is 0 and nothing else is set.
        if (copy.status != 0 || response->header_count != 0 || response->body_size != 0) {
            violation(who + "transport error " + transport_error_name(copy.transport_error) +
                      " with status, headers or body set");
        }
    } else if (copy.status < 100 || copy.status > 999) {
        violation(who + "OK answer with status " + std::to_string(copy.status));
    }

    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_) {
            violations_.push_back(who + "answered after destroy() returned");
        } else if (expected_.count(copy.request_id) == 0) {
            violations_.push_back(who + "answer for a request that was never accepted");
        } else if (answers_.count(copy.request_id) != 0) {
            violations_.push_back(who + "answered twice");
        } else {
            answers_.emplace(copy.request_id, std::move(copy));
        }
    }
    arrived_.notify_all();
}

void completion_collector::violation(std::string what) {
    std::lock_guard<std::mutex> lock(mutex_);
    violations_.push_back(std::move(what));
}

bool completion_collector::wait_for_count(size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return answers_.size() >= count; });
}

std::optional<owned_response> completion_collector::wait_for(uint64_t request_id,
                                                            std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    const bool arrived = arrived_.wait_for(lock, timeout,
                                           [&] { return answers_.count(request_id) != 0; });
    if (!arrived) {
        return std::nullopt;
    }
    return answers_.at(request_id);
}

std::map<uint64_t, owned_response> completion_collector::answers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return answers_;
}

size_t completion_collector::answer_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return answers_.size();
}

void completion_collector::close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
}

std::vector<std::string> completion_collector::violations() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return violations_;
}

} // namespace fetchctl::conformance
