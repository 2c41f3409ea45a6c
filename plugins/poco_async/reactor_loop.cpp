// reactor_loop: see reactor_loop.hpp for the design and the contract.
#include "reactor_loop.hpp"

#include "body_decoder.hpp"

#include <fetchctl/plugin.h>

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <exception>

namespace fetchctl::poco_async {

namespace {

using Poco::Net::PollSet;
using std::chrono::milliseconds;

/// The longest a poll waits with nothing due: a safety net only, since the
/// waker and the deadlines end every wait that matters.
constexpr milliseconds max_poll_wait{5000};

std::string ms_text(uint32_t ms) { return std::to_string(ms) + " ms"; }

} // namespace

reactor_loop::reactor_loop(const loop_config &config, complete_fn on_complete, log_fn log,
                           resolver::lookup_fn lookup)
    : config_(config),
      on_complete_(std::move(on_complete)),
      log_(std::move(log)),
      pool_(config.max_in_flight, milliseconds(config.pool_idle_timeout_ms)),
      dns_cache_(config.dns_cache_ms),
      read_buffer_(64 * 1024),
      resolver_(
          [this](resolve_result result) {
              {
                  std::lock_guard<std::mutex> lock(queue_mutex_);
                  resolved_.push_back(std::move(result));
              }
              waker_.wake();
          },
          std::move(lookup)),
      thread_("fc-poco-async") {}

reactor_loop::~reactor_loop() { stop(); }

void reactor_loop::start() {
    poll_set_.add(waker_.socket(), PollSet::POLL_READ);
    resolver_.start();
    try {
        thread_.start(*this);
    } catch (...) {
        resolver_.stop();
        throw;
    }
    started_ = true;
}

void reactor_loop::stop() noexcept {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    stopping_.store(true, std::memory_order_release);
    waker_.wake();
    if (started_) {
        started_ = false;
        try {
            thread_.join();
        } catch (...) {
            // join() only throws when the thread was never started.
        }
    } else {
        shutdown_all(); // no reactor thread to do it; nothing runs now
    }
    resolver_.stop();
}

bool reactor_loop::submit(const request_spec &spec, std::string &why) {
    if (stopping_.load(std::memory_order_acquire)) {
        why = "the transport is shutting down";
        return false;
    }
    if (in_flight_.load(std::memory_order_acquire) >= config_.max_in_flight) {
        why = "more than max_in_flight (" + std::to_string(config_.max_in_flight) +
              ") requests submitted and unanswered";
        return false;
    }

    auto req = std::make_unique<request_state>();
    req->key = next_key_++;
    req->request_id = spec.request_id;
    req->connect_timeout_ms = spec.connect_timeout_ms;
    req->total_timeout_ms = spec.total_timeout_ms;
    req->max_body_bytes = spec.max_body_bytes;
    req->submitted = steady_clock::now();

    // Parse and build here, on the caller's thread: it is pure CPU work, and
    // a request that cannot be sent fails without costing the reactor.
    target_result parsed = targets_.parse(spec.url);
    if (parsed.error != target_error::none) {
        req->early_error = FC_TRANSPORT_OTHER;
        req->early_message = std::move(parsed.message);
    } else {
        req->target = std::move(parsed.target);
        std::string problem;
        if (!build_request(spec.method, req->target, spec.headers, config_.accept_encoding,
                           req->request, problem)) {
            req->early_error = FC_TRANSPORT_OTHER;
            req->early_message = std::move(problem);
        }
    }

    // Count it before the reactor can see it, so the reactor's decrement
    // can never run first.
    in_flight_.fetch_add(1, std::memory_order_acq_rel);
    try {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        submitted_.push_back(std::move(req));
    } catch (...) {
        in_flight_.fetch_sub(1, std::memory_order_acq_rel);
        throw;
    }
    waker_.wake();
    return true;
}

void reactor_loop::run() {
    while (!stopping_.load(std::memory_order_acquire)) {
        // Nothing may escape this thread. A failure here is outside any one
        // request (each dispatch catches its own), so log it and go on; the
        // short sleep keeps a persistent fault from spinning a core.
        try {
            iterate();
        } catch (const std::exception &e) {
            log_throttled(FC_LOG_WARN,
                          std::string("reactor loop error, continuing: ") + e.what());
            Poco::Thread::sleep(10);
        } catch (...) {
            log_throttled(FC_LOG_WARN, "reactor loop error (unknown exception), continuing");
            Poco::Thread::sleep(10);
        }
    }
    shutdown_all();
}

void reactor_loop::iterate() {
    time_point now = steady_clock::now();
    time_point wake_at = now + max_poll_wait;
    if (!deadlines_.empty()) {
        wake_at = std::min(wake_at, deadlines_.earliest());
    }
    if (const auto expiry = pool_.next_expiry()) {
        wake_at = std::min(wake_at, *expiry);
    }

    // PollSet waits in whole milliseconds and truncates; round up, or the
    // loop would wake just before a deadline and spin until it passes.
    auto wait = std::max(wake_at - now, steady_clock::duration::zero());

    // Wakes are rearmed here, just before the poll, not when the queues are
    // taken: a host submitting a burst while this thread works then writes
    // no wake-up byte, and the burst is picked up below without sleeping.
    // Work queued before the rearm is seen by this check; work queued after
    // it comes with a byte that ends the poll.
    // stop() is work too: its wake may have found the flag already set.
    waker_.rearm();
    if (has_posted() || stopping_.load(std::memory_order_acquire)) {
        wait = steady_clock::duration::zero();
    }
    const auto wait_us = std::chrono::duration_cast<std::chrono::microseconds>(wait).count();
    const Poco::Timespan timeout(((wait_us + 999) / 1000) * 1000);
    const PollSet::SocketModeMap ready = poll_set_.poll(timeout);

    now = steady_clock::now();
    for (const auto &[socket, mode] : ready) {
        if (socket == waker_.socket()) {
            waker_.drain();
            continue;
        }
        // A socket retired earlier in this pass is gone from the map. Its
        // SocketImpl is still alive (`ready` holds a reference), so no new
        // socket can have taken its address meanwhile.
        const auto it = by_socket_.find(socket.impl());
        if (it != by_socket_.end()) {
            dispatch(it->second, mode, now);
        }
    }

    take_posted(now);
    expire_deadlines(now);
    expire_pool(now);
    deliver_finished();
}

void reactor_loop::dispatch(connection *conn, int mode, time_point now) {
    if (conn->owner == 0) {
        // An idle pooled connection became readable: the server closed it,
        // reset it, or sent bytes nobody asked for. None of these leave it
        // usable.
        retire(pool_.remove(conn));
        return;
    }

    const uint64_t key = conn->owner;
    const auto it = requests_.find(key);
    if (it == requests_.end()) {
        return;
    }
    try {
        request_state &req = *it->second;
        handle_outcome(req, req.conn->on_ready(mode, now, read_buffer_), now);
    } catch (const std::exception &e) {
        fail_if_alive(key, std::string("internal error in the poco_async reactor: ") + e.what());
    } catch (...) {
        fail_if_alive(key, "internal error in the poco_async reactor");
    }
}

void reactor_loop::fail_if_alive(uint64_t key, const std::string &message) noexcept {
    // The request may have been completed (and freed) before the throw.
    try {
        const auto alive = requests_.find(key);
        if (alive != requests_.end()) {
            complete_error(*alive->second, FC_TRANSPORT_OTHER, message);
        }
    } catch (...) {
        // Out of memory while failing it: it still ends at its deadline.
    }
}

bool reactor_loop::has_posted() {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    return !submitted_.empty() || !resolved_.empty();
}

void reactor_loop::take_posted(time_point now) {
    std::deque<std::unique_ptr<request_state>> submitted;
    std::deque<resolve_result> resolved;
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        submitted.swap(submitted_);
        resolved.swap(resolved_);
    }

    for (const auto &result : resolved) {
        on_resolved(result, now);
    }
    for (auto &req : submitted) {
        start_request(std::move(req), now);
    }
}

void reactor_loop::start_request(std::unique_ptr<request_state> owned, time_point now) {
    const uint64_t key = owned->key;
    request_state &req = *owned;
    requests_.emplace(key, std::move(owned));

    try {
        if (req.early_error != FC_TRANSPORT_OK) {
            complete_error(req, req.early_error, req.early_message);
            return;
        }
        if (req.connect_timeout_ms > 0) {
            req.connect_deadline = now + milliseconds(req.connect_timeout_ms);
        }
        acquire_connection(req, now, true);
    } catch (const std::exception &e) {
        fail_if_alive(key, std::string("cannot start the request: ") + e.what());
    } catch (...) {
        fail_if_alive(key, "cannot start the request");
    }
}

void reactor_loop::acquire_connection(request_state &req, time_point now, bool allow_pool) {
    const response_parser::limits limits = wire_limits(req);

    if (allow_pool) {
        if (auto conn = pool_.take(req.target.pool_key)) {
            conn->owner = req.key;
            req.conn = std::move(conn);
            req.where = request_state::phase::exchanging;
            // Copy the head: it is needed again if this connection turns
            // out to be stale and the request moves to a fresh one.
            connection::outcome out = req.conn->begin_exchange(
                req.request.bytes, limits, req.request.head_method, now);
            arm(req);
            handle_outcome(req, std::move(out), now);
            return;
        }
    }

    if (req.addresses.empty()) {
        Poco::Net::IPAddress numeric;
        const std::vector<Poco::Net::IPAddress> *cached = nullptr;
        if (Poco::Net::IPAddress::tryParse(req.target.host, numeric)) {
            req.addresses.push_back(numeric);
        } else if ((cached = dns_cache_.find(req.target.host, now)) != nullptr) {
            req.addresses = *cached;
        } else {
            req.where = request_state::phase::resolving;
            arm(req);
            auto &waiters = waiting_for_dns_[req.target.host];
            waiters.push_back(req.key);
            if (waiters.size() == 1) {
                resolver_.lookup(req.target.host);
            }
            return;
        }
    }

    req.next_address = 0;
    connect_next_address(req, now);
}

void reactor_loop::connect_next_address(request_state &req, time_point now) {
    const response_parser::limits limits = wire_limits(req);

    connection::outcome last;
    last.error = FC_TRANSPORT_CONNECT;
    last.message = "no address to connect to for '" + req.target.host + "'";
    while (req.next_address < req.addresses.size()) {
        const Poco::Net::SocketAddress peer(req.addresses[req.next_address++], req.target.port);
        auto conn = std::make_unique<connection>(next_connection_id_++, req.target.pool_key, peer);
        conn->owner = req.key;

        last = conn->connect(now);
        if (last.what == connection::outcome::failed) {
            retire(std::move(conn));
            continue;
        }

        req.conn = std::move(conn);
        req.where = request_state::phase::connecting;
        req.conn->begin_exchange(req.request.bytes, limits, req.request.head_method, now);
        watch(*req.conn);
        arm(req);
        return;
    }
    complete_error(req, last.error, last.message);
}

void reactor_loop::handle_outcome(request_state &req, connection::outcome out, time_point now) {
    switch (out.what) {
    case connection::outcome::progress:
        watch(*req.conn);
        return;
    case connection::outcome::connected:
        // The connect deadline no longer applies; the idle one does, and it
        // may be nearer than the entry armed for the connect.
        req.where = request_state::phase::exchanging;
        watch(*req.conn);
        arm(req);
        return;
    case connection::outcome::complete:
        complete_ok(req, now);
        return;
    case connection::outcome::failed:
        handle_failure(req, std::move(out), now);
        return;
    }
}

void reactor_loop::handle_failure(request_state &req, connection::outcome out, time_point now) {
    retire(std::move(req.conn));
    const bool total_over = req.total_timeout_ms > 0 &&
                            now >= req.submitted + milliseconds(req.total_timeout_ms);

    // Connection management, not retry policy: a pooled connection that
    // fails before any byte of the response came back was almost surely
    // closed by the server while it sat idle (keep-alive timeouts race with
    // reuse), so the request most likely never reached the server. Sending
    // it once more on a fresh connection is what every HTTP client does; a
    // second failure, or any failure on a fresh connection, goes back to
    // the host, whose policy decides about retries.
    if (out.stale_reuse && !req.reconnected && !total_over) {
        req.reconnected = true;
        if (log_) {
            log_(FC_LOG_DEBUG, "request " + std::to_string(req.request_id) +
                                   ": pooled connection to " + req.target.pool_key +
                                   " was closed by the server (" + out.message +
                                   "); resending once on a new connection");
        }
        req.connect_deadline = req.connect_timeout_ms > 0
                                   ? now + milliseconds(req.connect_timeout_ms)
                                   : time_point::max();
        acquire_connection(req, now, false);
        return;
    }

    // A host name may resolve to several addresses; a refused or failed
    // connect moves on to the next within the same connect window.
    if (out.error == FC_TRANSPORT_CONNECT && req.next_address < req.addresses.size() &&
        now < req.connect_deadline) {
        connect_next_address(req, now);
        return;
    }
    complete_error(req, out.error, out.message);
}

void reactor_loop::on_resolved(const resolve_result &result, time_point now) {
    if (!result.addresses.empty()) {
        dns_cache_.store(result.host, result.addresses, now);
    }
    const auto it = waiting_for_dns_.find(result.host);
    if (it == waiting_for_dns_.end()) {
        return;
    }
    const std::vector<uint64_t> keys = std::move(it->second);
    waiting_for_dns_.erase(it);

    for (const uint64_t key : keys) {
        const auto found = requests_.find(key);
        if (found == requests_.end() ||
            found->second->where != request_state::phase::resolving) {
            continue; // timed out meanwhile
        }

        request_state &req = *found->second;
        try {
            if (result.addresses.empty()) {
                complete_error(req, FC_TRANSPORT_RESOLVE, result.error);
                continue;
            }
            req.addresses = result.addresses;
            acquire_connection(req, now, !req.reconnected);
        } catch (const std::exception &e) {
            fail_if_alive(key, std::string("internal error after resolving: ") + e.what());
        } catch (...) {
            fail_if_alive(key, "internal error after resolving");
        }
    }
}

response_parser::limits reactor_loop::wire_limits(const request_state &req) const {
    response_parser::limits limits;
    limits.max_header_bytes = config_.max_header_bytes;
    limits.max_body_bytes = req.max_body_bytes > 0 ? req.max_body_bytes : UINT64_MAX;
    if (req.request.decode_body && limits.max_body_bytes < UINT64_MAX / 2) {
        // max_body_bytes limits the decoded body; on the wire, leave room
        // for data that compression made slightly larger.
        limits.max_body_bytes += limits.max_body_bytes / 16 + 4096;
    }
    return limits;
}

time_point reactor_loop::deadline_of(const request_state &req) const {
    time_point deadline = time_point::max();
    if (req.total_timeout_ms > 0) {
        deadline = req.submitted + milliseconds(req.total_timeout_ms);
    }

    if (req.where != request_state::phase::exchanging) {
        return std::min(deadline, req.connect_deadline);
    }
    const uint32_t idle_ms =
        config_.idle_timeout_ms > 0 ? config_.idle_timeout_ms : req.total_timeout_ms;
    if (idle_ms > 0 && req.conn) {
        deadline = std::min(deadline, req.conn->last_progress() + milliseconds(idle_ms));
    }
    return deadline;
}

void reactor_loop::arm(request_state &req) {
    const time_point deadline = deadline_of(req);
    if (deadline == time_point::max()) {
        deadlines_.cancel(req.key);
    } else {
        deadlines_.set(req.key, deadline);
    }
}

void reactor_loop::expire_deadlines(time_point now) {
    std::vector<uint64_t> due;
    deadlines_.pop_due(now, due);
    for (const uint64_t key : due) {
        const auto it = requests_.find(key);
        if (it == requests_.end()) {
            continue;
        }
        request_state &req = *it->second;

        // Entries are re-armed lazily: data that arrived since this one was
        // set has pushed the idle deadline later.
        const time_point deadline = deadline_of(req);
        if (deadline > now) {
            deadlines_.set(key, deadline);
            continue;
        }

        const bool total_over = req.total_timeout_ms > 0 &&
                                now >= req.submitted + milliseconds(req.total_timeout_ms);
        const std::string total_text =
            "total timeout of " + ms_text(req.total_timeout_ms) + " passed";
        switch (req.where) {
        case request_state::phase::queued:
        case request_state::phase::resolving:
            complete_error(req, FC_TRANSPORT_RESOLVE,
                           (total_over ? total_text : "connect timeout of " +
                                                          ms_text(req.connect_timeout_ms) +
                                                          " passed") +
                               " while resolving '" + req.target.host + "'");
            break;
        case request_state::phase::connecting:
            complete_error(req, FC_TRANSPORT_CONNECT,
                           "connect to " + req.conn->peer().toString() + " timed out (" +
                               (total_over ? total_text
                                           : "connect timeout of " +
                                                 ms_text(req.connect_timeout_ms) + " passed") +
                               ")");
            break;
        case request_state::phase::exchanging: {
            const uint32_t idle_ms =
                config_.idle_timeout_ms > 0 ? config_.idle_timeout_ms : req.total_timeout_ms;
            complete_error(req, FC_TRANSPORT_TIMEOUT,
                           total_over ? total_text + " waiting for " + req.target.pool_key
                                      : "no data from " + req.target.pool_key + " for " +
                                            ms_text(idle_ms) + " (idle timeout)");
            break;
        }
        }
    }
}

void reactor_loop::expire_pool(time_point now) {
    for (auto &conn : pool_.expire(now)) {
        retire(std::move(conn));
    }
}

void reactor_loop::complete_ok(request_state &req, time_point now) {
    std::unique_ptr<connection> conn = std::move(req.conn);
    const std::unique_ptr<response_parser> response = conn->take_response();

    // Pool before calling back: the host may submit its next request to
    // this server from the callback's queue at once.
    if (conn->reusable() && !req.request.wants_close) {
        conn->owner = 0;
        watch(*conn);
        for (auto &evicted : pool_.put(std::move(conn), now)) {
            retire(std::move(evicted));
        }
    } else {
        retire(std::move(conn));
    }

    std::string body = response->take_body();
    if (req.request.decode_body) {
        // Decoded here, on the reactor thread: a large body stalls the other
        // connections for the time it takes, but needs no hand-off.
        std::string why;
        const uint64_t limit = req.max_body_bytes > 0 ? req.max_body_bytes : UINT64_MAX;
        const decode_status decoded = decode_body(response->headers(), body, limit, why);
        if (decoded != decode_status::ok) {
            complete_error(req,
                           decoded == decode_status::too_large ? FC_TRANSPORT_TOO_LARGE
                                                               : FC_TRANSPORT_PROTOCOL,
                           why);
            return;
        }
    }

    finished_request done;
    done.request_id = req.request_id;
    done.transport_error = FC_TRANSPORT_OK;
    done.status = response->status_code();
    done.headers = response->take_headers();
    done.body = std::move(body);

    const uint64_t key = req.key;
    deadlines_.cancel(key);
    requests_.erase(key); // `req` is gone from here on
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    finished_.push_back(std::move(done));
}

void reactor_loop::complete_error(request_state &req, int32_t error, const std::string &message) {
    // `message` may live inside `req`, which is freed below.
    const std::string text = message;
    if (req.conn) {
        retire(std::move(req.conn));
    }
    if (log_) {
        log_(FC_LOG_DEBUG, "request " + std::to_string(req.request_id) + " failed: " + text);
    }

    finished_request done;
    done.request_id = req.request_id;
    done.transport_error = error;
    done.error_message = text;

    const uint64_t key = req.key;
    deadlines_.cancel(key);
    requests_.erase(key);
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    finished_.push_back(std::move(done));
}

void reactor_loop::deliver_finished() noexcept {
    for (const finished_request &done : finished_) {
        completion c;
        c.request_id = done.request_id;
        c.transport_error = done.transport_error;
        c.error_message = done.transport_error == FC_TRANSPORT_OK ? nullptr : &done.error_message;
        c.status = done.status;
        c.headers = &done.headers;
        c.body = &done.body;
        deliver(c);
    }
    finished_.clear();
}

void reactor_loop::deliver(const completion &c) noexcept {
    try {
        on_complete_(c);
    } catch (...) {
        // The callback must not throw; if it does, the answer is lost to the
        // host either way, but the reactor keeps serving the others.
        log_throttled(FC_LOG_ERROR, "completion callback threw; one answer may be lost");
    }
}

void reactor_loop::watch(connection &conn) {
    const int mode = conn.poll_mode();
    if (mode == conn.watched_mode) {
        return;
    }
    if (mode == 0) {
        unwatch(conn);
        return;
    }

    if (conn.watched_mode == 0) {
        poll_set_.add(conn.socket(), mode);
        by_socket_[conn.socket().impl()] = &conn;
    } else {
        poll_set_.update(conn.socket(), mode);
    }
    conn.watched_mode = mode;
}

void reactor_loop::unwatch(connection &conn) noexcept {
    if (conn.watched_mode == 0) {
        return;
    }
    by_socket_.erase(conn.socket().impl());
    conn.watched_mode = 0;
    // Must happen before the socket is closed: epoll refuses to remove a
    // descriptor that is already closed, and Poco would throw.
    try {
        poll_set_.remove(conn.socket());
    } catch (...) {
        // Already gone from the set; nothing more to undo.
    }
}

void reactor_loop::retire(std::unique_ptr<connection> conn) noexcept {
    if (!conn) {
        return;
    }
    unwatch(*conn);
    conn->close();
}

void reactor_loop::shutdown_all() noexcept {
    try {
        for (auto &entry : requests_) {
            retire(std::move(entry.second->conn));
        }
        requests_.clear();
        for (auto &conn : pool_.drain()) {
            retire(std::move(conn));
        }
        waiting_for_dns_.clear();
        deadlines_ = deadline_queue();
        try {
            poll_set_.remove(waker_.socket());
        } catch (...) {
            // Never added (start() failed early).
        }
        std::lock_guard<std::mutex> lock(queue_mutex_);
        submitted_.clear();
        resolved_.clear();
    } catch (...) {
        // Freeing memory does not throw in practice; nothing to do if it did.
    }
}

void reactor_loop::log_throttled(int32_t level, const std::string &message) noexcept {
    try {
        const time_point now = steady_clock::now();
        if (now - last_warning_ < std::chrono::seconds(1)) {
            ++suppressed_warnings_;
            return;
        }
        last_warning_ = now;
        std::string text = message;
        if (suppressed_warnings_ > 0) {
            text += " (" + std::to_string(suppressed_warnings_) + " similar messages suppressed)";
            suppressed_warnings_ = 0;
        }
        if (log_) {
            log_(level, text);
        }
    } catch (...) {
        // Logging must never become a failure of its own.
    }
}

} // namespace fetchctl::poco_async
