// sdk_test: the plugin SDK from a third party's chair. Every test installs
// this build tree into its own scratch prefix, builds what it needs from
// examples/ out of tree against that prefix (find_package(fetchctl), or
// pkg-config), drops the result into the prefix's plugin folder and runs
// the installed fetchctl with the installed orders_server on an ephemeral
// loopback port.
//
// Nothing here reads the build tree except through `cmake --install`, so a
// file the SDK forgets to install fails these tests. The examples are
// built with -Werror on top of -Wall -Wextra -Wpedantic.
#include <catch2/catch.hpp>

#include <fetchctl/plugin.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "command_runner.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string warning_flags = "-Wall -Wextra -Wpedantic -Werror";

/// Runs a command to completion; the test stops, showing its output,
/// unless it exits 0.
fc_test::command_result must_run(const fs::path &program, const std::vector<std::string> &args,
                                 const fs::path &dir) {
    const auto result = fc_test::run_command(program, args, dir, std::chrono::minutes(5));
    std::string line = program.string();
    for (const std::string &arg : args)
        line += " " + arg;
    INFO(line << "\n" << result.output);
    REQUIRE(result.status == 0);
    return result;
}

/// This build tree installed into a fresh scratch prefix, removed with it.
class sdk_prefix {
public:
    sdk_prefix() : scratch_("fetchctl-sdk"), prefix_(scratch_.path() / "prefix") {
        must_run(SDK_CMAKE, {"--install", SDK_BUILD_DIR, "--prefix", prefix_.string()},
                 scratch_.path());
    }

    const fs::path &prefix() const { return prefix_; }
    const fs::path &scratch() const { return scratch_.path(); }
    fs::path fetchctl() const { return prefix_ / "bin" / "fetchctl"; }
    fs::path plugin_dir() const { return prefix_ / SDK_PLUGIN_DIR; }

    /// Configures, builds and installs examples/<name> into the prefix,
    /// as its README tells a plugin author to. `language` is "C" or "CXX".
    void build_example(const std::string &name, const std::string &language) {
        const fs::path build = scratch() / ("build-" + name);
        std::vector<std::string> configure = {
            "-S", (fs::path(SDK_EXAMPLES_DIR) / name).string(),
            "-B", build.string(),
            "-G", SDK_GENERATOR,
            "-DCMAKE_PREFIX_PATH=" + prefix_.string(),
            "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
            "-DCMAKE_" + language + "_COMPILER=" +
                (language == "C" ? SDK_C_COMPILER : SDK_CXX_COMPILER),
            "-DCMAKE_" + language + "_FLAGS=" + warning_flags};
        if (!std::string(SDK_MAKE_PROGRAM).empty())
            configure.push_back("-DCMAKE_MAKE_PROGRAM=" SDK_MAKE_PROGRAM);
        must_run(SDK_CMAKE, configure, scratch());

        // The package came from this prefix, not from some other install.
        const std::string cache = fc_test::read_file(build / "CMakeCache.txt");
        const fs::path package = prefix_ / SDK_LIBDIR / "cmake" / "fetchctl";
        CHECK_THAT(cache, Catch::Contains("fetchctl_DIR:PATH=" + package.string()));

        must_run(SDK_CMAKE, {"--build", build.string()}, scratch());
        must_run(SDK_CMAKE, {"--install", build.string(), "--prefix", prefix_.string()},
                 scratch());
        REQUIRE(fs::is_regular_file(plugin_dir() / (name + ".so")));
    }

private:
    fc_test::scratch_dir scratch_;
    fs::path prefix_;
};

/// orders_server from the prefix: no rate limit, a 500 for about one
/// request in ten, a few milliseconds of latency.
fc_test::child_process start_server(const sdk_prefix &sdk, std::vector<std::string> extra = {},
                                    const std::string &latency = "1:5") {
    std::vector<std::string> args = {"--host", "127.0.0.1", "--port", "0", "--rate", "0",
                                     "--failure-rate", "0.1", "--latency-ms", latency};
    args.insert(args.end(), extra.begin(), extra.end());
    return fc_test::child_process::start((sdk.prefix() / "bin" / "orders_server").string(), args);
}

struct job {
    int port = 0;
    int last_id = 60;
    std::string sink;
    std::string output;
    std::string sink_options;
    int checkpoint_every = 200;
    int rate = 0; // requests per second; 0: no client-side limit
};

/// Ten retries against a 10% failure rate: no id is ever given up.
std::string job_file(const job &j) {
    return "[request]\nurl = \"http://127.0.0.1:" + std::to_string(j.port) +
           "/item/{id}\"\ntimeout = 10\n"
           "[ids]\nfrom = 1\nto = " + std::to_string(j.last_id) + "\n"
           "[rate]\nrequests_per_second = " + std::to_string(j.rate) + "\n"
           "[retry]\nmax_retries = 10\ndelay = 0.05\n"
           "[transport]\nplugin = \"curl_threads\"\n"
           "[sink]\nplugin = \"" + j.sink + "\"\noutput = \"" + j.output + "\"\n"
           "checkpoint_every = " + std::to_string(j.checkpoint_every) + "\n" +
           (j.sink_options.empty() ? "" : "[sink." + j.sink + "]\n" + j.sink_options + "\n");
}

fc_test::command_result run_job(const sdk_prefix &sdk, const job &j) {
    fc_test::write_file(sdk.scratch() / "job.toml", job_file(j));
    return fc_test::run_command(sdk.fetchctl(), {"run", "--config", "job.toml"}, sdk.scratch());
}

std::set<long> id_range(long first, long last) {
    std::set<long> ids;
    for (long id = first; id <= last; ++id)
        ids.insert(id);
    return ids;
}

/// order_id of every line of a JSON Lines file; fails on a bad line or a
/// repeated id.
std::set<long> jsonl_ids(const fs::path &file) {
    const std::string text = fc_test::read_file(file);
    REQUIRE_FALSE(text.empty());
    CHECK(text.back() == '\n');

    std::set<long> ids;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        INFO("line: " << line);
        const auto order = nlohmann::json::parse(line);
        REQUIRE(order.is_object());
        const long id = order.at("order_id").get<long>();
        CHECK(ids.insert(id).second);
    }
    return ids;
}

/// An SQLite database opened for checks (and for tampering between runs),
/// closed with the object.
class database {
public:
    explicit database(const fs::path &file) {
        const int rc = sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
        INFO(file << ": " << sqlite3_errmsg(db_));
        REQUIRE(rc == SQLITE_OK);
    }
    ~database() { sqlite3_close(db_); }
    database(const database &) = delete;
    database &operator=(const database &) = delete;

    /// Every row of a query, each column as text ("" for NULL).
    std::vector<std::vector<std::string>> rows(const std::string &sql) {
        sqlite3_stmt *statement = nullptr;
        INFO(sql);
        REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
        std::vector<std::vector<std::string>> result;
        int rc = SQLITE_ROW;
        while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int i = 0; i < sqlite3_column_count(statement); ++i) {
                const auto *text = sqlite3_column_text(statement, i);
                row.emplace_back(text ? reinterpret_cast<const char *>(text) : "");
            }
            result.push_back(std::move(row));
        }
        sqlite3_finalize(statement);
        REQUIRE(rc == SQLITE_DONE);
        return result;
    }

    void execute(const std::string &sql) {
        INFO(sql << ": " << sqlite3_errmsg(db_));
        REQUIRE(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    }

private:
    sqlite3 *db_ = nullptr;
};

/// The ids in `table`, each checked to hold the server's order for that
/// id; fails on a row whose body does not match its id.
std::multiset<long> sqlite_ids(const fs::path &file, const std::string &table) {
    database db(file);
    std::multiset<long> ids;
    for (const auto &row : db.rows("SELECT id, json_extract(body, '$.order_id'), status, "
                                   "fetched_at FROM \"" + table + "\"")) {
        INFO("row " << row[0]);
        CHECK(row[1] == row[0]);
        CHECK(row[2] == "200");
        CHECK(row[3].size() == 24); // 2026-12-04T16:00:17.473Z
        ids.insert(std::stol(row[0]));
    }
    return ids;
}

/// Runs a 300-id job at 200 requests/s, SIGKILLs fetchctl three times
/// (1.35 s of running in all, too little to finish), then lets a last run
/// resume and finish. The caller checks the output.
void kill_and_finish(const sdk_prefix &sdk, job j) {
    j.last_id = 300;
    j.rate = 200;
    j.checkpoint_every = 15;
    fc_test::write_file(sdk.scratch() / "job.toml", job_file(j));
    for (const auto pause : {300ms, 600ms, 450ms}) {
        fc_test::running_command run(sdk.fetchctl(), {"--config", "job.toml"}, sdk.scratch(),
                                     sdk.scratch() / "run.log");
        const auto ended = run.wait_for(pause);
        INFO("fetchctl ended before the kill:\n" << run.output());
        REQUIRE_FALSE(ended); // 1.35 s at 200/s cannot finish 300 ids
        run.send(SIGKILL);
        REQUIRE(run.wait_for(30s));
    }

    const auto last = fc_test::run_command(sdk.fetchctl(), {"--config", "job.toml"},
                                           sdk.scratch());
    INFO(last.output);
    CHECK(last.status == 0);
    CHECK_THAT(last.output, Catch::Contains("resuming an interrupted run"));
    CHECK_THAT(last.output, Catch::Contains("300 written, 0 failed, of 300"));
}

} // namespace

TEST_CASE("sdk - the install tree holds the SDK and nothing test-only", "[sdk]") {
    sdk_prefix sdk;
    const fs::path &p = sdk.prefix();
    const fs::path libdir = p / SDK_LIBDIR;

    SECTION("the documented layout") {
        for (const fs::path &file :
             {p / "bin" / "fetchctl", p / "bin" / "orders_server",
              sdk.plugin_dir() / "curl_threads.so", sdk.plugin_dir() / "poco_async.so",
              sdk.plugin_dir() / "csv_sink.so", p / "include" / "fetchctl" / "plugin.h",
              libdir / "cmake" / "fetchctl" / "fetchctlConfig.cmake",
              libdir / "cmake" / "fetchctl" / "fetchctlConfigVersion.cmake",
              libdir / "cmake" / "fetchctl" / "FetchctlPlugin.cmake",
              libdir / "pkgconfig" / "fetchctl-plugin.pc"}) {
            INFO(file);
            CHECK(fs::is_regular_file(file));
        }

        // Only the bundled plugins and the one public header.
        std::set<std::string> plugins;
        for (const auto &entry : fs::directory_iterator(sdk.plugin_dir()))
            plugins.insert(entry.path().filename().string());
        CHECK(plugins == std::set<std::string>{"csv_sink.so", "curl_threads.so",
                                               "poco_async.so"});
        std::set<std::string> headers;
        for (const auto &entry : fs::recursive_directory_iterator(p / "include"))
            headers.insert(fs::relative(entry.path(), p / "include").string());
        CHECK(headers == std::set<std::string>{"fetchctl", "fetchctl/plugin.h"});

        // No static library (fetchctl_core, the *_impl helpers) or fixture.
        for (const auto &entry : fs::recursive_directory_iterator(p)) {
            INFO(entry.path());
            CHECK(entry.path().extension() != ".a");
            CHECK(entry.path().filename().string().find("fixture") == std::string::npos);
        }
    }

    SECTION("the installed fetchctl finds its bundled plugins with no setup") {
        const auto listing = must_run(sdk.fetchctl(), {"plugins"}, sdk.scratch());
        INFO(listing.output);
        CHECK(listing.output.find("BROKEN") == std::string::npos);
        for (const char *name : {"curl_threads.so", "poco_async.so", "csv_sink.so"})
            CHECK_THAT(listing.output, Catch::Contains((sdk.plugin_dir() / name).string()));
        const std::string abi = std::to_string(FETCHCTL_ABI_MAJOR) + "." +
                                std::to_string(FETCHCTL_ABI_MINOR);
        CHECK_THAT(listing.output, Catch::Contains(" " + abi + " "));
    }

    SECTION("find_package(fetchctl) takes this release's major version only") {
        const fs::path probe = sdk.scratch() / "probe";
        fs::create_directories(probe);
        fc_test::write_file(
            probe / "CMakeLists.txt",
            "cmake_minimum_required(VERSION 3.23)\nproject(probe NONE)\n"
            "find_package(fetchctl ${WANT} CONFIG)\n"
            "message(STATUS \"probe: found=${fetchctl_FOUND} abi=${fetchctl_ABI_MAJOR}."
            "${fetchctl_ABI_MINOR} plugin_dir=${fetchctl_PLUGIN_DIR}\")\n"
            "if(TARGET fetchctl::plugin_api AND TARGET fetchctl::fetchctl)\n"
            "  get_target_property(inc fetchctl::plugin_api INTERFACE_INCLUDE_DIRECTORIES)\n"
            "  message(STATUS \"probe: include=${inc}\")\n"
            "endif()\n");
        const auto configure = [&](const std::string &want, const std::string &build) {
            return must_run(SDK_CMAKE,
                            {"-S", probe.string(), "-B", (sdk.scratch() / build).string(),
                             "-DWANT=" + want, "-DCMAKE_PREFIX_PATH=" + sdk.prefix().string()},
                            sdk.scratch());
        };

        const auto same = configure(SDK_VERSION, "probe-same");
        CHECK_THAT(same.output, Catch::Contains("probe: found=1 abi=" +
                                                std::to_string(FETCHCTL_ABI_MAJOR) + "." +
                                                std::to_string(FETCHCTL_ABI_MINOR)));
        CHECK_THAT(same.output, Catch::Contains("plugin_dir=" + sdk.plugin_dir().string()));
        CHECK_THAT(same.output, Catch::Contains("include=" + (p / "include").string()));

        const std::string next_major =
            std::to_string(std::stoi(std::string(SDK_VERSION)) + 1) + ".0";
        const auto other = configure(next_major, "probe-other");
        CHECK_THAT(other.output, Catch::Contains("probe: found=0"));
    }

    SECTION("pkg-config alone is enough to build a loadable plugin") {
        const auto has_pkg_config =
            fc_test::run_command("/bin/sh", {"-c", "command -v pkg-config"}, sdk.scratch());
        if (has_pkg_config.status != 0) {
            WARN("pkg-config is not installed; skipped");
            return;
        }

        // The same source as examples/jsonl_sink, built by hand.
        const fs::path out = sdk.scratch() / "by-hand";
        fs::create_directories(out);
        const std::string script =
            "export PKG_CONFIG_PATH=\"" + (libdir / "pkgconfig").string() + "\" && "
            "cc -std=c99 " + warning_flags + " -fPIC -shared -fvisibility=hidden "
            "$(pkg-config --cflags fetchctl-plugin) \"" SDK_EXAMPLES_DIR
            "/jsonl_sink/jsonl_sink.c\" -o \"" + (out / "jsonl_sink.so").string() + "\" && "
            "pkg-config --variable=plugindir fetchctl-plugin && "
            "pkg-config --variable=abi_minor fetchctl-plugin";
        const auto built = must_run("/bin/sh", {"-c", script}, sdk.scratch());
        std::istringstream lines(built.output);
        std::string plugindir, abi_minor;
        std::getline(lines, plugindir);
        std::getline(lines, abi_minor);
        INFO(built.output);
        CHECK(fs::equivalent(plugindir, sdk.plugin_dir()));
        CHECK(abi_minor == std::to_string(FETCHCTL_ABI_MINOR));

        const auto listing =
            must_run(sdk.fetchctl(), {"plugins", "--plugin-dir", out.string()}, sdk.scratch());
        INFO(listing.output);
        CHECK_THAT(listing.output, Catch::Contains((out / "jsonl_sink.so").string()));
        CHECK(listing.output.find("BROKEN") == std::string::npos);
    }
}

TEST_CASE("sdk - jsonl_sink built against the install writes each id exactly once",
          "[sdk][jsonl]") {
    sdk_prefix sdk;
    sdk.build_example("jsonl_sink", "C");
    auto server = start_server(sdk);

    job j;
    j.port = server.port();
    j.sink = "jsonl_sink";
    j.output = "orders.jsonl";
    j.checkpoint_every = 7;
    const auto result = run_job(sdk, j);
    INFO(result.output);
    CHECK(result.status == 0);
    CHECK_THAT(result.output, Catch::Contains("60 written, 0 failed, of 60"));
    CHECK(jsonl_ids(sdk.scratch() / "orders.jsonl") == id_range(1, 60));

    // The plugin the host loaded is the one dropped into the prefix.
    const auto listing = must_run(sdk.fetchctl(), {"plugins"}, sdk.scratch());
    CHECK_THAT(listing.output,
               Catch::Contains((sdk.plugin_dir() / "jsonl_sink.so").string()));
}

TEST_CASE("sdk - jsonl_sink rejects a body that is not one JSON object, and the run goes on",
          "[sdk][jsonl]") {
    sdk_prefix sdk;
    sdk.build_example("jsonl_sink", "C");
    // Ids 4 and 9 answer half an order: bad data, not a failed request.
    auto server = start_server(sdk, {"--fault", "invalid-json:ids=4,9"});

    job j;
    j.port = server.port();
    j.last_id = 12;
    j.sink = "jsonl_sink";
    j.output = "orders.jsonl";
    const auto result = run_job(sdk, j);
    INFO(result.output);
    CHECK(result.status == 1);
    CHECK_THAT(result.output, Catch::Contains("10 written, 2 failed, of 12"));

    std::set<long> expected = id_range(1, 12);
    expected.erase(4);
    expected.erase(9);
    CHECK(jsonl_ids(sdk.scratch() / "orders.jsonl") == expected);

    const std::string failed = fc_test::read_file(sdk.scratch() / "orders.jsonl.failed.tsv");
    INFO(failed);
    for (const char *id : {"4\t", "9\t"})
        CHECK_THAT(failed, Catch::Contains(id) && Catch::Contains("not a JSON object"));

    SECTION("a config value the sink cannot accept is a config error, with its line") {
        j.sink_options = "max_record_bytes = -1";
        fc_test::write_file(sdk.scratch() / "bad.toml", job_file(j));
        const auto refused = fc_test::run_command(
            sdk.fetchctl(), {"validate", "--config", "bad.toml"}, sdk.scratch());
        INFO(refused.output);
        CHECK(refused.status == 2);
        CHECK_THAT(refused.output, Catch::Contains("bad.toml:") &&
                                       Catch::Contains("max_record_bytes") &&
                                       Catch::Contains("must be 0 (no limit)"));
    }
}

TEST_CASE("sdk - jsonl_sink killed mid-run resumes at its byte checkpoint", "[sdk][jsonl]") {
    sdk_prefix sdk;
    sdk.build_example("jsonl_sink", "C");
    auto server = start_server(sdk, {}, "5:40");

    job j;
    j.port = server.port();
    j.sink = "jsonl_sink";
    j.output = "orders.jsonl";
    kill_and_finish(sdk, j);
    CHECK(jsonl_ids(sdk.scratch() / "orders.jsonl") == id_range(1, 300));
}

TEST_CASE("sdk - sqlite_sink upserts by id: one row per id, also after a rerun",
          "[sdk][sqlite]") {
    sdk_prefix sdk;
    sdk.build_example("sqlite_sink", "CXX");
    auto server = start_server(sdk);

    job j;
    j.port = server.port();
    j.sink = "sqlite_sink";
    j.output = "orders.db";
    j.sink_options = "table = \"orders\"";
    j.checkpoint_every = 7;
    const auto first = run_job(sdk, j);
    INFO(first.output);
    CHECK(first.status == 0);
    const auto once = sqlite_ids(sdk.scratch() / "orders.db", "orders");
    CHECK(std::set<long>(once.begin(), once.end()) == id_range(1, 60));
    CHECK(once.size() == 60);

    // Between the runs: a stale body, and a row the job knows nothing of.
    {
        database db(sdk.scratch() / "orders.db");
        db.execute("UPDATE orders SET body = '{\"order_id\": 0}' WHERE id = '7'");
        db.execute("INSERT INTO orders VALUES ('other', '{}', 200, 'then')");
    }

    const auto second = run_job(sdk, j);
    INFO(second.output);
    CHECK(second.status == 0);
    database db(sdk.scratch() / "orders.db");
    CHECK(db.rows("SELECT COUNT(*), COUNT(DISTINCT id) FROM orders") ==
          std::vector<std::vector<std::string>>{{"61", "61"}});
    CHECK(db.rows("SELECT json_extract(body, '$.order_id') FROM orders WHERE id = '7'") ==
          std::vector<std::vector<std::string>>{{"7"}});
    CHECK(db.rows("SELECT body FROM orders WHERE id = 'other'") ==
          std::vector<std::vector<std::string>>{{"{}"}});

    SECTION("a table name that is not a plain identifier is a config error") {
        j.sink_options = "table = \"orders; DROP TABLE orders\"";
        fc_test::write_file(sdk.scratch() / "bad.toml", job_file(j));
        const auto refused = fc_test::run_command(
            sdk.fetchctl(), {"validate", "--config", "bad.toml"}, sdk.scratch());
        INFO(refused.output);
        CHECK(refused.status == 2);
        CHECK_THAT(refused.output, Catch::Contains("bad.toml:") && Catch::Contains("table"));
    }
}

TEST_CASE("sdk - sqlite_sink killed mid-run and rerun holds each id exactly once",
          "[sdk][sqlite]") {
    sdk_prefix sdk;
    sdk.build_example("sqlite_sink", "CXX");
    auto server = start_server(sdk, {}, "5:40");

    job j;
    j.port = server.port();
    j.sink = "sqlite_sink";
    j.output = "orders.db";
    kill_and_finish(sdk, j);
    const auto ids = sqlite_ids(sdk.scratch() / "orders.db", "items");
    CHECK(ids.size() == 300);
    CHECK(std::set<long>(ids.begin(), ids.end()) == id_range(1, 300));
}
