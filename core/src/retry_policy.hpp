// retry_policy: what to do after one attempt at an item.
//
// A pure function of the attempt's outcome, the item's history and the job's
// retry settings, so every rule here is testable without a network. The
// scheduler applies the decision; transports never see any of it.
//
// The rules:
//  - 2xx: done.
//  - 429: retry after Retry-After (delta-seconds or HTTP-date), capped at
//    retry.max_retry_after; without a usable Retry-After, the back-off.
//  - 408 and 5xx (but 501 and 505, which will not change): retry after the
//    back-off. So are timeouts, connection and I/O errors, and responses that
//    are not valid HTTP.
//  - 301/302/303/307/308 with a Location: follow it (up to max_redirects);
//    following a redirect is not a retry.
//  - Anything else (other 4xx, too-large bodies, TLS failures): give up now.
//  - [retry] retry_on replaces the HTTP part of these rules with a list:
//    listed statuses are retried (429 still honours Retry-After), others
//    are not; 2xx and redirects keep their meaning.
//  - An item gets 1 + max_retries attempts; when they are used up, give up.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "job_spec.hpp"

namespace fetchctl {

/// Why an attempt is retried; the summary counts retries by cause.
enum class retry_cause { rate_limited, server_error, timeout, connection, protocol };
inline constexpr int retry_cause_count = 5;

const char *to_string(retry_cause cause);

/// What one attempt produced, as far as policy cares.
struct attempt_outcome {
    int transport_error = 0; // FC_TRANSPORT_*; 0 means an HTTP answer came
    std::string transport_message;
    int status = 0;
    std::optional<std::string> retry_after; // the header, if sent
    std::optional<std::string> location;    // the header, if sent
};

struct decision {
    enum class kind { done, retry, redirect, give_up };
    kind what = kind::give_up;
    retry_cause cause = retry_cause::server_error; // retry only
    double delay_seconds = 0;                      // retry only
    bool delay_from_server = false;                // Retry-After was honoured
    std::string reason; // give_up: why; retry: what went wrong
};

/// "HTTP 500", "timeout (operation timed out)", ...
std::string describe(const attempt_outcome &outcome);

class retry_policy {
public:
    /// `random_unit` returns uniform values in [0, 1) for jitter; injected so
    /// tests are deterministic.
    retry_policy(const retry_spec &spec, std::function<double()> random_unit);

    /// `attempt` is 1 for the first try of an item; `redirects` is how many
    /// redirects the item has followed so far.
    decision decide(const attempt_outcome &outcome, int attempt, int redirects,
                    std::chrono::system_clock::time_point now) const;

    /// The back-off before retry number `retry` (1-based), jitter included.
    double backoff_seconds(int retry) const;

    int max_attempts() const { return spec_.max_retries + 1; }

private:
    decision retry_or_give_up(retry_cause cause, double delay, bool from_server,
                              const attempt_outcome &outcome, int attempt) const;

    retry_spec spec_;
    std::function<double()> random_unit_;
};

} // namespace fetchctl
