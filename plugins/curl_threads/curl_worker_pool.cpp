// curl_worker_pool: queue, workers and shutdown (see the header).
#include "curl_worker_pool.hpp"

#include <exception>
#include <string>
#include <utility>

namespace fetchctl::curl_threads {

curl_worker_pool::curl_worker_pool(curl_settings settings, host_logger logger,
                                   fc_completion_fn on_complete, void *completion_ctx)
    : settings_(std::move(settings)),
      logger_(logger),
      on_complete_(on_complete),
      completion_ctx_(completion_ctx) {
    // Every handle exists before any thread runs, so a libcurl failure here
    // needs no shutdown at all.
    transfers_.reserve(settings_.threads);
    for (uint32_t i = 0; i < settings_.threads; ++i) {
        transfers_.push_back(std::make_unique<easy_transfer>(settings_));
    }

    threads_.reserve(transfers_.size());
    try {
        for (auto &transfer : transfers_) {
            threads_.emplace_back([this, &transfer] { run_worker(*transfer); });
        }
    } catch (...) {
        stop();
        throw;
    }
}

curl_worker_pool::~curl_worker_pool() {
    stop();
}

bool curl_worker_pool::submit(pending_request request) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_ || unanswered_ >= transfers_.size()) {
            return false;
        }
        queue_.push_back(std::move(request));
        ++unanswered_;
    }
    work_ready_.notify_one();
    return true;
}

void curl_worker_pool::stop() noexcept {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    // Flag first, then wake: a worker that checks the flag just before the
    // wake-up still finds its next libcurl wait cut short.
    stop_flag_.store(true, std::memory_order_release);
    work_ready_.notify_all();
    for (auto &transfer : transfers_) {
        transfer->wake();
    }

    for (auto &thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }

    // Whatever is still queued is abandoned, as destroy() promises.
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.clear();
}

void curl_worker_pool::run_worker(easy_transfer &transfer) noexcept {
    pending_request request;
    while (next_request(request)) {
        if (transfer.perform(request, stop_flag_) == easy_transfer::outcome::abandoned) {
            return;
        }
        answer(transfer);
    }
}

bool curl_worker_pool::next_request(pending_request &request) {
    std::unique_lock<std::mutex> lock(mutex_);
    work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
        return false;
    }
    request = std::move(queue_.front());
    queue_.pop_front();
    return true;
}

void curl_worker_pool::answer(easy_transfer &transfer) noexcept {
    const fc_response_v1 &response = transfer.response();

    // Count the request as answered before the host hears of it: the host
    // may submit the next one from inside its completion handling, and it
    // must find the slot free.
    {
        std::lock_guard<std::mutex> lock(mutex_);
        --unanswered_;
        if (stopping_) {
            // destroy() is under way: it promised no more answers.
            return;
        }
    }

    if (response.transport_error != FC_TRANSPORT_OK) {
        try {
            logger_.debug("request " + std::to_string(response.request_id) +
                          " failed: transport error " +
                          std::to_string(response.transport_error) + ", '" +
                          (response.error_message ? response.error_message : "") + "'");
        } catch (...) {
            // A lost debug line is not worth losing the answer over.
        }
    }

    on_complete_(completion_ctx_, &response);
    transfer.trim();
}

} // namespace fetchctl::curl_threads
