// scheduler.cpp: see scheduler.hpp for the shape of one turn.
#include "scheduler.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "failed_items_file.hpp"
#include "journal.hpp"
#include "replay.hpp"
#include "sink_client.hpp"
#include "transport_client.hpp"
#include "url_join.hpp"

namespace fetchctl {
namespace {

using namespace std::chrono_literals;

// The loop wakes at least this often to notice a stop request.
constexpr auto longest_sleep = 200ms;

// The sink failed: nothing more may be written or checkpointed.
struct sink_failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const char *transport_error_kind(int code) {
    switch (code) {
    case FC_TRANSPORT_CONNECT: return "connection";
    case FC_TRANSPORT_TIMEOUT: return "timeout";
    case FC_TRANSPORT_IO: return "broken";
    case FC_TRANSPORT_PROTOCOL: return "protocol";
    case FC_TRANSPORT_TOO_LARGE: return "too_large";
    case FC_TRANSPORT_RESOLVE: return "resolve";
    case FC_TRANSPORT_TLS: return "tls";
    default: return "transport";
    }
}

std::uint32_t to_millis(seconds_d seconds) {
    const double ms = seconds.count() * 1000.0;
    return ms >= 4e9 ? 4000000000u : static_cast<std::uint32_t>(std::max(1.0, ms));
}

} // namespace

scheduler::scheduler(const job_spec &spec, id_source &ids, transport_client &transport,
                     completion_queue &answers, sink_client &sink, failed_items_file &failed,
                     journal &journal, run_stats &stats, const std::atomic<int> &stop_requests,
                     std::uint64_t first_sequence)
    : spec_(spec), ids_(ids), transport_(transport), answers_(answers), sink_(sink),
      failed_(failed), journal_(journal), stats_(stats), stop_requests_(stop_requests),
      random_(std::random_device{}()),
      policy_(spec.retry,
              [this] { return std::uniform_real_distribution<double>(0, 1)(random_); }),
      limiter_(spec.rate.requests_per_second, spec.rate.burst, clock::now()),
      capacity_(transport.max_in_flight()), next_to_emit_(first_sequence),
      next_to_admit_(first_sequence), last_checkpoint_(clock::now()),
      done_at_start_(stats.written + stats.failed), checkpointed_written_(stats.written),
      checkpointed_failed_(stats.failed) {
    bool has_user_agent = false;
    for (const header_spec &header : spec_.request.headers) {
        request_headers_.push_back({header.name.c_str(), header.value.c_str()});
        if (header.name.size() == 10 && strncasecmp(header.name.c_str(), "user-agent", 10) == 0)
            has_user_agent = true;
    }
    if (!has_user_agent)
        request_headers_.push_back({"User-Agent", "fetchctl/" FETCHCTL_VERSION});
    transport_name_ = transport_.name();

    if (spec_.deadline)
        deadline_ = clock::now() + std::chrono::duration_cast<clock::duration>(*spec_.deadline);
}

run_ending scheduler::run() {
    try {
        for (;;) {
            const auto now = clock::now();
            const int stops = stop_requests_.load();
            if (stops >= 1 && !stopping_)
                begin_stopping("stop requested");
            if (deadline_ && now >= *deadline_ && !stopping_) {
                deadline_reached_ = true;
                begin_stopping("the run's deadline has passed");
            }
            if (stops >= 2 && !in_flight_.empty()) {
                spdlog::warn("second stop request: abandoning {} requests in flight",
                             in_flight_.size());
                break;
            }

            auto wake = now + longest_sleep;
            if (!stopping_) {
                release_due_retries(now);
                dispatch(now, wake);
            }
            emit();

            if (all_done()) {
                checkpoint(true);
                return run_ending::complete;
            }
            if (stopping_ && in_flight_.empty())
                break;

            if (since_checkpoint_ > 0) {
                auto due = last_checkpoint_ + std::chrono::duration_cast<clock::duration>(
                                                  spec_.sink.checkpoint_interval);
                if (since_checkpoint_ >= spec_.sink.checkpoint_every)
                    due = std::min(due, last_checkpoint_ + min_checkpoint_gap());
                if (now >= due)
                    checkpoint(false);
                else
                    wake = std::min(wake, due);
            }
            if (!retry_timers_.empty() && !stopping_)
                wake = std::min(wake, retry_timers_.top().first);

            if (progress_.enabled())
                wake = std::min(wake, now + 500ms);
            answers_.take(wake, taken_);
            for (transport_answer &answer : taken_)
                handle(answer, clock::now());
            show_progress(clock::now());
        }

        stats_.left_for_next_run = stats_.total_items - stats_.written - stats_.failed;
        checkpoint(false);
        if (unreachable_)
            return run_ending::unreachable;
        return deadline_reached_ ? run_ending::deadline : run_ending::interrupted;
    } catch (const sink_failure &failure) {
        spdlog::error("{}; stopping. Nothing after the last checkpoint counts as written: "
                      "a rerun resumes from there",
                      failure.what());
        // The summary says what is durable, as the rerun will see it.
        stats_.written = checkpointed_written_;
        stats_.failed = checkpointed_failed_;
        stats_.left_for_next_run = stats_.total_items - stats_.written - stats_.failed;
        return run_ending::sink_failed;
    }
}

void scheduler::use_adaptive_rate(double initial_rate) {
    const auto now = clock::now();
    learner_.emplace(initial_rate, now);
    limiter_.set_rate(learner_->rate(), now);
    spdlog::info("pacing: adaptive, starting at {:.2f} requests/s", learner_->rate());
}

void scheduler::show_progress(clock::time_point now) {
    if (!progress_.enabled())
        return;
    progress_snapshot snapshot;
    snapshot.total = stats_.total_items;
    snapshot.done = stats_.written + stats_.failed;
    snapshot.failed = stats_.failed;
    snapshot.done_this_run = snapshot.done - done_at_start_;
    snapshot.requests = stats_.requests;
    snapshot.retries_waiting = retry_timers_.size();
    snapshot.in_flight = in_flight_.size();
    snapshot.target_rate = limiter_.requests_per_second();
    if (limiter_.paused_until() > now)
        snapshot.pause_left_seconds =
            std::chrono::duration<double>(limiter_.paused_until() - now).count();
    progress_.update(snapshot, now);
}

void scheduler::watch_reachability(const transport_answer &answer, clock::time_point now) {
    const bool cannot_connect = answer.transport_error == FC_TRANSPORT_CONNECT ||
                                answer.transport_error == FC_TRANSPORT_RESOLVE;
    if (!cannot_connect) {
        failing_since_.reset();
        return;
    }
    if (!failing_since_)
        failing_since_ = now;
    const auto limit = spec_.retry.unreachable_after;
    if (stopping_ || limit.count() <= 0 || now - *failing_since_ < limit)
        return;
    unreachable_ = true;
    spdlog::error("no connection to the server has succeeded for {:.0f} s (last: {}); "
                  "stopping, the items are left for the next run",
                  limit.count(), answer.error_message);
    begin_stopping("the server is unreachable");
}

bool scheduler::outage_in_progress(const transport_answer &answer) const {
    const bool cannot_connect = answer.transport_error == FC_TRANSPORT_CONNECT ||
                                answer.transport_error == FC_TRANSPORT_RESOLVE;
    return cannot_connect && failing_since_ && spec_.retry.unreachable_after.count() > 0;
}

void scheduler::begin_stopping(const char *why) {
    stopping_ = true;
    if (in_flight_.empty())
        spdlog::info("{}: stopping", why);
    else
        spdlog::info("{}: stopping after the {} requests in flight (stop again to abandon them)",
                     why, in_flight_.size());
}

void scheduler::release_due_retries(clock::time_point now) {
    while (!retry_timers_.empty() && retry_timers_.top().first <= now) {
        ready_.insert(retry_timers_.top().second);
        retry_timers_.pop();
    }
}

bool scheduler::admit() {
    // The reorder window bounds memory: an item may not run further ahead
    // of the oldest unwritten one than the window allows.
    if (ids_.exhausted() || next_to_admit_ - next_to_emit_ >= spec_.sink.reorder_window)
        return false;

    std::optional<job_item> item = ids_.next();
    if (!item)
        return false;
    next_to_admit_ = item->sequence + 1;

    active_item state;
    state.url = expand_url(spec_.request.url_template, item->id);
    state.id = std::move(item->id);
    active_.emplace(item->sequence, std::move(state));
    ready_.insert(item->sequence);
    return true;
}

void scheduler::dispatch(clock::time_point now, clock::time_point &wake) {
    while (in_flight_.size() < capacity_) {
        if (ready_.empty() && !admit())
            return;
        if (auto later = limiter_.try_acquire(now)) {
            wake = std::min(wake, *later);
            return;
        }
        const std::uint64_t sequence = *ready_.begin();
        ready_.erase(ready_.begin());
        start_attempt(sequence);
    }
}

void scheduler::start_attempt(std::uint64_t sequence) {
    active_item &item = active_.at(sequence);
    ++item.attempts;

    const std::uint64_t request_id = next_request_id_++;
    fc_request_v1 request{};
    request.struct_size = sizeof request;
    request.request_id = request_id;
    request.method = "GET";
    request.url = item.url.c_str();
    request.headers = request_headers_.data();
    request.header_count = request_headers_.size();
    request.connect_timeout_ms = to_millis(spec_.request.connect_timeout);
    request.total_timeout_ms = to_millis(spec_.request.timeout);
    request.max_body_bytes = spec_.request.max_body_bytes;

    in_flight_.emplace(request_id, flight{sequence, clock::now()});
    if (!transport_.submit(request)) {
        // The transport refused outright; treat it like any transport error
        // so policy decides, and the item cannot be lost.
        transport_answer refused;
        refused.request_id = request_id;
        refused.transport_error = FC_TRANSPORT_OTHER;
        refused.error_message = "the transport did not accept the request";
        handle(refused, clock::now());
    }
}

void scheduler::handle(transport_answer &answer, clock::time_point now) {
    const auto flight = in_flight_.find(answer.request_id);
    if (flight == in_flight_.end()) {
        spdlog::warn("{}: answer to unknown request {} ignored", transport_.name(),
                     answer.request_id);
        return;
    }
    const std::uint64_t sequence = flight->second.sequence;
    const clock::time_point sent = flight->second.started;
    stats_.latency.add(std::chrono::duration<double, std::milli>(now - sent).count());
    in_flight_.erase(flight);
    active_item &item = active_.at(sequence);

    ++stats_.requests;
    if (answer.transport_error == FC_TRANSPORT_OK)
        ++stats_.statuses[answer.status];
    else
        ++stats_.transport_errors[transport_error_kind(answer.transport_error)];
    if (spdlog::should_log(spdlog::level::debug)) // its arguments cost a format each
        spdlog::debug("item {}: {} in {:.0f} ms (attempt {})", item.id,
                      answer.transport_error == FC_TRANSPORT_OK
                          ? fmt::format("HTTP {}", answer.status)
                          : fmt::format("{} ({})", transport_error_kind(answer.transport_error),
                                        answer.error_message),
                      std::chrono::duration<double, std::milli>(now - sent).count(),
                      item.attempts);
    watch_reachability(answer, now);

    if (learner_ && answer.transport_error == FC_TRANSPORT_OK)
        learn_from(answer, sent, now);

    attempt_outcome outcome;
    outcome.transport_error = answer.transport_error;
    outcome.transport_message = answer.error_message;
    outcome.status = answer.status;
    outcome.retry_after = answer.header("Retry-After");
    outcome.location = answer.header("Location");

    const decision d =
        policy_.decide(outcome, item.attempts, item.redirects, std::chrono::system_clock::now());
    const int max_attempts = policy_.max_attempts();

    const std::string seen = answer.transport_error == FC_TRANSPORT_OK
                                 ? std::to_string(answer.status)
                                 : transport_error_kind(answer.transport_error);
    if (!item.statuses.empty())
        item.statuses += ' ';
    item.statuses += seen;
    if (recorder_)
        recorder_->record(item.id, item.attempts, seen, outcome.retry_after,
                          std::chrono::duration<double, std::milli>(now - sent).count());

    if (stopping_ && (d.what == decision::kind::retry || d.what == decision::kind::redirect)) {
        spdlog::info("item {}: {} (attempt {}/{}); left for the next run", item.id,
                     describe(outcome), item.attempts, max_attempts);
        return;
    }

    switch (d.what) {
    case decision::kind::done: {
        finished_item done;
        done.id = item.id;
        done.written = true;
        done.status = answer.status;
        done.body = std::move(answer.body);
        done.attempts = item.attempts;
        done.latency_ms = static_cast<std::uint32_t>(
            std::chrono::duration<double, std::milli>(now - sent).count());
        done.waited_ms = static_cast<std::uint64_t>(item.waited_seconds * 1000.0);
        done.statuses = std::move(item.statuses);
        finish(sequence, std::move(done));
        return;
    }
    case decision::kind::retry: {
        ++stats_.retries[static_cast<int>(d.cause)];
        double wait = d.delay_seconds;
        if (d.cause == retry_cause::rate_limited && limiter_.requests_per_second() <= 0) {
            // No rate to pace the restart: spread the items over up to one
            // more delay, or they would all come back the moment the pause
            // ends and meet another 429 together.
            const double spread = std::max(0.5, d.delay_seconds);
            wait += std::uniform_real_distribution<double>(0, spread)(random_);
            // The spread never takes a wait past the configured cap.
            wait = std::min(wait, std::max(d.delay_seconds, spec_.retry.max_retry_after.count()));
        }
        const auto delay = std::chrono::duration_cast<clock::duration>(seconds_d(wait));
        if (d.cause == retry_cause::rate_limited) {
            // Everyone waits, not just this item: the server said the
            // client as a whole is over its budget.
            const auto pause = std::min(delay, std::chrono::duration_cast<clock::duration>(
                                                   spec_.rate.max_pause));
            limiter_.pause_until(now + pause);
        }
        retry_timers_.emplace(now + delay, sequence);
        item.waited_seconds += wait;
        spdlog::warn("item {}: {} (attempt {}/{}); retrying in {:.2f} s{}", item.id, d.reason,
                     item.attempts, max_attempts, wait,
                     d.delay_from_server ? " as Retry-After asks" : "");
        return;
    }
    case decision::kind::redirect: {
        ++stats_.redirects;
        ++item.redirects;
        --item.attempts; // following a redirect is not a retry
        const std::string target = join_url(item.url, *outcome.location);
        spdlog::info("item {}: {} to {}; following", item.id, d.reason, target);
        item.url = target;
        ready_.insert(sequence);
        return;
    }
    case decision::kind::give_up: {
        const auto outage_limit =
            std::chrono::duration_cast<clock::duration>(spec_.retry.unreachable_after);
        if (outage_in_progress(answer) &&
            (!item.outage_since || now - *item.outage_since < outage_limit)) {
            // While no connection succeeds, the server is down rather than
            // this item failing: [retry] unreachable_after, not the item's
            // attempts, decides when to stop, and the item is then left
            // for the next run instead of being given up. The same limit
            // per item keeps a server that refuses only some connections
            // from keeping one item alive for ever.
            if (!item.outage_since)
                item.outage_since = now;
            if (stopping_) {
                spdlog::info("item {}: {} (attempt {}); left for the next run", item.id,
                             d.reason, item.attempts);
                return;
            }
            const double wait = spec_.retry.delay.count();
            retry_timers_.emplace(now + std::chrono::duration_cast<clock::duration>(
                                            seconds_d(wait)),
                                  sequence);
            item.waited_seconds += wait;
            spdlog::warn("item {}: {} (attempt {}, past {}); the server is unreachable, so "
                         "retrying in {:.2f} s until [retry] unreachable_after",
                         item.id, d.reason, item.attempts, max_attempts, wait);
            return;
        }
        spdlog::error("item {}: {} (attempt {}/{}); giving up", item.id, d.reason, item.attempts,
                      max_attempts);
        finished_item failed;
        failed.id = item.id;
        failed.status = answer.status;
        failed.status_text = answer.transport_error == FC_TRANSPORT_OK
                                 ? std::to_string(answer.status)
                                 : transport_error_kind(answer.transport_error);
        failed.reason = d.reason;
        finish(sequence, std::move(failed));
        return;
    }
    }
}

void scheduler::learn_from(const transport_answer &answer, clock::time_point sent,
                           clock::time_point now) {
    const auto advice = learner_->on_answer(
        sent, now, answer.status, [&](std::string_view name) { return answer.header(name); },
        std::chrono::system_clock::now());
    if (advice.rate) {
        limiter_.set_rate(*advice.rate, now);
        spdlog::info("pacing: now {:.2f} requests/s ({})", *advice.rate,
                     answer.status == 429 ? "learned from a 429" : "no 429 for a while");
    }
    if (advice.pause_until && *advice.pause_until > now) {
        // [rate] max_pause bounds a pause whatever the headers claim.
        const auto until = std::min(*advice.pause_until,
                                    now + std::chrono::duration_cast<clock::duration>(
                                              spec_.rate.max_pause));
        limiter_.pause_until(until);
        spdlog::info("pacing: the server's window is used up; waiting {:.2f} s for its reset",
                     std::chrono::duration<double>(until - now).count());
    }
}

void scheduler::finish(std::uint64_t sequence, finished_item item) {
    active_.erase(sequence);
    finished_.emplace(sequence, std::move(item));
}

void scheduler::emit() {
    while (!finished_.empty() && finished_.begin()->first == next_to_emit_) {
        auto node = finished_.extract(finished_.begin());
        finished_item &item = node.mapped();

        if (item.written) {
            fc_record_v1 record{};
            record.struct_size = sizeof record;
            record.item_id = item.id.c_str();
            record.sequence = next_to_emit_;
            record.body = item.body.data();
            record.body_size = item.body.size();
            record.status = item.status;
            record.attempts = static_cast<std::uint32_t>(item.attempts);
            record.latency_ms = item.latency_ms;
            record.waited_ms = item.waited_ms;
            record.statuses = item.statuses.c_str();
            record.transport = transport_name_.c_str();
            record.run_id = run_id_.c_str();
            switch (sink_.write(record)) {
            case sink_client::write_result::written: ++stats_.written; break;
            case sink_client::write_result::rejected:
                item.status_text = std::to_string(item.status);
                item.reason = sink_.rejection_reason();
                spdlog::error("item {}: {}; giving up", item.id, item.reason);
                failed_.add(item.id, item.status_text, item.reason);
                ++stats_.failed;
                break;
            case sink_client::write_result::failed:
                throw sink_failure(fmt::format("sink \"{}\" failed to write item {}",
                                               sink_.name(), item.id));
            }
            answers_.recycle(std::move(item.body));
        } else {
            failed_.add(item.id, item.status_text, item.reason);
            ++stats_.failed;
        }

        ++next_to_emit_;
        if (++since_checkpoint_ >= spec_.sink.checkpoint_every &&
            clock::now() - last_checkpoint_ >= min_checkpoint_gap())
            checkpoint(false);
    }
}

void scheduler::checkpoint(bool complete) {
    // Order matters: the sink and the failed-items file are durable before
    // the journal says so.
    std::optional<std::string> token = sink_.flush();
    if (!token)
        throw sink_failure(fmt::format("sink \"{}\" failed to flush", sink_.name()));

    journal_checkpoint point;
    point.next_sequence = next_to_emit_;
    point.written = stats_.written;
    point.failed = stats_.failed;
    point.failed_bytes = failed_.flush();
    point.sink_checkpoint = std::move(*token);
    journal_.record(point, complete);
    checkpointed_written_ = point.written;
    checkpointed_failed_ = point.failed;

    since_checkpoint_ = 0;
    last_checkpoint_ = clock::now();
}

scheduler::clock::duration scheduler::min_checkpoint_gap() const {
    return std::chrono::duration_cast<clock::duration>(spec_.sink.checkpoint_min_interval);
}

bool scheduler::all_done() const {
    return ids_.exhausted() && active_.empty() && finished_.empty();
}

} // namespace fetchctl
