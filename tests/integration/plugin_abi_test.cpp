// plugin_abi_test: the host's side of the ABI promise in docs/ABI.md, seen
// through the real fetchctl binary. Fixture plugins (plain C, in
// fixture_plugins/) stand for the plugins a third party might hand us: one
// built against an older minor version, one without the entry symbol, one
// whose shared-library dependency is missing.
//
// Each test owns its scratch folder and, when it runs a job, its own
// orders_server on an ephemeral loopback port, so tests run in parallel.
#include <catch2/catch.hpp>

#include <fetchctl/plugin.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "command_runner.hpp"

namespace fs = std::filesystem;

namespace {

const std::string host_abi =
    std::to_string(FETCHCTL_ABI_MAJOR) + "." + std::to_string(FETCHCTL_ABI_MINOR);

fc_test::child_process start_calm_server() {
    return fc_test::child_process::start(
        ORDERS_SERVER_PATH, {"--host", "127.0.0.1", "--port", "0", "--rate", "0",
                             "--failure-rate", "0", "--latency-ms", "0"});
}

/// A job file for 1..`last` from the server on `port`.
std::string job_file(int port, const std::string &transport, const std::string &sink,
                     int last = 10) {
    return "[request]\nurl = \"http://127.0.0.1:" + std::to_string(port) +
           "/item/{id}\"\ntimeout = 10\n"
           "[ids]\nfrom = 1\nto = " + std::to_string(last) + "\n"
           "[retry]\nmax_retries = 5\ndelay = 0.1\n"
           "[transport]\nplugin = \"" + transport + "\"\n"
           "[sink]\nplugin = \"" + sink + "\"\noutput = \"out.txt\"\n";
}

fc_test::command_result fetchctl(const fs::path &dir, const std::vector<std::string> &args) {
    return fc_test::run_command(FETCHCTL_PATH, args, dir);
}

/// One row of `fetchctl plugins`, and the indented lines under it.
struct listed_plugin {
    std::string kind, name, version, abi, path;
    std::vector<std::string> notes;
};

std::vector<listed_plugin> parse_listing(const std::string &output) {
    std::vector<listed_plugin> rows;
    std::istringstream lines(output);
    std::string line;
    bool header_seen = false;
    while (std::getline(lines, line)) {
        if (line.rfind("KIND", 0) == 0) {
            header_seen = true;
            continue;
        }
        if (!header_seen || line.empty())
            continue;
        if (line[0] == ' ') {
            REQUIRE_FALSE(rows.empty());
            rows.back().notes.push_back(line.substr(line.find_first_not_of(' ')));
            continue;
        }
        listed_plugin row;
        std::istringstream fields(line);
        fields >> row.kind >> row.name >> row.version >> row.abi >> row.path;
        INFO(line);
        REQUIRE_FALSE(row.path.empty());
        rows.push_back(row);
    }
    return rows;
}

const listed_plugin &find_row(const std::vector<listed_plugin> &rows, const std::string &name) {
    for (const listed_plugin &row : rows) {
        if (row.name == name)
            return row;
    }
    FAIL("no row for " << name);
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("abi - a plugin built against an older minor version loads and runs", "[abi]") {
    auto server = start_calm_server();
    fc_test::scratch_dir dir("fetchctl-abi");
    fc_test::write_file(dir.path() / "job.toml",
                        job_file(server.port(), "curl_threads", "old_minor_sink"));

    const auto result =
        fetchctl(dir.path(), {"run", "--config", "job.toml", "--plugin-dir", FIXTURE_PLUGIN_DIR});
    INFO(result.output);
    CHECK(result.status == 0);
    CHECK(fc_test::read_file(dir.path() / "out.txt") == "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");

    const auto listing = fetchctl(dir.path(), {"plugins", "--plugin-dir", FIXTURE_PLUGIN_DIR});
    const auto rows = parse_listing(listing.output);
    const listed_plugin &row = find_row(rows, "old_minor_sink");
    CHECK(row.kind == "sink");
    CHECK(row.abi == "1.0");
    CHECK(row.notes.empty());
}

TEST_CASE("abi - a library without the entry symbol is refused, naming the symbol", "[abi]") {
    auto server = start_calm_server();
    fc_test::scratch_dir dir("fetchctl-abi");
    fc_test::write_file(dir.path() / "job.toml",
                        job_file(server.port(), "curl_threads", "no_entry_symbol"));

    const auto result = fetchctl(
        dir.path(), {"validate", "--config", "job.toml", "--plugin-dir", FIXTURE_PLUGIN_DIR});
    INFO(result.output);
    CHECK(result.status == 2);
    CHECK_THAT(result.output, Catch::Contains("sink plugin \"no_entry_symbol\""));
    CHECK_THAT(result.output,
               Catch::Contains("not a fetchctl plugin: no fc_plugin_entry() symbol"));
    CHECK_FALSE(fs::exists(dir.path() / "out.txt"));
}

TEST_CASE("abi - a library whose dependency is missing is refused with the loader's reason",
          "[abi]") {
    auto server = start_calm_server();
    fc_test::scratch_dir dir("fetchctl-abi");
    fc_test::write_file(dir.path() / "job.toml",
                        job_file(server.port(), "needs_missing_lib", "csv_sink"));

    const auto result = fetchctl(
        dir.path(), {"validate", "--config", "job.toml", "--plugin-dir", FIXTURE_PLUGIN_DIR});
    INFO(result.output);
    CHECK(result.status == 2);
    CHECK_THAT(result.output, Catch::Contains("transport plugin \"needs_missing_lib\""));
    // The dlerror() text, which names the library the loader could not find.
    CHECK_THAT(result.output,
               Catch::Contains("cannot load: libfc_abi_fixture_dep.so: cannot open shared "
                               "object file: No such file or directory"));
    CHECK_FALSE(fs::exists(dir.path() / "out.txt"));
}

TEST_CASE("abi - a library cut short is refused, not loaded into a crash", "[abi]") {
    // A half-copied .so: dlopen() would map pages past its end and the
    // process would die of SIGBUS on first touch.
    auto server = start_calm_server();
    fc_test::scratch_dir dir("fetchctl-abi");
    const fs::path plugins = dir.path() / "plugins";
    fs::create_directories(plugins);
    const std::string whole =
        fc_test::read_file(fs::path(BUNDLED_PLUGIN_DIR) / "csv_sink.so");
    REQUIRE(whole.size() > 5000);
    fc_test::write_file(plugins / "cut_sink.so", whole.substr(0, 5000));
    fc_test::write_file(dir.path() / "job.toml",
                        job_file(server.port(), "curl_threads", "cut_sink"));

    const auto listing = fetchctl(dir.path(), {"plugins", "--plugin-dir", plugins.string()});
    INFO(listing.output);
    CHECK(listing.status == 0);
    CHECK_THAT(listing.output, Catch::Contains("cut short"));

    const auto result =
        fetchctl(dir.path(), {"validate", "--config", "job.toml", "--plugin-dir", plugins.string()});
    INFO(result.output);
    CHECK(result.status == 2);
    CHECK_THAT(result.output, Catch::Contains("sink plugin \"cut_sink\""));
    CHECK_THAT(result.output, Catch::Contains("the file is 5000 bytes but its ELF headers need"));
}

TEST_CASE("abi - fetchctl plugins shows kind, name, version, ABI and path, and why not",
          "[abi][plugins]") {
    fc_test::scratch_dir dir("fetchctl-abi");
    const auto listing = fetchctl(dir.path(), {"plugins", "--plugin-dir", FIXTURE_PLUGIN_DIR});
    INFO(listing.output);
    CHECK(listing.status == 0);
    const auto rows = parse_listing(listing.output);

    SECTION("bundled plugins, from the folder beside the executable") {
        for (const char *name : {"curl_threads", "csv_sink"}) {
            const listed_plugin &row = find_row(rows, name);
            CHECK(row.kind == (std::string(name) == "csv_sink" ? "sink" : "transport"));
            CHECK(row.version == FETCHCTL_VERSION_TEXT);
            CHECK(row.abi == host_abi);
            CHECK(fs::path(row.path) ==
                  (fs::path(BUNDLED_PLUGIN_DIR) / (std::string(name) + ".so")).lexically_normal());
            CHECK(row.notes.empty());
        }
    }
    SECTION("a usable third-party plugin from --plugin-dir") {
        const listed_plugin &row = find_row(rows, "old_minor_sink");
        CHECK(row.kind == "sink");
        CHECK(row.version == "0.0.1");
        CHECK(row.abi == "1.0");
        CHECK(fs::path(row.path) == fs::path(FIXTURE_PLUGIN_DIR) / "old_minor_sink.so");
    }
    SECTION("broken libraries are marked, with the reason") {
        const listed_plugin &missing = find_row(rows, "needs_missing_lib");
        CHECK(missing.kind == "BROKEN");
        REQUIRE(missing.notes.size() == 1);
        CHECK_THAT(missing.notes[0],
                   Catch::StartsWith("cannot be used: cannot load:") &&
                       Catch::Contains("libfc_abi_fixture_dep.so: cannot open shared object"));

        const listed_plugin &no_entry = find_row(rows, "no_entry_symbol");
        CHECK(no_entry.kind == "BROKEN");
        REQUIRE(no_entry.notes.size() == 1);
        CHECK_THAT(no_entry.notes[0], Catch::Contains("no fc_plugin_entry() symbol"));
    }
}

TEST_CASE("abi - a plugin hidden by a same-named one earlier in the path is marked unused",
          "[abi][plugins]") {
    fc_test::scratch_dir dir("fetchctl-abi");
    const fs::path first = dir.path() / "first";
    fs::create_directories(first);
    fs::copy_file(fs::path(FIXTURE_PLUGIN_DIR) / "old_minor_sink.so", first / "old_minor_sink.so");

    const auto listing = fetchctl(dir.path(), {"plugins", "--plugin-dir", first.string(),
                                               "--plugin-dir", FIXTURE_PLUGIN_DIR});
    INFO(listing.output);
    std::vector<listed_plugin> copies;
    for (const listed_plugin &row : parse_listing(listing.output)) {
        if (row.name == "old_minor_sink")
            copies.push_back(row);
    }
    REQUIRE(copies.size() == 2);
    CHECK(copies[0].notes.empty());
    REQUIRE(copies[1].notes.size() == 1);
    CHECK_THAT(copies[1].notes[0], Catch::StartsWith("not used: ") &&
                                       Catch::Contains((first / "old_minor_sink.so").string()));
}

TEST_CASE("abi - fetchctl states the plugin ABI it speaks", "[abi]") {
    fc_test::scratch_dir dir("fetchctl-abi");
    const auto result = fetchctl(dir.path(), {"--version"});
    INFO(result.output);
    CHECK(result.status == 0);
    CHECK_THAT(result.output, Catch::Contains("plugin ABI " + host_abi));
    // The header and this file agree that 1.1 is the current minor version.
    CHECK(host_abi == "1.1");
}
