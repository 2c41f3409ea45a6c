// retry_policy.cpp: see retry_policy.hpp for the rules.
#include "retry_policy.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "fetchctl/plugin.h"
#include "retry_after.hpp"

namespace fetchctl {

const char *to_string(retry_cause cause) {
    switch (cause) {
    case retry_cause::rate_limited: return "429";
    case retry_cause::server_error: return "5xx";
    case retry_cause::timeout: return "timeout";
    case retry_cause::connection: return "connection";
    case retry_cause::protocol: return "protocol";
    }
    return "unknown";
}

std::string describe(const attempt_outcome &outcome) {
    const char *kind = nullptr;
    switch (outcome.transport_error) {
    case FC_TRANSPORT_OK: return fmt::format("HTTP {}", outcome.status);
    case FC_TRANSPORT_CONNECT: kind = "connection failed"; break;
    case FC_TRANSPORT_TIMEOUT: kind = "timed out"; break;
    case FC_TRANSPORT_IO: kind = "connection broken"; break;
    case FC_TRANSPORT_PROTOCOL: kind = "invalid HTTP response"; break;
    case FC_TRANSPORT_TOO_LARGE: kind = "body too large"; break;
    case FC_TRANSPORT_RESOLVE: kind = "name resolution failed"; break;
    case FC_TRANSPORT_TLS: kind = "TLS failure"; break;
    default: kind = "transport error"; break;
    }
    if (outcome.transport_message.empty())
        return kind;
    return fmt::format("{} ({})", kind, outcome.transport_message);
}

retry_policy::retry_policy(const retry_spec &spec, std::function<double()> random_unit)
    : spec_(spec), random_unit_(std::move(random_unit)) {}

double retry_policy::backoff_seconds(int retry) const {
    double delay = spec_.delay.count();
    if (spec_.backoff == backoff_kind::exponential && retry > 1)
        delay *= std::pow(spec_.multiplier, std::min(retry - 1, 60));
    delay = std::min(delay, spec_.max_delay.count());

    // Jitter spreads clients that failed together so they do not come back
    // together: a fraction of the delay is drawn at random.
    if (spec_.jitter > 0)
        delay = delay * (1 - spec_.jitter) + delay * spec_.jitter * random_unit_();
    return delay;
}

decision retry_policy::retry_or_give_up(retry_cause cause, double delay, bool from_server,
                                        const attempt_outcome &outcome, int attempt) const {
    decision result;
    if (attempt >= max_attempts()) {
        result.what = decision::kind::give_up;
        result.reason = fmt::format("{}, no attempts left", describe(outcome));
        return result;
    }
    result.what = decision::kind::retry;
    result.cause = cause;
    result.delay_seconds = delay;
    result.delay_from_server = from_server;
    result.reason = describe(outcome);
    return result;
}

decision retry_policy::decide(const attempt_outcome &outcome, int attempt, int redirects,
                              std::chrono::system_clock::time_point now) const {
    const int retry = attempt; // the retry this would be, 1-based

    switch (outcome.transport_error) {
    case FC_TRANSPORT_OK: break;
    case FC_TRANSPORT_CONNECT:
    case FC_TRANSPORT_IO:
    case FC_TRANSPORT_RESOLVE:
        return retry_or_give_up(retry_cause::connection, backoff_seconds(retry), false, outcome,
                                attempt);
    case FC_TRANSPORT_TIMEOUT:
        return retry_or_give_up(retry_cause::timeout, backoff_seconds(retry), false, outcome,
                                attempt);
    case FC_TRANSPORT_PROTOCOL:
        return retry_or_give_up(retry_cause::protocol, backoff_seconds(retry), false, outcome,
                                attempt);
    default: {
        // Too large, TLS, unknown: asking again gets the same answer.
        decision result;
        result.reason = fmt::format("{}, not retryable", describe(outcome));
        return result;
    }
    }

    const int status = outcome.status;
    if (status >= 200 && status < 300) {
        decision result;
        result.what = decision::kind::done;
        return result;
    }

    const bool listed = std::find(spec_.retry_on.begin(), spec_.retry_on.end(), status) !=
                        spec_.retry_on.end();
    const bool custom = !spec_.retry_on.empty();

    if (status == 429 && (!custom || listed)) {
        if (outcome.retry_after) {
            if (auto wait = parse_retry_after(*outcome.retry_after, now))
                return retry_or_give_up(retry_cause::rate_limited,
                                        std::min(*wait, spec_.max_retry_after.count()), true,
                                        outcome, attempt);
        }
        return retry_or_give_up(retry_cause::rate_limited, backoff_seconds(retry), false, outcome,
                                attempt);
    }

    const bool default_retryable =
        status == 408 || (status >= 500 && status <= 599 && status != 501 && status != 505);
    if (custom ? (listed && status != 429) : default_retryable) {
        // A 503 may carry Retry-After too; honour it when it is usable.
        if (status == 503 && outcome.retry_after) {
            if (auto wait = parse_retry_after(*outcome.retry_after, now))
                return retry_or_give_up(retry_cause::server_error,
                                        std::min(*wait, spec_.max_retry_after.count()), true,
                                        outcome, attempt);
        }
        return retry_or_give_up(retry_cause::server_error, backoff_seconds(retry), false, outcome,
                                attempt);
    }

    const bool is_redirect =
        status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    decision result;
    if (is_redirect && outcome.location && !outcome.location->empty()) {
        if (redirects >= spec_.max_redirects) {
            result.reason = fmt::format("{}, more than {} redirects", describe(outcome),
                                        spec_.max_redirects);
            return result;
        }
        result.what = decision::kind::redirect;
        result.reason = describe(outcome);
        return result;
    }
    if (is_redirect) {
        result.reason = fmt::format("{} without a Location header", describe(outcome));
        return result;
    }

    result.reason = fmt::format("{}, not retryable", describe(outcome));
    return result;
}

} // namespace fetchctl
