// fetchctl end to end: the real binary, the bundled plugins and the mock
// API on an ephemeral loopback port. Each test checks outcomes (rows, exit
// codes, the failed-items file, the journal), never timings.
#include <catch2/catch.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "child_process.hpp"
#include "command_runner.hpp"
#include "csv_reader.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> reference_columns = {
    "order_id", "account_id", "company", "status", "currency",
    "subtotal", "tax", "total", "created_at"};

fc_test::child_process start_server(std::vector<std::string> args) {
    args.insert(args.begin(), {"--host", "127.0.0.1", "--port", "0"});
    return fc_test::child_process::start(ORDERS_SERVER_PATH, args);
}

struct job_options {
    int port = 0;
    std::string ids = "from = 1\nto = 20";
    std::string transport = "curl_threads";
    std::string sink = "csv_sink";
    std::string sink_options;
    double rate = 0;
    int max_retries = 5;
    double delay = 0.2;
    int checkpoint_every = 200;
    std::string extra;
};

std::string job_file(const job_options &o) {
    return "[request]\nurl = \"http://127.0.0.1:" + std::to_string(o.port) +
           "/item/{id}\"\ntimeout = 10\n"
           "[ids]\n" + o.ids + "\n"
           "[rate]\nrequests_per_second = " + std::to_string(o.rate) + "\n"
           "[retry]\nmax_retries = " + std::to_string(o.max_retries) +
           "\ndelay = " + std::to_string(o.delay) + "\n"
           "[transport]\nplugin = \"" + o.transport + "\"\n"
           "[sink]\nplugin = \"" + o.sink + "\"\noutput = \"out.csv\"\n"
           "checkpoint_every = " + std::to_string(o.checkpoint_every) + "\n" +
           (o.sink_options.empty() ? "" : "[sink." + o.sink + "]\n" + o.sink_options + "\n") +
           o.extra;
}

fc_test::command_result run_fetchctl(const fs::path &dir, std::vector<std::string> args) {
    return fc_test::run_command(FETCHCTL_PATH, args, dir);
}

fc_test::command_result run_job(const fc_test::scratch_dir &dir, const job_options &options,
                                std::vector<std::string> extra_args = {}) {
    fc_test::write_file(dir.path() / "job.toml", job_file(options));
    std::vector<std::string> args = {"run", "--config", "job.toml"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return run_fetchctl(dir.path(), args);
}

/// The CSV's data rows keyed by order_id; fails the test on a duplicate.
std::map<std::string, fc_test::csv_row> rows_by_id(const fs::path &csv) {
    const auto rows = fc_test::parse_csv(fc_test::read_file(csv));
    REQUIRE_FALSE(rows.empty());
    CHECK(rows.front() == reference_columns);
    std::map<std::string, fc_test::csv_row> by_id;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        REQUIRE(rows[i].size() == reference_columns.size());
        const bool fresh = by_id.emplace(rows[i][0], rows[i]).second;
        INFO("order_id " << rows[i][0]);
        CHECK(fresh);
    }
    return by_id;
}

std::string http_get(int port, const std::string &path) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream &body = session.receiveResponse(response);
    std::string text;
    Poco::StreamCopier::copyToString(body, text);
    REQUIRE(response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK);
    return text;
}

/// The raw JSON text of a top-level scalar member, as the server sent it.
std::string raw_member(const std::string &body, const std::string &key) {
    const std::string needle = "\"" + key + "\":";
    auto at = body.find(needle);
    REQUIRE(at != std::string::npos);
    at += needle.size();
    while (body[at] == ' ')
        ++at;
    const auto end = body.find_first_of(",}", at);
    return body.substr(at, end - at);
}

/// Checks every row against what a calm server (no faults, no limit, the
/// same seed) answers for the same id: strings decoded, numbers verbatim.
void check_values_match_server(const std::map<std::string, fc_test::csv_row> &rows) {
    auto reference = start_server({"--rate", "0", "--failure-rate", "0", "--latency-ms", "0"});
    for (const auto &[id, row] : rows) {
        const std::string body = http_get(reference.port(), "/item/" + id);
        const auto order = nlohmann::json::parse(body);
        INFO("order " << id << ": " << body);
        CHECK(row[0] == raw_member(body, "order_id"));
        CHECK(row[1] == raw_member(body, "account_id"));
        CHECK(row[2] == order["company"].get<std::string>());
        CHECK(row[3] == order["status"].get<std::string>());
        CHECK(row[4] == order["currency"].get<std::string>());
        CHECK(row[5] == raw_member(body, "subtotal"));
        CHECK(row[6] == raw_member(body, "tax"));
        CHECK(row[7] == raw_member(body, "total"));
        CHECK_FALSE(row[8].empty());
    }
}

std::set<std::string> id_range(int first, int last) {
    std::set<std::string> ids;
    for (int id = first; id <= last; ++id)
        ids.insert(std::to_string(id));
    return ids;
}

template <class Map> std::set<std::string> keys(const Map &map) {
    std::set<std::string> result;
    for (const auto &entry : map)
        result.insert(entry.first);
    return result;
}

/// The failed-items file as id -> last status.
std::map<std::string, std::string> failed_items(const fs::path &file) {
    std::map<std::string, std::string> failed;
    std::istringstream lines(fc_test::read_file(file));
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        const auto tab = line.find('\t');
        const auto tab2 = line.find('\t', tab + 1);
        REQUIRE(tab != std::string::npos);
        REQUIRE(tab2 != std::string::npos);
        failed.emplace(line.substr(0, tab), line.substr(tab + 1, tab2 - tab - 1));
    }
    return failed;
}

std::size_t count_of(const std::string &text, const std::string &needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

std::string fmt_rate(double rate) {
    char text[64];
    std::snprintf(text, sizeof text, "starting at %.2f requests/s", rate);
    return text;
}

} // namespace

TEST_CASE("job - a flaky, rate-limited server: every id once, values as served", "[job]") {
    auto server = start_server({}); // the reference server: 20/s, 10% 500s, 50-150 ms
    fc_test::scratch_dir dir("fetchctl-job");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 40";
    options.rate = 19.5;

    const auto result = run_job(dir, options, {"--summary-json", "summary.json"});
    INFO(result.output);
    CHECK(result.status == 0);
    CHECK_THAT(result.output, Catch::Contains("summary: complete"));
    CHECK_THAT(result.output, Catch::Contains("40 written, 0 failed, of 40"));

    const auto summary = nlohmann::json::parse(fc_test::read_file(dir.path() / "summary.json"));
    CHECK(summary["ending"] == "complete");
    CHECK(summary["items"]["written"] == 40);
    CHECK(summary["items"]["failed"] == 0);
    CHECK(summary["requests"].get<int>() >= 40);
    CHECK(summary["statuses"]["200"] == 40);
    CHECK(summary["retries"]["total"].get<int>() ==
          summary["requests"].get<int>() - 40);
    CHECK(summary["latency_ms"]["p50"].get<double>() >= 50); // the server sleeps 50-150 ms
    CHECK(summary["latency_ms"]["p99"].get<double>() >= summary["latency_ms"]["p50"].get<double>());
    CHECK(summary["transport"] == "curl_threads");

    const auto rows = rows_by_id(dir.path() / "out.csv");
    CHECK(keys(rows) == id_range(1, 40));
    check_values_match_server(rows);

    // Written in id order, so two runs diff cleanly.
    const auto all = fc_test::parse_csv(fc_test::read_file(dir.path() / "out.csv"));
    for (std::size_t i = 1; i < all.size(); ++i)
        CHECK(all[i][0] == std::to_string(i));
    CHECK(failed_items(dir.path() / "out.csv.failed.tsv").empty());
}

TEST_CASE("job - every request failing: each item fails after max_retries", "[job]") {
    auto server = start_server({"--failure-rate", "1.0", "--latency-ms", "0", "--rate", "0"});
    fc_test::scratch_dir dir("fetchctl-job");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 4";
    options.max_retries = 2;
    options.delay = 0.05;

    const auto result = run_job(dir, options);
    INFO(result.output);
    CHECK(result.status == 1);
    CHECK(count_of(result.output, "retrying in") == 4 * 2);
    CHECK(count_of(result.output, "giving up") == 4);
    CHECK_THAT(result.output, Catch::Contains("0 written, 4 failed, of 4"));
    CHECK_THAT(result.output, Catch::Contains("requests   12 "));

    const auto failed = failed_items(dir.path() / "out.csv.failed.tsv");
    CHECK(keys(failed) == id_range(1, 4));
    for (const auto &[id, status] : failed)
        CHECK(status == "500");
    const auto rows = fc_test::parse_csv(fc_test::read_file(dir.path() / "out.csv"));
    CHECK(rows.size() == 1); // the header alone
}

TEST_CASE("job - ids the server does not have fail at once, without retries", "[job]") {
    auto server = start_server({"--max-id", "5", "--failure-rate", "0", "--latency-ms", "0",
                                "--rate", "0"});
    fc_test::scratch_dir dir("fetchctl-job");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 8";

    const auto result = run_job(dir, options);
    INFO(result.output);
    CHECK(result.status == 1);
    CHECK(count_of(result.output, "retrying in") == 0);
    CHECK(count_of(result.output, "HTTP 404, not retryable (attempt 1/6); giving up") == 3);

    CHECK(keys(rows_by_id(dir.path() / "out.csv")) == id_range(1, 5));
    const auto failed = failed_items(dir.path() / "out.csv.failed.tsv");
    CHECK(keys(failed) == id_range(6, 8));

    // The failed-items file is a valid id list for a later run, but not
    // while it is the very file the run rewrites.
    options.ids = "file = \"" + (dir.path() / "out.csv.failed.tsv").string() + "\"";
    const auto own = run_job(dir, options);
    INFO(own.output);
    CHECK(own.status == 2);
    CHECK_THAT(own.output, Catch::Contains("is this job's own output"));
    CHECK(keys(rows_by_id(dir.path() / "out.csv")) == id_range(1, 5)); // untouched

    // A copy works; the retry may not overwrite the first run's rows...
    fs::copy_file(dir.path() / "out.csv.failed.tsv", dir.path() / "retry.tsv");
    options.ids = "file = \"" + (dir.path() / "retry.tsv").string() + "\"";
    const auto refused = run_job(dir, options);
    INFO(refused.output);
    CHECK(refused.status == 2);
    CHECK_THAT(refused.output, Catch::Contains("the output of another job"));
    CHECK(keys(rows_by_id(dir.path() / "out.csv")) == id_range(1, 5));

    // ... so it writes elsewhere.
    const auto again = run_job(dir, options, {"--set", "sink.output=retry.csv"});
    INFO(again.output);
    CHECK_THAT(again.output, Catch::Contains("0 written, 3 failed, of 3"));
    CHECK(keys(rows_by_id(dir.path() / "out.csv")) == id_range(1, 5));
}

TEST_CASE("job - 429s with Retry-After pause everyone and every item still lands", "[job]") {
    auto server = start_server({"--rate", "5", "--failure-rate", "0", "--latency-ms", "0"});
    fc_test::scratch_dir dir("fetchctl-job");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 12";
    options.max_retries = 10;

    const auto result = run_job(dir, options);
    INFO(result.output);
    CHECK(result.status == 0);
    CHECK_THAT(result.output, Catch::Contains("as Retry-After asks"));
    CHECK(keys(rows_by_id(dir.path() / "out.csv")) == id_range(1, 12));

    // With no client rate to pace the restart, the waits are spread past
    // the Retry-After (1 s), not all equal, so the items do not return as
    // one herd.
    std::set<std::string> waits;
    const std::string marker = "retrying in ";
    for (auto at = result.output.find(marker); at != std::string::npos;
         at = result.output.find(marker, at + 1)) {
        const double wait = std::stod(result.output.substr(at + marker.size()));
        CHECK(wait >= 1.0);
        CHECK(wait <= 2.0);
        waits.insert(result.output.substr(at + marker.size(), 4));
    }
    CHECK(waits.size() > 1);
}

TEST_CASE("job - an unknown plugin name lists what is available", "[job][plugins]") {
    fc_test::scratch_dir dir("fetchctl-job");
    job_options options;
    options.port = 9; // never contacted
    options.transport = "nope";
    const auto result = run_job(dir, options);
    INFO(result.output);
    CHECK(result.status == 2);
    CHECK_THAT(result.output, Catch::Contains("job.toml:"));
    CHECK_THAT(result.output, Catch::Contains("no transport plugin named \"nope\""));
    CHECK_THAT(result.output, Catch::Contains("curl_threads"));
    CHECK_FALSE(fs::exists(dir.path() / "out.csv"));
}

TEST_CASE("job - a plugin built for another ABI major version is refused", "[job][plugins]") {
    fc_test::scratch_dir dir("fetchctl-job");
    job_options options;
    options.port = 9; // never contacted
    options.transport = "wrong_abi_transport";
    const auto result = run_job(dir, options, {"--plugin-dir", FIXTURE_PLUGIN_DIR});
    INFO(result.output);
    CHECK(result.status == 2);
    CHECK_THAT(result.output, Catch::Contains("built for plugin ABI 2.0"));
    CHECK_THAT(result.output, Catch::Contains("speaks 1."));
    CHECK_FALSE(fs::exists(dir.path() / "out.csv"));

    const auto listing = run_fetchctl(dir.path(), {"plugins", "--plugin-dir", FIXTURE_PLUGIN_DIR});
    CHECK_THAT(listing.output, Catch::Contains("BROKEN") && Catch::Contains("wrong_abi_transport"));
    CHECK_THAT(listing.output, Catch::Contains("curl_threads"));
}

std::size_t count_lines_starting(const std::string &text, const std::string &prefix) {
    std::size_t count = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        count += line.rfind(prefix, 0) == 0 ? 1 : 0;
    return count;
}

TEST_CASE("job - checkpoint_min_interval spaces count-triggered checkpoints", "[job]") {
    auto server = start_server({"--failure-rate", "0", "--latency-ms", "0", "--rate", "0"});
    fc_test::scratch_dir dir("fetchctl-job");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 200";
    options.checkpoint_every = 1;

    SECTION("0: a checkpoint after every item") {
        const auto result = run_job(dir, options, {"--set", "sink.checkpoint_min_interval=0"});
        INFO(result.output);
        REQUIRE(result.status == 0);
        const std::string journal = fc_test::read_file(dir.path() / "out.csv.journal");
        CHECK(count_lines_starting(journal, "checkpoint ") == 200);
        CHECK(count_lines_starting(journal, "complete ") == 1);
    }
    SECTION("an hour: the count never triggers one, the end still does") {
        const auto result =
            run_job(dir, options,
                    {"--set", "sink.checkpoint_min_interval=3600", "--set",
                     "sink.checkpoint_interval=3600"});
        INFO(result.output);
        REQUIRE(result.status == 0);
        const std::string journal = fc_test::read_file(dir.path() / "out.csv.journal");
        CHECK(count_lines_starting(journal, "checkpoint ") == 0);
        CHECK(count_lines_starting(journal, "complete ") == 1);
        CHECK_THAT(journal, Catch::Contains(" written=200 failed=0 "));
        CHECK(rows_by_id(dir.path() / "out.csv").size() == 200);
    }
}

TEST_CASE("job - the files a run writes never replace its inputs or each other", "[job]") {
    auto server = start_server({"--failure-rate", "0", "--latency-ms", "0", "--rate", "0"});
    fc_test::scratch_dir dir("fetchctl-job");
    job_options options;
    options.port = server.port();
    fc_test::write_file(dir.path() / "job.toml", job_file(options));
    const std::string config_before = fc_test::read_file(dir.path() / "job.toml");
    fc_test::write_file(dir.path() / "notes.txt", "someone's notes\n");

    struct refused_case {
        const char *name;
        std::vector<std::string> args;
        const char *message;
    };
    const refused_case cases[] = {
        {"summary over the output", {"--summary-json", "out.csv"}, "that is [sink] output"},
        {"summary over the config", {"--summary-json", "job.toml"}, "that is the config file"},
        {"recording over the journal", {"--record", "out.csv.journal"}, "that is [sink] journal"},
        {"recording over the summary", {"--summary-json", "s.json", "--record", "s.json"},
         "that is --summary-json"},
        {"failed items over a foreign file", {"--set", "sink.failed_output=\"notes.txt\""},
         "not a fetchctl failed-items file"},
        {"state file over a foreign file",
         {"--set", "rate.adaptive=true", "--set", "rate.state_file=\"notes.txt\""},
         "is not a fetchctl learned-rates file"},
    };
    for (const refused_case &c : cases) {
        INFO(c.name);
        std::vector<std::string> args = {"--config", "job.toml"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        const auto result = run_fetchctl(dir.path(), args);
        INFO(result.output);
        CHECK(result.status == 2);
        CHECK_THAT(result.output, Catch::Contains(c.message));
        CHECK_FALSE(fs::exists(dir.path() / "out.csv"));
        CHECK_FALSE(fs::exists(dir.path() / "s.json"));
        CHECK(fc_test::read_file(dir.path() / "job.toml") == config_before);
        CHECK(fc_test::read_file(dir.path() / "notes.txt") == "someone's notes\n");
    }
}

TEST_CASE("job - a second run on the same output leaves the first one's journal alone",
          "[job]") {
    auto server = start_server({"--failure-rate", "0", "--latency-ms", "0", "--rate", "0"});
    fc_test::scratch_dir dir("fetchctl-job");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 200";
    options.rate = 50; // about 4 s
    fc_test::write_file(dir.path() / "job.toml", job_file(options));

    fc_test::running_command first(FETCHCTL_PATH, {"--config", "job.toml"}, dir.path(),
                                   dir.path() / "first.log");
    // Wait until the first run has its journal, then start a second one.
    for (int i = 0; i < 100 && !fs::exists(dir.path() / "out.csv.journal"); ++i)
        std::this_thread::sleep_for(20ms);
    std::this_thread::sleep_for(300ms);
    const std::string journal_before = fc_test::read_file(dir.path() / "out.csv.journal");
    REQUIRE_THAT(journal_before, Catch::StartsWith("fetchctl-journal 1 job="));

    const auto second = run_fetchctl(dir.path(), {"--config", "job.toml", "--fresh"});
    INFO(second.output);
    CHECK(second.status != 0);
    CHECK_THAT(second.output, Catch::Contains("in use by another fetchctl run"));
    // Still the first run's journal: it only grows.
    CHECK_THAT(fc_test::read_file(dir.path() / "out.csv.journal"),
               Catch::StartsWith(journal_before));

    const auto status = first.wait_for(60s);
    REQUIRE(status);
    INFO(first.output());
    CHECK(*status == 0);
    CHECK(rows_by_id(dir.path() / "out.csv").size() == 200);
}

TEST_CASE("job - a sink error stops the run without journaling unwritten items", "[job]") {
    auto server = start_server({"--failure-rate", "0", "--latency-ms", "0", "--rate", "0"});
    fc_test::scratch_dir dir("fetchctl-job");
    job_options options;
    options.port = server.port();
    options.sink = "failing_sink";
    options.sink_options = "fail_after = 5";
    options.checkpoint_every = 2;

    // Every second item checkpoints, however fast they come.
    const auto result = run_job(dir, options,
                                {"--plugin-dir", FIXTURE_PLUGIN_DIR, "--set",
                                 "sink.checkpoint_min_interval=0"});
    INFO(result.output);
    CHECK(result.status == 3);
    CHECK_THAT(result.output, Catch::Contains("failed to write item 6"));

    // The journal never claims more than the sink accepted.
    const std::string journal = fc_test::read_file(dir.path() / "out.csv.journal");
    INFO(journal);
    CHECK(journal.find("next=6") == std::string::npos);
    CHECK(journal.find("next=7") == std::string::npos);
    CHECK(journal.find("complete") == std::string::npos);
    // Nor does the summary: it counts what the last checkpoint made
    // durable (items 1-4), not what the sink accepted after it.
    CHECK_THAT(result.output, Catch::Contains("4 written, 0 failed, of 20") &&
                                  Catch::Contains("16 left for the next run"));
}

TEST_CASE("job - bad config exits 2 and writes nothing", "[job][config]") {
    fc_test::scratch_dir dir("fetchctl-job");
    fc_test::write_file(dir.path() / "job.toml", "[request]\nurl = \"http://127.0.0.1:9/{id}\"\n"
                                                 "[ids]\nfrom = 1\nto = \"ten\"\n");
    const auto result = run_fetchctl(dir.path(), {"--config", "job.toml"});
    INFO(result.output);
    CHECK(result.status == 2);
    CHECK_THAT(result.output, Catch::Contains("job.toml:5: [ids] to: expected an integer"));
    CHECK_FALSE(fs::exists(dir.path() / "out.csv"));

    const auto missing = run_fetchctl(dir.path(), {"--config", "missing.toml"});
    CHECK(missing.status == 2);
    CHECK_THAT(missing.output, Catch::Contains("missing.toml: cannot read the config file"));

    job_options options;
    options.port = 9;
    fc_test::write_file(dir.path() / "job.toml",
                        job_file(options) + "[sink.csv_sink]\ncolumn = [\"order_id\"]\n");
    const auto typo = run_fetchctl(dir.path(), {"--config", "job.toml"});
    INFO(typo.output);
    CHECK(typo.status == 2);
    CHECK_THAT(typo.output, Catch::Contains("[sink.csv_sink] column: unknown key"));
    CHECK_FALSE(fs::exists(dir.path() / "out.csv"));
}

TEST_CASE("job - killed at random moments, rerun: every id exactly once", "[job][resume]") {
    auto server = start_server({"--rate", "0", "--failure-rate", "0.1", "--latency-ms", "5:40"});
    fc_test::scratch_dir dir("fetchctl-resume");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 400";
    options.delay = 0.05;
    options.checkpoint_every = 15;
    fc_test::write_file(dir.path() / "job.toml", job_file(options));

    std::mt19937 random(20261204);
    std::uniform_int_distribution<int> pause_ms(50, 600);
    int killed = 0;
    for (int round = 0; round < 8; ++round) {
        fc_test::running_command run(FETCHCTL_PATH, {"--config", "job.toml"}, dir.path(),
                                     dir.path() / "run.log");
        const auto at = std::chrono::milliseconds(pause_ms(random));
        if (run.wait_for(at))
            break; // it finished before the kill; the job is done
        run.send(round % 3 == 2 ? SIGTERM : SIGKILL);
        const auto status = run.wait_for(30s);
        REQUIRE(status);
        INFO("round " << round << " output:\n" << run.output());
        CHECK((*status == -SIGKILL || *status == 130 || *status == 0));
        ++killed;
    }
    CHECK(killed > 0);

    const auto last = run_fetchctl(dir.path(), {"--config", "job.toml"});
    INFO(last.output);
    CHECK(last.status == 0);
    CHECK_THAT(last.output, Catch::Contains("400 written, 0 failed, of 400"));

    const auto all = fc_test::parse_csv(fc_test::read_file(dir.path() / "out.csv"));
    REQUIRE(all.size() == 401);
    CHECK(all[0] == reference_columns);
    for (std::size_t i = 1; i < all.size(); ++i)
        REQUIRE(all[i][0] == std::to_string(i));

    // A finished job run again starts over rather than appending.
    const auto again = run_fetchctl(dir.path(), {"--config", "job.toml"});
    CHECK(again.status == 0);
    CHECK(fc_test::parse_csv(fc_test::read_file(dir.path() / "out.csv")).size() == 401);
}

TEST_CASE("job - SIGINT stops cleanly with a summary, and the rerun finishes", "[job][resume]") {
    auto server = start_server({"--rate", "0", "--failure-rate", "0", "--latency-ms", "20"});
    fc_test::scratch_dir dir("fetchctl-sigint");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 300";
    options.rate = 100;
    fc_test::write_file(dir.path() / "job.toml", job_file(options));

    {
        fc_test::running_command run(FETCHCTL_PATH, {"--config", "job.toml"}, dir.path(),
                                     dir.path() / "run.log");
        REQUIRE_FALSE(run.wait_for(1s));
        run.send(SIGINT);
        const auto status = run.wait_for(30s);
        REQUIRE(status);
        INFO(run.output());
        CHECK(*status == 130);
        CHECK_THAT(run.output(), Catch::Contains("summary: interrupted"));
        CHECK_THAT(run.output(), Catch::Contains("left for the next run"));
    }
    const auto rest = run_fetchctl(dir.path(), {"--config", "job.toml"});
    INFO(rest.output);
    CHECK(rest.status == 0);
    CHECK_THAT(rest.output, Catch::Contains("resuming an interrupted run"));
    CHECK(keys(rows_by_id(dir.path() / "out.csv")) == id_range(1, 300));
}

TEST_CASE("job - poco_async writes the same rows as curl_threads", "[job][transports]") {
    auto server = start_server({"--rate", "0", "--failure-rate", "0.1", "--latency-ms", "5:30"});
    std::map<std::string, std::map<std::string, fc_test::csv_row>> by_transport;
    for (const char *transport : {"curl_threads", "poco_async"}) {
        fc_test::scratch_dir dir("fetchctl-transport");
        job_options options;
        options.port = server.port();
        options.ids = "from = 1\nto = 120";
        options.transport = transport;
        options.delay = 0.05;
        const auto result = run_job(dir, options);
        INFO(transport << ":\n" << result.output);
        REQUIRE(result.status == 0);
        auto rows = rows_by_id(dir.path() / "out.csv");
        for (auto &[id, row] : rows)
            row[8].clear(); // created_at is the time of the answer
        by_transport[transport] = rows;
    }
    CHECK(by_transport["curl_threads"].size() == 120);
    CHECK(by_transport["curl_threads"] == by_transport["poco_async"]);
}

TEST_CASE("job - a progress line on a terminal, none when piped", "[job][progress]") {
    auto server = start_server({"--rate", "0", "--failure-rate", "0", "--latency-ms", "20"});
    fc_test::scratch_dir dir("fetchctl-progress");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 60";
    options.rate = 40;
    fc_test::write_file(dir.path() / "job.toml", job_file(options));

    // script(1) gives fetchctl a pseudo-terminal and copies what it draws.
    const auto on_tty = fc_test::run_command(
        "/usr/bin/script",
        {"-qfec", std::string(FETCHCTL_PATH) + " --config job.toml", "tty.log"}, dir.path());
    INFO(on_tty.output);
    CHECK(on_tty.status == 0);
    const std::string drawn = fc_test::read_file(dir.path() / "tty.log");
    CHECK_THAT(drawn, Catch::Contains("/60 done") && Catch::Contains("req/s of 40") &&
                          Catch::Contains("ETA"));

    const auto piped = run_fetchctl(dir.path(), {"--config", "job.toml"});
    CHECK(piped.status == 0);
    CHECK(piped.output.find("/60 done") == std::string::npos);
}

TEST_CASE("job - adaptive pacing learns the server's budget and keeps it", "[job][pacing]") {
    auto server = start_server({"--rate", "10", "--failure-rate", "0", "--latency-ms", "5"});
    fc_test::scratch_dir dir("fetchctl-adaptive");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 100";
    options.rate = 25; // too fast: the server allows 10/s
    fc_test::write_file(dir.path() / "job.toml", job_file(options));
    const auto result = run_fetchctl(
        dir.path(), {"--config", "job.toml", "--set", "rate.adaptive=true", "--set",
                     "rate.state_file=rates.toml"});
    INFO(result.output);
    CHECK(result.status == 0);
    CHECK_THAT(result.output, Catch::Contains("learned from a 429"));
    CHECK(keys(rows_by_id(dir.path() / "out.csv")) == id_range(1, 100));

    const std::string kept = fc_test::read_file(dir.path() / "rates.toml");
    INFO(kept);
    const auto equals = kept.rfind("= ");
    REQUIRE(equals != std::string::npos);
    const double learned = std::stod(kept.substr(equals + 2));
    CHECK(learned > 7.0);
    CHECK(learned < 10.5);

    // The next run starts from what was learned, not from the config.
    const auto again = run_fetchctl(
        dir.path(), {"--config", "job.toml", "--fresh", "--set", "rate.adaptive=true", "--set",
                     "rate.state_file=rates.toml", "--set", "ids.to=5"});
    CHECK_THAT(again.output, Catch::Contains(fmt_rate(learned)));
}

TEST_CASE("job - provenance columns on request, off by default", "[job][provenance]") {
    auto server = start_server({"--rate", "0", "--failure-rate", "0", "--latency-ms", "0",
                                "--fault", "reset:ids=3:times=1"});
    fc_test::scratch_dir dir("fetchctl-provenance");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 4";
    options.delay = 0.05;
    options.sink_options = "provenance = [\"attempts\", \"statuses\", \"waited_ms\", "
                           "\"transport\", \"run_id\"]";
    const auto result = run_job(dir, options);
    INFO(result.output);
    REQUIRE(result.status == 0);

    const auto rows = fc_test::parse_csv(fc_test::read_file(dir.path() / "out.csv"));
    REQUIRE(rows.size() == 5);
    const std::vector<std::string> extra(rows[0].end() - 5, rows[0].end());
    CHECK(extra == std::vector<std::string>{"_attempts", "_statuses", "_waited_ms", "_transport",
                                            "_run_id"});
    const auto &third = rows[3]; // id 3: reset once, then 200
    CHECK(third[0] == "3");
    CHECK(third[9] == "2");
    CHECK(third[10] == "broken 200");
    CHECK(third[11] == "50");
    CHECK(third[12] == "curl_threads");
    CHECK_THAT(result.output, Catch::Contains("run " + third[13] + ":"));
    CHECK(rows[1][9] == "1");
    CHECK(rows[1][10] == "200");

    options.sink_options.clear();
    const auto plain = run_job(dir, options, {"--fresh"});
    CHECK(fc_test::parse_csv(fc_test::read_file(dir.path() / "out.csv"))[0] == reference_columns);
}

TEST_CASE("job - record a run, replay it offline with other settings", "[job][replay]") {
    fc_test::scratch_dir dir("fetchctl-replay");
    job_options options;
    options.ids = "from = 1\nto = 20";
    options.delay = 0.05;
    {
        auto server = start_server({"--rate", "0", "--failure-rate", "0", "--latency-ms", "0",
                                    "--fault", "404:ids=4", "--fault", "reset:ids=5:times=1",
                                    "--fault", "429-none:ids=6:times=3"});
        options.port = server.port();
        const auto recorded = run_job(dir, options, {"--record", "answers.tsv"});
        INFO(recorded.output);
        CHECK(recorded.status == 1); // id 4 is missing
    }
    const std::string answers = fc_test::read_file(dir.path() / "answers.tsv");
    INFO(answers);
    CHECK_THAT(answers, Catch::Contains("\n5\t1\tbroken\t\t") && Catch::Contains("\n5\t2\t200\t\t"));
    CHECK_THAT(answers, Catch::Contains("\n4\t1\t404\t\t"));
    CHECK_THAT(answers, Catch::Contains("\n6\t3\t429\t\t"));
    const std::string csv_before = fc_test::read_file(dir.path() / "out.csv");

    // The server is gone: the replay needs no network. With fewer retries,
    // id 6 (three 429s recorded) now fails too.
    fc_test::write_file(dir.path() / "job.toml", job_file(options));
    const auto replayed = run_fetchctl(dir.path(), {"--config", "job.toml", "--replay",
                                                    "answers.tsv", "--set",
                                                    "retry.max_retries=2"});
    INFO(replayed.output);
    CHECK(replayed.status == 1);
    CHECK_THAT(replayed.output, Catch::Contains("18 written, 2 failed, of 20"));
    CHECK_THAT(replayed.output, Catch::Contains("item 6: HTTP 429, no attempts left"));
    CHECK(fc_test::read_file(dir.path() / "out.csv") == csv_before); // the real output untouched
}

TEST_CASE("job - the bad-config table: exit 2, one clear message, nothing written",
          "[job][config]") {
    job_options base;
    base.port = 9; // never contacted: every case fails before the first request
    const std::string good = job_file(base);
    auto with = [&](const std::string &from, const std::string &to) {
        std::string text = good;
        const auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        return text.replace(at, from.size(), to);
    };
    struct bad_case {
        const char *what;
        std::string text;
        const char *expected;
    };
    const std::vector<bad_case> cases = {
        {"not TOML", "[request\n", "job.toml:1:"},
        {"empty file", "", "[ids]"},
        {"wrong type", with("timeout = 10", "timeout = \"10\""), "[request] timeout"},
        {"negative rate", with("requests_per_second = 0.000000", "requests_per_second = -3"),
         "[rate] requests_per_second"},
        {"unknown key", good + "[retry.extra]\n", "[retry] extra: unknown key"},
        {"unknown table", good + "[cache]\nsize = 1\n", "cache: unknown key"},
        {"url without {id}", with("/item/{id}", "/item/"), "[request] url"},
        {"missing transport plugin", with("plugin = \"curl_threads\"", "plugin = \"\""),
         "[transport] plugin"},
        {"unknown transport", with("plugin = \"curl_threads\"", "plugin = \"carrier_pigeon\""),
         "no transport plugin named \"carrier_pigeon\""},
        {"a sink named as transport", with("plugin = \"curl_threads\"", "plugin = \"csv_sink\""),
         "is a sink, not a transport"},
        {"unknown sink", with("plugin = \"csv_sink\"", "plugin = \"parquet\""),
         "no sink plugin named \"parquet\""},
        {"output folder missing", with("output = \"out.csv\"", "output = \"no/such/dir/out.csv\""),
         "[sink] output"},
        {"output is a folder", with("output = \"out.csv\"", "output = \".\""), "[sink] output"},
        {"curl threads zero", good + "[transport.curl_threads]\nthreads = 0\n",
         "[transport.curl_threads] threads"},
        {"curl threads text", good + "[transport.curl_threads]\nthreads = \"ten\"\n",
         "[transport.curl_threads] threads"},
        {"curl unknown key", good + "[transport.curl_threads]\nthread = 4\n",
         "[transport.curl_threads] thread: unknown key"},
        {"csv bad line ending", good + "[sink.csv_sink]\nline_ending = \"cr\"\n",
         "[sink.csv_sink] line_ending"},
        {"csv columns not strings", good + "[sink.csv_sink]\ncolumns = [1, 2]\n",
         "[sink.csv_sink] columns"},
        {"csv column twice", good + "[sink.csv_sink]\ncolumns = [\"a\", \"a\"]\n",
         "[sink.csv_sink] columns"},
        {"csv unknown provenance", good + "[sink.csv_sink]\nprovenance = [\"mood\"]\n",
         "[sink.csv_sink] provenance"},
        {"ids file missing", with("from = 1\nto = 20", "file = \"nope.txt\""), "nope.txt"},
        {"id list with a slash", with("from = 1\nto = 20", "list = [\"a/b\"]"), "a/b"},
        {"max_retries huge", with("max_retries = 5", "max_retries = 100000"),
         "[retry] max_retries"},
        {"delay negative", with("delay = 0.200000", "delay = -1"), "[retry] delay"},
        {"header env missing", good + "[request.headers]\nX-Key = \"${FETCHCTL_NO_SUCH_VAR}\"\n",
         "FETCHCTL_NO_SUCH_VAR is not set"},
        {"retry_on out of range", with("max_retries = 5", "max_retries = 5\nretry_on = [42]"),
         "[retry] retry_on"},
        {"journal is the output", with("output = \"out.csv\"",
                                       "output = \"out.csv\"\njournal = \"out.csv\""),
         "three different files"},
        {"deadline as text", good + "[job]\ndeadline = \"soon\"\n", "[job] deadline"},
    };

    for (const bad_case &c : cases) {
        fc_test::scratch_dir dir("fetchctl-badconfig");
        fc_test::write_file(dir.path() / "job.toml", c.text);
        const auto result = run_fetchctl(dir.path(), {"--config", "job.toml"});
        INFO("case: " << c.what << "\n" << result.output);
        CHECK(result.status == 2);
        CHECK_THAT(result.output, Catch::Contains("job.toml") && Catch::Contains(c.expected));
        CHECK(count_of(result.output, " error ") == 1);
        CHECK_FALSE(fs::exists(dir.path() / "out.csv"));
        CHECK_FALSE(fs::exists(dir.path() / "out.csv.journal"));
        CHECK_FALSE(fs::exists(dir.path() / "out.csv.failed.tsv"));
    }
    CHECK(cases.size() >= 25);
}

TEST_CASE("job - a deadline stops the run and leaves the rest for the next", "[job][resume]") {
    auto server = start_server({"--rate", "0", "--failure-rate", "0", "--latency-ms", "50"});
    fc_test::scratch_dir dir("fetchctl-deadline");
    job_options options;
    options.port = server.port();
    options.ids = "from = 1\nto = 100";
    options.rate = 40; // 2.5 s of work
    options.extra = "[job]\ndeadline = 1\n";
    const auto first = run_job(dir, options);
    INFO(first.output);
    CHECK(first.status == 1);
    CHECK_THAT(first.output, Catch::Contains("the run's deadline has passed") &&
                                 Catch::Contains("summary: deadline reached") &&
                                 Catch::Contains("left for the next run"));

    const auto rest = run_fetchctl(dir.path(), {"--config", "job.toml", "--set", "job.deadline=0"});
    INFO(rest.output);
    CHECK(rest.status == 0);
    CHECK(keys(rows_by_id(dir.path() / "out.csv")) == id_range(1, 100));
}

TEST_CASE("job - duplicate and path-like ids are refused before anything runs", "[job][ids]") {
    fc_test::scratch_dir dir("fetchctl-ids");
    job_options options;
    options.port = 9; // never contacted
    options.ids = "list = [1, 2, 1, 3]";
    auto result = run_job(dir, options);
    CHECK(result.status == 2);
    CHECK_THAT(result.output, Catch::Contains("\"1\" is listed twice (positions 1 and 3)"));

    fc_test::write_file(dir.path() / "ids.txt", "5\n6\n\n7\n6\n");
    options.ids = "file = \"ids.txt\"";
    result = run_job(dir, options);
    CHECK(result.status == 2);
    CHECK_THAT(result.output, Catch::Contains("ids.txt:5: \"6\" is listed twice (lines 2 and 5)"));

    options.ids = "list = [\"..\"]";
    result = run_job(dir, options);
    CHECK(result.status == 2);
    CHECK_THAT(result.output, Catch::Contains("\"..\" is not a valid id"));
    CHECK_FALSE(fs::exists(dir.path() / "out.csv"));
}

TEST_CASE("job - a server that is down stops the run early, items left for later",
          "[job][faults]") {
    int closed_port = 0;
    {
        auto server = start_server({});
        closed_port = server.port();
    } // stopped: nothing listens there now
    fc_test::scratch_dir dir("fetchctl-down");
    job_options options;
    options.port = closed_port;
    options.ids = "from = 1\nto = 200";
    options.rate = 50; // 4 s of first attempts: the cut-off at 1 s comes first
    options.delay = 0.3;
    fc_test::write_file(dir.path() / "job.toml", job_file(options));
    const auto result = run_fetchctl(dir.path(), {"--config", "job.toml", "--set",
                                                  "retry.unreachable_after=1"});
    INFO(result.output);
    CHECK(result.status == 3);
    CHECK_THAT(result.output, Catch::Contains("no connection to the server has succeeded") &&
                                  Catch::Contains("stopped: the server is unreachable") &&
                                  Catch::Contains("left for the next run"));
    CHECK(count_of(result.output, "giving up") < 200);
}

TEST_CASE("job - while the server is down, items outlast their retries until the cut-off",
          "[job][faults]") {
    int closed_port = 0;
    {
        auto server = start_server({});
        closed_port = server.port();
    }
    fc_test::scratch_dir dir("fetchctl-down");
    job_options options;
    options.port = closed_port;
    options.ids = "from = 1\nto = 30";
    options.max_retries = 1; // spent in 0.1 s, long before the 2 s cut-off
    options.delay = 0.1;
    fc_test::write_file(dir.path() / "job.toml", job_file(options));
    const auto result = run_fetchctl(dir.path(), {"--config", "job.toml", "--set",
                                                  "retry.unreachable_after=2"});
    INFO(result.output);
    CHECK(result.status == 3);
    CHECK_THAT(result.output, Catch::Contains("0 written, 0 failed, of 30") &&
                                  Catch::Contains("30 left for the next run"));
    CHECK(count_of(result.output, "giving up") == 0);
    CHECK(failed_items(dir.path() / "out.csv.failed.tsv").empty());
}
