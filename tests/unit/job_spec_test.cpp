// The job file's schema: a valid file, and a table of broken ones, each of
// which must give one message naming the file and the line or key.
#include <catch2/catch.hpp>

#include <string>

#include "config_error.hpp"
#include "job_spec.hpp"

using namespace fetchctl;

namespace {

const std::string minimal = R"(
[request]
url = "http://127.0.0.1:8000/item/{id}"
[ids]
from = 1
to = 10
[transport]
plugin = "curl_threads"
[sink]
plugin = "csv_sink"
output = "out.csv"
)";

job_spec parse(const std::string &text) {
    return parse_job_spec(text, "/cfg/job.toml", "/work");
}

} // namespace

TEST_CASE("config - a minimal file gets the documented defaults", "[config]") {
    const job_spec spec = parse(minimal);
    CHECK(spec.request.url_template == "http://127.0.0.1:8000/item/{id}");
    CHECK(spec.ids.source == id_spec::kind::range);
    CHECK(spec.ids.first == 1);
    CHECK(spec.ids.last == 10);
    CHECK(spec.retry.max_retries == 5);
    CHECK(spec.retry.delay.count() == 1.0);
    CHECK(spec.rate.requests_per_second == 0);
    CHECK(spec.transport.name == "curl_threads");
    CHECK(spec.transport.options == nullptr);
    CHECK(spec.sink.output == "/work/out.csv");
    CHECK(spec.sink.failed_output == "/work/out.csv.failed.tsv");
    CHECK(spec.sink.journal == "/work/out.csv.journal");
    CHECK(spec.sink.checkpoint_every == 200);
    CHECK(spec.sink.checkpoint_interval.count() == 2.0);
    CHECK(spec.sink.checkpoint_min_interval.count() == 0.1);
    CHECK_FALSE(spec.deadline.has_value());
}

TEST_CASE("config - every section is read", "[config]") {
    const job_spec spec = parse(R"(
[job]
deadline = 60
[request]
url = "https://api.example.test/v1/{id}"
timeout = 2.5
connect_timeout = 1
max_body_bytes = 1024
[request.headers]
Accept = "application/json"
[ids]
list = [3, "a-b", 7]
[rate]
requests_per_second = 19.5
burst = 2
[retry]
max_retries = 2
delay = 0.5
backoff = "exponential"
jitter = 0.25
[transport]
plugin = "poco_async"
[transport.poco_async]
max_in_flight = 8
[transport.curl_threads]
threads = 4
[sink]
plugin = "csv_sink"
output = "/abs/out.csv"
reorder_window = 16
checkpoint_min_interval = 0
[plugins]
path = ["plugins", "/opt/fc"]
)");
    CHECK(spec.deadline->count() == 60);
    CHECK(spec.request.timeout.count() == 2.5);
    CHECK(spec.request.max_body_bytes == 1024);
    REQUIRE(spec.request.headers.size() == 1);
    CHECK(spec.request.headers[0].name == "Accept");
    CHECK(spec.ids.list == std::vector<std::string>{"3", "a-b", "7"});
    CHECK(spec.rate.requests_per_second == 19.5);
    CHECK(spec.retry.backoff == backoff_kind::exponential);
    CHECK(spec.transport.name == "poco_async");
    REQUIRE(spec.transport.options != nullptr);
    CHECK(spec.transport.options_key == "transport.poco_async");
    CHECK(spec.sink.output == "/abs/out.csv");
    CHECK(spec.sink.reorder_window == 16);
    CHECK(spec.sink.checkpoint_min_interval.count() == 0);
    CHECK(spec.plugin_path ==
          std::vector<std::filesystem::path>{"/cfg/plugins", "/opt/fc"});
}

TEST_CASE("config - a broken file names the file and the line or key", "[config]") {
    struct broken_case {
        const char *what;
        std::string text;
        const char *expected; // a fragment of the message
    };
    auto with = [](std::string from, const std::string &to) {
        std::string text = minimal;
        const auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        return text.replace(at, from.size(), to);
    };

    const std::vector<broken_case> cases = {
        {"not TOML", "[request\nurl = 1", "job.toml:1:"},
        {"duplicate key", minimal + "[ids]\nfrom = 2\n", "job.toml:"},
        {"unterminated string", with("plugin = \"csv_sink\"", "plugin = \"csv_sink"), "job.toml:"},
        {"no [request]", with("[request]\nurl = \"http://127.0.0.1:8000/item/{id}\"", ""),
         "request"},
        {"no url", with("url = \"http://127.0.0.1:8000/item/{id}\"", ""), "url"},
        {"url without {id}", with("item/{id}", "item/"), "must contain {id}"},
        {"url of another scheme", with("http://127.0.0.1", "ftp://127.0.0.1"), "http://"},
        {"url is a number", with("url = \"http://127.0.0.1:8000/item/{id}\"", "url = 5"),
         "expected a string, saw an integer"},
        {"no ids", with("from = 1\nto = 10", ""), "[ids] from"},
        {"range without to", with("to = 10", ""), "[ids] to"},
        {"range backwards", with("to = 10", "to = 0"), "must not be below from"},
        {"ids from is a string", with("from = 1", "from = \"1\""), "expected an integer"},
        {"range and list", with("to = 10", "to = 10\nlist = [1]"), "only one"},
        {"empty list", with("from = 1\nto = 10", "list = []"), "at least one"},
        {"list of floats", with("from = 1\nto = 10", "list = [1.5]"), "integers or strings"},
        {"unknown key in ids", with("to = 10", "to = 10\nstep = 2"), "[ids] step: unknown key"},
        {"unknown section", minimal + "[retries]\nmax = 1\n", "retries: unknown key"},
        {"negative rate", minimal + "[rate]\nrequests_per_second = -1\n",
         "[rate] requests_per_second"},
        {"rate is text", minimal + "[rate]\nrequests_per_second = \"fast\"\n",
         "expected a number, saw a string"},
        {"zero burst", minimal + "[rate]\nburst = 0\n", "[rate] burst"},
        {"negative retries", minimal + "[retry]\nmax_retries = -1\n", "[retry] max_retries"},
        {"unknown backoff", minimal + "[retry]\nbackoff = \"random\"\n", "\"fixed\" or"},
        {"jitter above 1", minimal + "[retry]\njitter = 1.5\n", "[retry] jitter"},
        {"max_delay below delay", minimal + "[retry]\ndelay = 5\nmax_delay = 1\n",
         "[retry] max_delay"},
        {"typo in retry", minimal + "[retry]\nmax_retry = 3\n", "[retry] max_retry: unknown key"},
        {"negative timeout", with("[ids]", "timeout = -1\n[ids]"), "[request] timeout"},
        {"header with a line break",
         with("[ids]", "[request.headers]\nX-A = \"a\\r\\nInjected: 1\"\n[ids]"),
         "line break"},
        {"header value not a string", with("[ids]", "[request.headers]\nX-A = 1\n[ids]"),
         "[request.headers] X-A"},
        {"no transport", with("[transport]\nplugin = \"curl_threads\"", ""), "transport"},
        {"transport without plugin", with("plugin = \"curl_threads\"", "threads = 3"),
         "[transport] plugin"},
        {"transport plugin not a string", with("plugin = \"curl_threads\"", "plugin = 1"),
         "[transport] plugin"},
        {"unknown transport key", with("plugin = \"curl_threads\"",
                                       "plugin = \"curl_threads\"\nthreads = 3"),
         "[transport] threads: unknown key"},
        {"no sink output", with("output = \"out.csv\"", ""), "[sink] output"},
        {"empty sink output", with("output = \"out.csv\"", "output = \"\""), "[sink] output"},
        {"journal on the output", with("output = \"out.csv\"",
                                       "output = \"out.csv\"\njournal = \"out.csv\""),
         "three different files"},
        {"zero reorder window", with("output = \"out.csv\"",
                                     "output = \"out.csv\"\nreorder_window = 0"),
         "[sink] reorder_window"},
        {"range too large to count",
         with("from = 1\nto = 10", "from = -9223372036854775808\nto = 9223372036854775807"),
         "[ids] to"},
        {"negative checkpoint gap", with("output = \"out.csv\"",
                                         "output = \"out.csv\"\ncheckpoint_min_interval = -1"),
         "[sink] checkpoint_min_interval"},
        {"plugin path not an array", minimal + "[plugins]\npath = \"x\"\n", "[plugins] path"},
        {"negative deadline", "[job]\ndeadline = -5\n" + minimal, "[job] deadline"},
        {"section is a value", "ids = 5\n" + minimal, "ids"},
    };

    for (const broken_case &c : cases) {
        INFO("case: " << c.what);
        try {
            parse(c.text);
            FAIL("no error for: " << c.what);
        } catch (const config_error &error) {
            const std::string message = error.what();
            INFO("message: " << message);
            CHECK_THAT(message, Catch::StartsWith("/cfg/job.toml"));
            CHECK_THAT(message, Catch::Contains(c.expected));
            CHECK(message.find('\n') == std::string::npos);
        }
    }
    CHECK(cases.size() >= 25);
}

TEST_CASE("config - errors point at the line of the bad key", "[config]") {
    const std::string text = minimal + "[retry]\nmax_retries = \"five\"\n";
    try {
        parse(text);
        FAIL("expected an error");
    } catch (const config_error &error) {
        // minimal has 11 lines starting with an empty one; [retry] is line 12.
        CHECK_THAT(error.what(), Catch::StartsWith("/cfg/job.toml:13: [retry] max_retries"));
    }
}

TEST_CASE("config - expand_url replaces every {id}", "[config]") {
    CHECK(expand_url("http://h/item/{id}", "42") == "http://h/item/42");
    CHECK(expand_url("http://h/{id}/x/{id}", "7") == "http://h/7/x/7");
}

TEST_CASE("config - --set overrides keys before validation", "[config]") {
    const job_spec spec = parse_job_spec(minimal, "/cfg/job.toml", "/work",
                                         {"rate.requests_per_second=7.5", "sink.output=x.csv",
                                          "retry.backoff=exponential", "job.deadline=30",
                                          "transport.curl_threads.threads=3"});
    CHECK(spec.rate.requests_per_second == 7.5);
    CHECK(spec.sink.output == "/work/x.csv");
    CHECK(spec.retry.backoff == backoff_kind::exponential);
    CHECK(spec.deadline->count() == 30);
    REQUIRE(spec.transport.options != nullptr);

    // One id source replaces another.
    const job_spec from_file =
        parse_job_spec(minimal, "/cfg/job.toml", "/work", {"ids.list=[\"a\", 7]"});
    CHECK(from_file.ids.source == id_spec::kind::list);
    CHECK(from_file.ids.list == std::vector<std::string>{"a", "7"});

    CHECK_THROWS_WITH(parse_job_spec(minimal, "/cfg/job.toml", "/work", {"no-equals-sign"}),
                      Catch::Contains("expected key=value"));
    CHECK_THROWS_WITH(parse_job_spec(minimal, "/cfg/job.toml", "/work", {"rate.burst=0"}),
                      Catch::Contains("[rate] burst"));
    CHECK_THROWS_WITH(
        parse_job_spec(minimal, "/cfg/job.toml", "/work", {"request.url.x=1"}),
        Catch::Contains("not a table"));
}

TEST_CASE("config - header values take ${ENV} and never echo them", "[config]") {
    ::setenv("FETCHCTL_TEST_TOKEN", "s3cret-value", 1);
    const std::string text =
        minimal + "[request.headers]\nAuthorization = \"Bearer ${FETCHCTL_TEST_TOKEN}\"\n";
    // [request.headers] after [sink] is still the request's table in TOML.
    const job_spec spec = parse(text);
    REQUIRE(spec.request.headers.size() == 1);
    CHECK(spec.request.headers[0].value == "Bearer s3cret-value");

    ::unsetenv("FETCHCTL_TEST_TOKEN");
    try {
        parse(text);
        FAIL("expected an error");
    } catch (const config_error &error) {
        CHECK_THAT(error.what(), Catch::Contains("[request.headers] Authorization") &&
                                     Catch::Contains("FETCHCTL_TEST_TOKEN is not set"));
    }
}

TEST_CASE("config - retry_on takes a list of statuses", "[config]") {
    CHECK(parse(minimal + "[retry]\nretry_on = [429, 503]\n").retry.retry_on ==
          std::vector<int>{429, 503});
    CHECK_THROWS_WITH(parse(minimal + "[retry]\nretry_on = [\"503\"]\n"),
                      Catch::Contains("[retry] retry_on"));
    CHECK_THROWS_WITH(parse(minimal + "[retry]\nretry_on = 503\n"),
                      Catch::Contains("[retry] retry_on"));
}
