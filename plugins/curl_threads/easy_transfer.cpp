// easy_transfer: one reused easy handle and response assembly (see header).
#include "easy_transfer.hpp"

#include "curl_error_map.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

// CURLOPT_PROTOCOLS_STR arrived in 7.85.0 (curl_multi_poll in 7.66.0 and
// curl_multi_wakeup in 7.68.0): an older libcurl would fail every request
// at run time, so refuse to build against one.
#if LIBCURL_VERSION_NUM < 0x075500
#error "curl_threads needs libcurl 7.85.0 or newer"
#endif

namespace fetchctl::curl_threads {

namespace {

// A worker keeps a body buffer up to this size between requests; a larger
// one is released, so memory follows the bodies in flight, not the record.
constexpr size_t kept_body_capacity = 1024 * 1024;

// Headers are small; a server that sends more than this is broken or
// hostile, and we stop reading rather than grow without bound.
constexpr size_t max_header_bytes = 256 * 1024;

// Upper bound for one wait inside the transfer loop. wake() cuts it short,
// and libcurl shortens it to its own timers, so this only caps how long a
// lost wake-up could delay a stop.
constexpr int poll_cap_ms = 1000;

std::string_view trim_ows(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

// Milliseconds left of the request's total budget, which started at
// submit(): 0 when the request has no total timeout, -1 when it is spent.
long remaining_total_ms(const pending_request &request) {
    if (request.total_timeout_ms == 0) {
        return 0;
    }
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
                           steady_clock::now() - request.submitted_at)
                           .count();
    const long left = static_cast<long>(request.total_timeout_ms) - static_cast<long>(spent);
    return left > 0 ? left : -1;
}

// setopt wrapper that turns a refusal into an exception naming the option,
// so configure() reads as a list instead of twenty checked calls.
template <typename T>
void set(CURL *easy, CURLoption option, T value, const char *name) {
    const CURLcode rc = curl_easy_setopt(easy, option, value);
    if (rc != CURLE_OK) {
        throw std::runtime_error(std::string("curl_easy_setopt(") + name +
                                 ") failed: " + curl_easy_strerror(rc));
    }
}

} // namespace

easy_transfer::easy_transfer(const curl_settings &settings) : settings_(settings) {
    easy_ = curl_easy_init();
    multi_ = curl_multi_init();
    if (easy_ == nullptr || multi_ == nullptr) {
        if (easy_ != nullptr) {
            curl_easy_cleanup(easy_);
        }
        if (multi_ != nullptr) {
            curl_multi_cleanup(multi_);
        }
        throw std::runtime_error("libcurl could not create a handle");
    }
}

easy_transfer::~easy_transfer() {
    // perform() always detaches the easy handle before returning, so the
    // two can be cleaned up in any order.
    curl_easy_cleanup(easy_);
    curl_multi_cleanup(multi_);
    curl_slist_free_all(request_headers_);
}

easy_transfer::outcome easy_transfer::perform(const pending_request &request,
                                              const std::atomic<bool> &stop) noexcept {
    begin(request);

    try {
        const long timeout_ms = remaining_total_ms(request);
        if (timeout_ms < 0) {
            // The budget ran out while the request waited for a worker.
            // Nothing was sent, so it is a connect-class failure: always
            // safe to retry.
            fail(FC_TRANSPORT_CONNECT, "total timeout of " +
                                           std::to_string(request.total_timeout_ms) +
                                           " ms ran out before a connection was made");
            return outcome::answered;
        }

        configure(request, timeout_ms);
        CURLcode result = CURLE_OK;
        std::string failure;
        if (drive(stop, result, failure) == outcome::abandoned) {
            return outcome::abandoned;
        }
        if (!failure.empty()) {
            fail(FC_TRANSPORT_OTHER, failure);
            return outcome::answered;
        }
        finish(result);
    } catch (const std::exception &e) {
        fail(FC_TRANSPORT_OTHER, e.what());
    } catch (...) {
        fail(FC_TRANSPORT_OTHER, "unknown internal error");
    }
    return outcome::answered;
}

void easy_transfer::trim() noexcept {
    if (body_.capacity() > kept_body_capacity) {
        std::string().swap(body_);
    } else {
        body_.clear();
    }
    header_names_.clear();
    header_values_.clear();
    header_views_.clear();
}

void easy_transfer::wake() noexcept {
    curl_multi_wakeup(multi_);
}

void easy_transfer::begin(const pending_request &request) noexcept {
    trim();
    max_body_bytes_ = request.max_body_bytes;
    abort_ = abort_reason::none;
    collecting_headers_ = false;
    header_bytes_ = 0;
    error_message_.clear();
    error_buffer_[0] = '\0';

    response_ = fc_response_v1{};
    response_.struct_size = sizeof(fc_response_v1);
    response_.request_id = request.request_id;
}

void easy_transfer::configure(const pending_request &request, long timeout_ms) {
    // Reset first: the previous request's options must not leak into this
    // one. Live connections and the DNS cache are kept, which is the point
    // of reusing the handle.
    curl_easy_reset(easy_);
    curl_slist_free_all(request_headers_);
    request_headers_ = nullptr;
    for (const std::string &line : request.header_lines) {
        curl_slist *grown = curl_slist_append(request_headers_, line.c_str());
        if (grown == nullptr) {
            throw std::runtime_error("out of memory building request headers");
        }
        request_headers_ = grown;
    }

    set(easy_, CURLOPT_URL, request.url.c_str(), "URL");
    set(easy_, CURLOPT_PROTOCOLS_STR, "http,https", "PROTOCOLS_STR");
    set(easy_, CURLOPT_HTTPHEADER, request_headers_, "HTTPHEADER");
    if (request.method == "GET") {
        set(easy_, CURLOPT_HTTPGET, 1L, "HTTPGET");
    } else if (request.method == "HEAD") {
        set(easy_, CURLOPT_NOBODY, 1L, "NOBODY");
    } else {
        set(easy_, CURLOPT_CUSTOMREQUEST, request.method.c_str(), "CUSTOMREQUEST");
    }

    // Redirects are answers for the core to judge, like any other status.
    set(easy_, CURLOPT_FOLLOWLOCATION, 0L, "FOLLOWLOCATION");
    // Signals are process-wide; a plugin must not install handlers, and
    // threads cannot take SIGALRM-based resolver timeouts anyway.
    set(easy_, CURLOPT_NOSIGNAL, 1L, "NOSIGNAL");
    set(easy_, CURLOPT_ERRORBUFFER, error_buffer_, "ERRORBUFFER");

    set(easy_, CURLOPT_TIMEOUT_MS, timeout_ms, "TIMEOUT_MS");
    if (request.connect_timeout_ms > 0) {
        set(easy_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_ms),
            "CONNECTTIMEOUT_MS");
    }

    set(easy_, CURLOPT_WRITEFUNCTION, &easy_transfer::on_body, "WRITEFUNCTION");
    set(easy_, CURLOPT_WRITEDATA, static_cast<void *>(this), "WRITEDATA");
    set(easy_, CURLOPT_HEADERFUNCTION, &easy_transfer::on_header, "HEADERFUNCTION");
    set(easy_, CURLOPT_HEADERDATA, static_cast<void *>(this), "HEADERDATA");

    if (settings_.accept_encoding) {
        // "" offers every encoding this libcurl can decode, and the body
        // handed to the host is the decoded one.
        set(easy_, CURLOPT_ACCEPT_ENCODING, "", "ACCEPT_ENCODING");
    }

    // An empty proxy string turns off http_proxy/https_proxy/ALL_PROXY from
    // the environment. Where requests go, and which timeouts and errors
    // they see, must follow from the job's config, not from whatever shell
    // started the run; a stray variable would otherwise route every id
    // through a proxy nobody chose.
    set(easy_, CURLOPT_PROXY, settings_.proxy ? settings_.proxy->c_str() : "", "PROXY");
    // A CONNECT tunnel's own answer is not the response the host asked for.
    set(easy_, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L, "SUPPRESS_CONNECT_HEADERS");

    set(easy_, CURLOPT_SSL_VERIFYPEER, settings_.verify_tls ? 1L : 0L, "SSL_VERIFYPEER");
    set(easy_, CURLOPT_SSL_VERIFYHOST, settings_.verify_tls ? 2L : 0L, "SSL_VERIFYHOST");
    if (settings_.ca_bundle) {
        set(easy_, CURLOPT_CAINFO, settings_.ca_bundle->c_str(), "CAINFO");
    }
}

easy_transfer::outcome easy_transfer::drive(const std::atomic<bool> &stop, CURLcode &result,
                                            std::string &failure) {
    CURLMcode mc = curl_multi_add_handle(multi_, easy_);
    if (mc != CURLM_OK) {
        failure = std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc);
        return outcome::answered;
    }

    int running = 1;
    bool stopped = false;
    while (mc == CURLM_OK) {
        mc = curl_multi_perform(multi_, &running);
        if (mc != CURLM_OK || running == 0) {
            break;
        }
        if (stop.load(std::memory_order_acquire)) {
            stopped = true;
            break;
        }
        mc = curl_multi_poll(multi_, nullptr, 0, poll_cap_ms, nullptr);
    }

    // Collect the verdict before detaching: removing the handle discards
    // its pending message.
    bool done = false;
    int left = 0;
    while (const CURLMsg *msg = curl_multi_info_read(multi_, &left)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy_) {
            result = msg->data.result;
            done = true;
        }
    }
    // Detaching mid-transfer closes that connection; a finished transfer's
    // connection goes back to the multi handle's cache for the next request.
    curl_multi_remove_handle(multi_, easy_);

    if (stopped) {
        return outcome::abandoned;
    }
    if (mc != CURLM_OK) {
        failure = std::string("curl multi interface: ") + curl_multi_strerror(mc);
    } else if (!done) {
        failure = "libcurl finished without reporting a result";
    }
    return outcome::answered;
}

void easy_transfer::finish(CURLcode result) {
    if (abort_ == abort_reason::headers_too_large) {
        fail(FC_TRANSPORT_PROTOCOL, "response headers exceed " +
                                        std::to_string(max_header_bytes) + " bytes");
        return;
    }
    if (abort_ == abort_reason::internal_error) {
        fail(FC_TRANSPORT_OTHER, "internal error while receiving: " + error_message_);
        return;
    }

    long request_size = 0;
    curl_easy_getinfo(easy_, CURLINFO_REQUEST_SIZE, &request_size);
    transfer_facts facts;
    facts.request_sent = request_size > 0;
    facts.body_too_large = abort_ == abort_reason::body_too_large;

    const int32_t transport_error = map_curl_error(result, facts);
    if (transport_error == FC_TRANSPORT_TOO_LARGE) {
        fail(transport_error, "body exceeds max_body_bytes (" +
                                  std::to_string(max_body_bytes_) + ")");
        return;
    }
    if (transport_error != FC_TRANSPORT_OK) {
        // The error buffer names the detail (host, port, byte counts); the
        // generic text is the fallback when libcurl left it empty.
        fail(transport_error, error_buffer_[0] != '\0' ? std::string(error_buffer_)
                                                       : curl_easy_strerror(result));
        return;
    }

    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    response_.status = static_cast<int32_t>(status);

    // Views are built only now: the strings no longer move, so the
    // pointers stay valid until trim().
    header_views_.reserve(header_names_.size());
    for (size_t i = 0; i < header_names_.size(); ++i) {
        header_views_.push_back(fc_header_v1{header_names_[i].c_str(), header_values_[i].c_str()});
    }
    response_.headers = header_views_.empty() ? nullptr : header_views_.data();
    response_.header_count = header_views_.size();
    response_.body = body_.data();
    response_.body_size = body_.size();
}

void easy_transfer::fail(int32_t transport_error, std::string_view message) noexcept {
    response_.transport_error = transport_error;
    response_.status = 0;
    response_.headers = nullptr;
    response_.header_count = 0;
    response_.body = nullptr;
    response_.body_size = 0;

    // Copying may allocate; if even that fails, a static text will do.
    try {
        error_message_.assign(message.data(), message.size());
        response_.error_message = error_message_.c_str();
    } catch (...) {
        response_.error_message = "transport failure (message lost: out of memory)";
    }
}

void easy_transfer::note_internal_error(const char *what) noexcept {
    abort_ = abort_reason::internal_error;
    try {
        error_message_ = what;
    } catch (...) {
        // Out of memory while reporting out of memory: the generic text in
        // finish() still says what kind of failure it was.
    }
}

size_t easy_transfer::on_body(char *data, size_t size, size_t count, void *self) noexcept {
    auto &transfer = *static_cast<easy_transfer *>(self);
    const size_t bytes = size * count;

    // Checked before appending, so the buffer never holds more than the
    // limit; returning a short count makes libcurl end with WRITE_ERROR.
    const size_t held = transfer.body_.size();
    if (bytes > transfer.max_body_bytes_ || held > transfer.max_body_bytes_ - bytes) {
        transfer.abort_ = abort_reason::body_too_large;
        return 0;
    }

    try {
        transfer.body_.append(data, bytes);
    } catch (const std::exception &e) {
        transfer.note_internal_error(e.what());
        return 0;
    }
    return bytes;
}

size_t easy_transfer::on_header(char *data, size_t size, size_t count, void *self) noexcept {
    auto &transfer = *static_cast<easy_transfer *>(self);
    const size_t bytes = size * count;

    transfer.header_bytes_ += bytes;
    if (transfer.header_bytes_ > max_header_bytes) {
        transfer.abort_ = abort_reason::headers_too_large;
        return 0;
    }

    try {
        transfer.add_header_line(std::string_view(data, bytes));
    } catch (const std::exception &e) {
        transfer.note_internal_error(e.what());
        return 0;
    }
    return bytes;
}

void easy_transfer::add_header_line(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.remove_suffix(1);
    }

    // A status line starts a new response (after a 1xx, say): only the
    // last response's headers are reported.
    if (line.substr(0, 5) == "HTTP/") {
        header_names_.clear();
        header_values_.clear();
        collecting_headers_ = true;
        return;
    }
    // The blank line ends the header block. Anything after it is a chunked
    // trailer, which is not part of the response headers we report.
    if (line.empty()) {
        collecting_headers_ = false;
        return;
    }
    if (!collecting_headers_) {
        return;
    }

    // Obsolete line folding: a continuation belongs to the previous value.
    if ((line.front() == ' ' || line.front() == '\t') && !header_values_.empty()) {
        header_values_.back() += ' ';
        header_values_.back() += trim_ows(line);
        return;
    }

    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return;
    }
    header_names_.emplace_back(trim_ows(line.substr(0, colon)));
    header_values_.emplace_back(trim_ows(line.substr(colon + 1)));
}

} // namespace fetchctl::curl_threads
