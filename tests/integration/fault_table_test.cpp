// The fault table. Each row starts orders_server with one fault mode and
// runs the same small job on every transport. The invariant checked for
// every row: each id is either in the CSV exactly once or in the
// failed-items file exactly once (with the expected status), never both,
// and the exit code is 0 exactly when nothing failed.
#include <catch2/catch.hpp>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <map>
#include <set>
#include <sstream>

#include "child_process.hpp"
#include "command_runner.hpp"
#include "csv_reader.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const char *const transports[] = {"curl_threads", "poco_async"};
constexpr int item_count = 12;

struct fault_row {
    std::vector<std::string> server_args;      // on top of a calm server
    std::map<std::string, std::string> failed; // id -> expected last status
    double retry_delay = 0.1;                  // [retry] delay
    int max_retries = 4;                       // [retry] max_retries
    std::string expect_in_log;                 // a fragment, or ""
};

struct job_outcome {
    fc_test::exit_status status = 0;
    std::string log;
    std::map<std::string, fc_test::csv_row> rows; // by order_id
    std::map<std::string, std::string> failed;    // id -> last status
};

int free_port() {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    const int port = probe.address().port();
    probe.close();
    return port;
}

std::string job_file(int port, const std::string &transport, const fault_row &row) {
    std::ostringstream toml;
    toml << "[request]\nurl = \"http://127.0.0.1:" << port << "/item/{id}\"\n"
         << "timeout = 2.0\nconnect_timeout = 1.0\n"
         << "[ids]\nfrom = 1\nto = " << item_count << "\n"
         << "[retry]\nmax_retries = " << row.max_retries << "\ndelay = " << row.retry_delay
         << "\nmax_retry_after = 3\n"
         << "[transport]\nplugin = \"" << transport << "\"\n"
         << "[transport.poco_async]\nmax_in_flight = 8\n"
         << "[sink]\nplugin = \"csv_sink\"\noutput = \"out.csv\"\n"
         << "[sink.csv_sink]\nline_ending = \"lf\"\n";
    return toml.str();
}

job_outcome run_job(int port, const std::string &transport, const fault_row &row) {
    fc_test::scratch_dir dir("fetchctl-fault");
    fc_test::write_file(dir.path() / "job.toml", job_file(port, transport, row));
    const auto result = fc_test::run_command(FETCHCTL_PATH, {"--config", "job.toml"},
                                             dir.path(), std::chrono::minutes(2));
    job_outcome outcome;
    outcome.status = result.status;
    outcome.log = result.output;

    const auto rows = fc_test::parse_csv(fc_test::read_file(dir.path() / "out.csv"));
    REQUIRE_FALSE(rows.empty());
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const bool fresh = outcome.rows.emplace(rows[i].at(0), rows[i]).second;
        INFO("written twice: " << rows[i].at(0));
        CHECK(fresh);
    }

    std::istringstream failed(fc_test::read_file(dir.path() / "out.csv.failed.tsv"));
    std::string line;
    while (std::getline(failed, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        const auto tab = line.find('\t');
        const auto id = line.substr(0, tab);
        const auto status = line.substr(tab + 1, line.find('\t', tab + 1) - tab - 1);
        const bool fresh = outcome.failed.emplace(id, status).second;
        INFO("failed twice: " << id);
        CHECK(fresh);
    }
    return outcome;
}

void check_row(const fault_row &row, const job_outcome &outcome) {
    INFO("log:\n" << outcome.log);
    for (int id = 1; id <= item_count; ++id) {
        const std::string key = std::to_string(id);
        const bool written = outcome.rows.count(key) == 1;
        const bool failed = outcome.failed.count(key) == 1;
        INFO("id " << key);
        CHECK(written != failed); // exactly one terminal state
        if (row.failed.count(key)) {
            CHECK(failed);
            if (failed)
                CHECK(outcome.failed.at(key) == row.failed.at(key));
        } else {
            CHECK(written);
        }
    }
    CHECK(outcome.rows.size() + outcome.failed.size() == item_count);
    CHECK(outcome.status == (row.failed.empty() ? 0 : 1));
    if (!row.expect_in_log.empty())
        CHECK_THAT(outcome.log, Catch::Contains(row.expect_in_log));
}

/// Runs the row on every transport, each against its own fresh server.
std::map<std::string, job_outcome> run_row(const fault_row &row) {
    std::map<std::string, job_outcome> outcomes;
    for (const char *transport : transports) {
        DYNAMIC_SECTION(transport) {
            std::vector<std::string> args = {"--host", "127.0.0.1", "--port", "0", "--rate", "0",
                                             "--failure-rate", "0", "--latency-ms", "0"};
            args.insert(args.end(), row.server_args.begin(), row.server_args.end());
            auto server = fc_test::child_process::start(ORDERS_SERVER_PATH, args);
            outcomes[transport] = run_job(server.port(), transport, row);
            check_row(row, outcomes[transport]);
        }
    }
    return outcomes;
}

fault_row recovers(std::vector<std::string> args, std::string log = "") {
    fault_row row;
    row.server_args = std::move(args);
    row.expect_in_log = std::move(log);
    return row;
}

} // namespace

TEST_CASE("faults - connection reset mid-body is retried", "[faults]") {
    run_row(recovers({"--fault", "reset:ids=2,5:times=2"}, "(attempt 2/5); retrying"));
}

TEST_CASE("faults - body shorter than its Content-Length is retried", "[faults]") {
    run_row(recovers({"--fault", "short-body:ids=3,4:times=1"}, "retrying"));
}

TEST_CASE("faults - a stalled body times out and is retried", "[faults]") {
    run_row(recovers({"--fault", "stall:ids=6:times=1:ms=6000"}, "timed out"));
}

TEST_CASE("faults - a slow drip within the timeout is written", "[faults]") {
    run_row(recovers({"--fault", "drip:ids=1..3:ms=1"}));
}

TEST_CASE("faults - 429 with an HTTP-date Retry-After", "[faults]") {
    run_row(recovers({"--fault", "429-date:ids=2:times=1"}, "as Retry-After asks"));
}

TEST_CASE("faults - 429 without, with garbage or with negative Retry-After backs off",
          "[faults]") {
    run_row(recovers({"--fault", "429-none:ids=2:times=1", "--fault",
                      "429-garbage:ids=3:times=1", "--fault", "429-negative:ids=4:times=1"},
                     "HTTP 429 (attempt 1/5); retrying in 0.")); // 0.1 s, spread
}

TEST_CASE("faults - 429 with a huge Retry-After is capped", "[faults]") {
    const auto outcomes =
        run_row(recovers({"--fault", "429-huge:ids=5:times=1"}, "as Retry-After asks"));
    for (const auto &[transport, outcome] : outcomes) {
        // Capped at max_retry_after (3 s), then spread by up to one more
        // delay because no client rate paces the restart.
        const std::string marker = "HTTP 429 (attempt 1/5); retrying in ";
        const auto at = outcome.log.find(marker);
        REQUIRE(at != std::string::npos);
        const double wait = std::stod(outcome.log.substr(at + marker.size()));
        INFO(transport << ": waited " << wait);
        CHECK(wait >= 3.0);
        CHECK(wait <= 6.0);
    }
}

TEST_CASE("faults - a 503 outage of several seconds is waited out", "[faults]") {
    // The outage answers Retry-After with the seconds left, so one wait
    // carries each item past it.
    run_row(recovers({"--outage", "0:3"}, "HTTP 503"));
}

TEST_CASE("faults - 404 for some ids fails them at once", "[faults]") {
    fault_row row;
    row.server_args = {"--fault", "404:ids=3,7"};
    row.failed = {{"3", "404"}, {"7", "404"}};
    row.expect_in_log = "HTTP 404, not retryable (attempt 1/5); giving up";
    run_row(row);
}

TEST_CASE("faults - redirects are followed", "[faults]") {
    run_row(recovers({"--fault", "redirect-301:ids=1", "--fault", "redirect-302:ids=2",
                      "--fault", "redirect-307:ids=3", "--fault", "redirect-308:ids=4"},
                     "following"));
}

TEST_CASE("faults - gzip bodies are decoded", "[faults]") {
    run_row(recovers({"--fault", "gzip-always:ids=1..6"}));
}

TEST_CASE("faults - chunked and close-delimited bodies", "[faults]") {
    run_row(recovers({"--fault", "chunked:ids=1..6", "--fault", "no-length:ids=7..12"}));
}

TEST_CASE("faults - invalid JSON fails that item with the reason, not the run", "[faults]") {
    fault_row row;
    row.server_args = {"--fault", "invalid-json:ids=4"};
    row.failed = {{"4", "200"}};
    row.expect_in_log = "rejected by sink \"csv_sink\"";
    run_row(row);
}

TEST_CASE("faults - null, missing and extra fields", "[faults]") {
    const auto outcomes =
        run_row(recovers({"--fault", "json-null:ids=1", "--fault", "json-missing:ids=2",
                          "--fault", "json-extra:ids=3"}));
    for (const auto &[transport, outcome] : outcomes) {
        INFO(transport);
        // Columns: order_id,account_id,company,status,currency,subtotal,tax,...
        CHECK(outcome.rows.at("1").at(2).empty()); // company: null
        CHECK(outcome.rows.at("1").at(6).empty()); // tax: null
        CHECK(outcome.rows.at("2").at(3).empty()); // status: missing
        CHECK_FALSE(outcome.rows.at("3").at(2).empty());
    }
}

TEST_CASE("faults - numbers of many shapes are copied verbatim", "[faults]") {
    const auto outcomes = run_row(recovers({"--fault", "json-numbers:ids=1..12"}));
    for (const auto &[transport, outcome] : outcomes) {
        INFO(transport);
        for (const auto &[id, cells] : outcome.rows) {
            const std::string &subtotal = cells.at(5);
            INFO("subtotal " << subtotal);
            const auto point = subtotal.find('.');
            REQUIRE(point != std::string::npos);
            CHECK(subtotal.size() - point == 5); // "1234.5000": trailing zeros kept
        }
    }
}

TEST_CASE("faults - a server not yet listening is waited for", "[faults]") {
    for (const char *transport : transports) {
        DYNAMIC_SECTION(transport) {
            const int port = free_port();
            auto server = fc_test::child_process::spawn(
                ORDERS_SERVER_PATH,
                {"--host", "127.0.0.1", "--port", std::to_string(port), "--rate", "0",
                 "--failure-rate", "0", "--latency-ms", "0", "--listen-delay-ms", "1200"});
            fault_row row;
            row.retry_delay = 0.5;
            row.max_retries = 8;
            row.expect_in_log = "connection failed";
            const auto outcome = run_job(port, transport, row);
            check_row(row, outcome);
        }
    }
}
