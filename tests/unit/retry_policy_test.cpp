// Retry classification: which outcomes are retried, after how long, and
// when an item is given up.
#include <catch2/catch.hpp>

#include "fetchctl/plugin.h"
#include "retry_policy.hpp"

using namespace fetchctl;

namespace {

const auto now = std::chrono::system_clock::from_time_t(1700000000);

retry_policy make_policy(retry_spec spec = {}) {
    return retry_policy(spec, [] { return 0.5; });
}

attempt_outcome http(int status) {
    attempt_outcome outcome;
    outcome.status = status;
    return outcome;
}

attempt_outcome failed_transport(int code) {
    attempt_outcome outcome;
    outcome.transport_error = code;
    outcome.transport_message = "detail";
    return outcome;
}

} // namespace

TEST_CASE("policy - 2xx is done", "[policy]") {
    for (int status : {200, 201, 204})
        CHECK(make_policy().decide(http(status), 1, 0, now).what == decision::kind::done);
}

TEST_CASE("policy - 5xx and 408 retry after the configured delay", "[policy]") {
    for (int status : {500, 502, 503, 504, 408, 599}) {
        INFO("status " << status);
        const decision d = make_policy().decide(http(status), 1, 0, now);
        CHECK(d.what == decision::kind::retry);
        CHECK(d.cause == retry_cause::server_error);
        CHECK(d.delay_seconds == 1.0);
        CHECK_FALSE(d.delay_from_server);
    }
}

TEST_CASE("policy - 501 and 505 are not retried", "[policy]") {
    CHECK(make_policy().decide(http(501), 1, 0, now).what == decision::kind::give_up);
    CHECK(make_policy().decide(http(505), 1, 0, now).what == decision::kind::give_up);
}

TEST_CASE("policy - other 4xx give up at once with the status in the reason", "[policy]") {
    for (int status : {400, 401, 403, 404, 410, 422}) {
        const decision d = make_policy().decide(http(status), 1, 0, now);
        CHECK(d.what == decision::kind::give_up);
        CHECK_THAT(d.reason, Catch::Contains(std::to_string(status)));
    }
}

TEST_CASE("policy - 429 waits Retry-After, capped by config", "[policy]") {
    retry_spec spec;
    spec.max_retry_after = seconds_d(10);
    attempt_outcome outcome = http(429);

    outcome.retry_after = "3";
    decision d = make_policy(spec).decide(outcome, 1, 0, now);
    CHECK(d.what == decision::kind::retry);
    CHECK(d.cause == retry_cause::rate_limited);
    CHECK(d.delay_seconds == 3.0);
    CHECK(d.delay_from_server);

    outcome.retry_after = "3600";
    CHECK(make_policy(spec).decide(outcome, 1, 0, now).delay_seconds == 10.0);

    outcome.retry_after = "Tue, 14 Nov 2023 22:13:25 GMT"; // now + 5 s
    d = make_policy(spec).decide(outcome, 1, 0, now);
    CHECK(d.delay_seconds == Approx(5.0));
}

TEST_CASE("policy - a 429 without a usable Retry-After falls back to the back-off",
          "[policy]") {
    retry_spec spec;
    spec.delay = seconds_d(2);
    attempt_outcome outcome = http(429);
    for (const char *value : {"", "later", "-5"}) {
        outcome.retry_after = value;
        const decision d = make_policy(spec).decide(outcome, 1, 0, now);
        CHECK(d.what == decision::kind::retry);
        CHECK(d.delay_seconds == 2.0);
        CHECK_FALSE(d.delay_from_server);
    }
    outcome.retry_after.reset();
    CHECK(make_policy(spec).decide(outcome, 1, 0, now).delay_seconds == 2.0);
}

TEST_CASE("policy - transport errors map to retry causes", "[policy]") {
    const auto policy = make_policy();
    CHECK(policy.decide(failed_transport(FC_TRANSPORT_CONNECT), 1, 0, now).cause ==
          retry_cause::connection);
    CHECK(policy.decide(failed_transport(FC_TRANSPORT_IO), 1, 0, now).cause ==
          retry_cause::connection);
    CHECK(policy.decide(failed_transport(FC_TRANSPORT_TIMEOUT), 1, 0, now).cause ==
          retry_cause::timeout);
    CHECK(policy.decide(failed_transport(FC_TRANSPORT_PROTOCOL), 1, 0, now).cause ==
          retry_cause::protocol);
    CHECK(policy.decide(failed_transport(FC_TRANSPORT_TOO_LARGE), 1, 0, now).what ==
          decision::kind::give_up);
    CHECK(policy.decide(failed_transport(FC_TRANSPORT_TLS), 1, 0, now).what ==
          decision::kind::give_up);
    CHECK(policy.decide(failed_transport(99), 1, 0, now).what == decision::kind::give_up);
}

TEST_CASE("policy - max_retries bounds the attempts", "[policy]") {
    retry_spec spec;
    spec.max_retries = 5;
    const auto policy = make_policy(spec);
    CHECK(policy.max_attempts() == 6);
    for (int attempt = 1; attempt <= 5; ++attempt)
        CHECK(policy.decide(http(500), attempt, 0, now).what == decision::kind::retry);
    const decision last = policy.decide(http(500), 6, 0, now);
    CHECK(last.what == decision::kind::give_up);
    CHECK(last.reason == "HTTP 500, no attempts left");

    spec.max_retries = 0;
    CHECK(make_policy(spec).decide(http(503), 1, 0, now).what == decision::kind::give_up);
}

TEST_CASE("policy - exponential back-off with a ceiling and jitter", "[policy]") {
    retry_spec spec;
    spec.backoff = backoff_kind::exponential;
    spec.delay = seconds_d(1);
    spec.multiplier = 2;
    spec.max_delay = seconds_d(5);
    const auto policy = make_policy(spec);
    CHECK(policy.backoff_seconds(1) == 1.0);
    CHECK(policy.backoff_seconds(2) == 2.0);
    CHECK(policy.backoff_seconds(3) == 4.0);
    CHECK(policy.backoff_seconds(4) == 5.0);
    CHECK(policy.backoff_seconds(1000) == 5.0);

    spec.jitter = 1.0; // the whole delay drawn at random; the fake draws 0.5
    CHECK(make_policy(spec).backoff_seconds(3) == 2.0);
}

TEST_CASE("policy - redirects are followed up to the limit", "[policy]") {
    retry_spec spec;
    spec.max_redirects = 2;
    const auto policy = make_policy(spec);
    attempt_outcome outcome = http(302);
    outcome.location = "/moved/item/1";
    CHECK(policy.decide(outcome, 1, 0, now).what == decision::kind::redirect);
    CHECK(policy.decide(outcome, 1, 1, now).what == decision::kind::redirect);
    CHECK(policy.decide(outcome, 1, 2, now).what == decision::kind::give_up);

    outcome.location.reset();
    CHECK(policy.decide(outcome, 1, 0, now).what == decision::kind::give_up);
}

TEST_CASE("policy - retry_on replaces the default retryable statuses", "[policy]") {
    retry_spec spec;
    spec.retry_on = {503, 429, 404};
    const auto policy = make_policy(spec);
    CHECK(policy.decide(http(503), 1, 0, now).what == decision::kind::retry);
    CHECK(policy.decide(http(404), 1, 0, now).what == decision::kind::retry);
    CHECK(policy.decide(http(500), 1, 0, now).what == decision::kind::give_up);
    attempt_outcome limited = http(429);
    limited.retry_after = "2";
    const decision d = policy.decide(limited, 1, 0, now);
    CHECK(d.cause == retry_cause::rate_limited);
    CHECK(d.delay_seconds == 2.0);

    spec.retry_on = {500};
    CHECK(make_policy(spec).decide(http(429), 1, 0, now).what == decision::kind::give_up);
    CHECK(make_policy(spec).decide(http(200), 1, 0, now).what == decision::kind::done);
}
