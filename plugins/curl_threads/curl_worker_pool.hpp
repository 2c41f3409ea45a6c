// curl_worker_pool: the threads of one curl_threads instance and the queue
// that feeds them.
//
// submit() copies nothing itself; it moves an already-copied request into a
// queue guarded by one mutex and wakes a worker. Each worker owns one
// easy_transfer (one easy handle, one connection cache) for its lifetime,
// pops a request, performs it and calls the host's completion function
// from its own thread. stop() raises a flag, wakes every worker out of the
// queue wait or out of libcurl's socket wait, and joins them; requests then
// in the queue or on the wire are dropped without an answer, as
// fc_transport_v1.destroy requires.
//
// Ownership: owns the threads, the transfers and the queued requests.
// Borrows the completion function and context, and the host logger, which
// the host keeps valid until destroy() returns.
//
// Threading: submit() from the host's one submitting thread; capacity()
// from any thread; stop() from one thread (destroy()), never from a worker.
#pragma once

#include "curl_settings.hpp"
#include "easy_transfer.hpp"
#include "host_logger.hpp"
#include "pending_request.hpp"

#include <fetchctl/plugin.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace fetchctl::curl_threads {

class curl_worker_pool {
public:
    /// Creates one transfer per configured thread, then starts the threads.
    /// Throws (std::runtime_error, std::system_error, bad_alloc) if any of
    /// that fails, after stopping whatever had already started.
    curl_worker_pool(curl_settings settings, host_logger logger, fc_completion_fn on_complete,
                     void *completion_ctx);

    /// Same as stop().
    ~curl_worker_pool();

    curl_worker_pool(const curl_worker_pool &) = delete;
    curl_worker_pool &operator=(const curl_worker_pool &) = delete;

    /// Queues `request` for the next free worker. Returns false, and no
    /// answer will follow, when the pool is stopping or already holds
    /// capacity() unanswered requests (the host broke its promise; the
    /// refusal keeps memory bounded). Never blocks on I/O.
    bool submit(pending_request request);

    /// Requests served at once: the number of worker threads.
    uint32_t capacity() const noexcept { return static_cast<uint32_t>(transfers_.size()); }

    /// Stops and joins every worker; returns once no completion can be in
    /// progress or follow. Idempotent. A transfer on the wire is cut off at
    /// its next libcurl wake-up, which wake() makes immediate.
    void stop() noexcept;

private:
    void run_worker(easy_transfer &transfer) noexcept;
    bool next_request(pending_request &request);
    void answer(easy_transfer &transfer) noexcept;

    const curl_settings settings_;
    const host_logger logger_;
    const fc_completion_fn on_complete_;
    void *const completion_ctx_;

    std::mutex mutex_;
    std::condition_variable work_ready_;
    std::deque<pending_request> queue_; // guarded by mutex_
    size_t unanswered_ = 0;             // queued + running; guarded by mutex_
    bool stopping_ = false;             // guarded by mutex_
    // Mirrors stopping_ for transfers, which poll it without the mutex.
    std::atomic<bool> stop_flag_{false};

    std::vector<std::unique_ptr<easy_transfer>> transfers_;
    std::vector<std::thread> threads_;
};

} // namespace fetchctl::curl_threads
