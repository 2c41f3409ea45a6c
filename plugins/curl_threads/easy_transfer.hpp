// easy_transfer: one libcurl easy handle, reused for request after request,
// and the fc_response_v1 assembled from each transfer.
//
// Steps of one perform(): reset the handle's options (its connections and
// DNS cache survive the reset), apply the plugin settings and the request,
// drive the transfer through a private multi handle so that another thread
// can interrupt the wait, then map the outcome and point the response at
// the collected status, headers and body.
//
// Ownership: owns its easy and multi handles (and so the connection cache
// that makes keep-alive work), the header and body buffers, and the header
// list sent with the request. The response returned by response() points
// into those buffers.
//
// Threading: perform(), response() and trim() belong to one worker thread.
// wake() may be called from any thread at any time while the object lives.
#pragma once

#include "curl_settings.hpp"
#include "pending_request.hpp"

#include <fetchctl/plugin.h>

#include <curl/curl.h>

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

namespace fetchctl::curl_threads {

class easy_transfer {
public:
    enum class outcome {
        answered,  ///< response() holds the answer for the request
        abandoned, ///< the stop flag was seen; there is no answer to give
    };

    /// Creates the handles. `settings` must outlive the object. Throws
    /// std::runtime_error when libcurl cannot create a handle.
    explicit easy_transfer(const curl_settings &settings);
    ~easy_transfer();

    easy_transfer(const easy_transfer &) = delete;
    easy_transfer &operator=(const easy_transfer &) = delete;

    /// Runs `request` to completion on the calling thread and assembles the
    /// answer. Returns abandoned, promptly, once `stop` is true and wake()
    /// has been called; the transfer is then cut off and its connection
    /// closed. Never throws: a failure of our own becomes an answer with
    /// FC_TRANSPORT_OTHER.
    outcome perform(const pending_request &request, const std::atomic<bool> &stop) noexcept;

    /// The answer of the last perform() that returned answered; valid until
    /// the next perform() or trim().
    const fc_response_v1 &response() const noexcept { return response_; }

    /// Drops the last answer and gives back an unusually large body buffer,
    /// so an idle worker does not sit on the biggest body it ever saw.
    void trim() noexcept;

    /// Interrupts a wait inside perform() so it rechecks the stop flag.
    /// Safe from any thread; a wake with no perform() running makes the
    /// next wait return at once, so a stop cannot slip between the check
    /// and the wait.
    void wake() noexcept;

private:
    enum class abort_reason { none, body_too_large, headers_too_large, internal_error };

    void begin(const pending_request &request) noexcept;
    void configure(const pending_request &request, long timeout_ms);
    outcome drive(const std::atomic<bool> &stop, CURLcode &result, std::string &failure);
    void finish(CURLcode result);
    void fail(int32_t transport_error, std::string_view message) noexcept;
    void note_internal_error(const char *what) noexcept;

    static size_t on_body(char *data, size_t size, size_t count, void *self) noexcept;
    static size_t on_header(char *data, size_t size, size_t count, void *self) noexcept;
    void add_header_line(std::string_view line);

    const curl_settings &settings_;
    CURL *easy_ = nullptr;
    CURLM *multi_ = nullptr;
    curl_slist *request_headers_ = nullptr;
    char error_buffer_[CURL_ERROR_SIZE] = {};

    // Per-transfer state, reset by begin().
    uint64_t max_body_bytes_ = 0;
    abort_reason abort_ = abort_reason::none;
    bool collecting_headers_ = false;
    size_t header_bytes_ = 0;
    std::string body_;
    std::vector<std::string> header_names_;
    std::vector<std::string> header_values_;
    std::vector<fc_header_v1> header_views_;
    std::string error_message_;
    fc_response_v1 response_{};
};

} // namespace fetchctl::curl_threads
