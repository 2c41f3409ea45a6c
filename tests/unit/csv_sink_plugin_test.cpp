// csv_sink_plugin_test.cpp - the csv_sink module end to end through its C
// ABI: dlopen() the built csv_sink.so (CSV_SINK_PATH), call
// fc_plugin_entry, and drive create/write/flush/destroy with the in-memory
// test host (tests/support/test_host.hpp), checking the file's bytes.
#include <catch2/catch.hpp>

#include "test_host.hpp"

#include <fetchctl/plugin.h>

#include <dlfcn.h>
#include <stdlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using fetchctl::test::test_host;

#ifndef CSV_SINK_PATH
#error "CSV_SINK_PATH must name the built csv_sink module"
#endif

namespace {

// The module stays loaded for the whole test program: unloading it while a
// test might still hold an instance would be the bug the ABI warns about.
const fc_plugin_v1 &plugin() {
    static const fc_plugin_v1 *descriptor = [] {
        void *library = ::dlopen(CSV_SINK_PATH, RTLD_NOW | RTLD_LOCAL);
        INFO("dlopen: " << (library ? "" : ::dlerror()));
        REQUIRE(library != nullptr);
        void *symbol = ::dlsym(library, FETCHCTL_PLUGIN_ENTRY_SYMBOL);
        REQUIRE(symbol != nullptr);
        const auto entry = reinterpret_cast<fc_plugin_entry_fn>(symbol);
        return entry();
    }();
    REQUIRE(descriptor != nullptr);
    return *descriptor;
}

const fc_sink_v1 &sink() {
    REQUIRE(plugin().sink != nullptr);
    return *plugin().sink;
}

class temp_dir {
public:
    temp_dir() {
        std::string pattern =
            (fs::temp_directory_path() / "csv_sink_plugin.XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir &) = delete;
    temp_dir &operator=(const temp_dir &) = delete;

    std::string file(const std::string &name) const {
        return (path_ / name).string();
    }

private:
    fs::path path_;
};

std::string slurp(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// One sink instance; destroyed (flushing) when the object goes away.
class sink_instance {
public:
    sink_instance(const test_host &host, const std::string &output,
                  const char *checkpoint = nullptr) {
        fc_sink_open_v1 open{};
        open.struct_size = sizeof open;
        open.output = output.c_str();
        open.resume_checkpoint = checkpoint;
        status_ = sink().create(host.host(), &open, &instance_);
    }
    ~sink_instance() { destroy(); }
    sink_instance(const sink_instance &) = delete;
    sink_instance &operator=(const sink_instance &) = delete;

    std::int32_t status() const { return status_; }
    void *get() const { return instance_; }

    std::int32_t write(const std::string &id, const std::string &body) {
        fc_record_v1 record{};
        record.struct_size = sizeof record;
        record.item_id = id.c_str();
        record.body = body.data();
        record.body_size = body.size();
        record.status = 200;
        return write(record);
    }

    // Writes `record` as given, but for its sequence number.
    std::int32_t write(fc_record_v1 record) {
        record.sequence = sequence_++;
        return sink().write(instance_, &record);
    }

    std::string flush() {
        char token[FC_CHECKPOINT_MAX];
        std::fill(std::begin(token), std::end(token), '#');
        REQUIRE(sink().flush(instance_, token) == FC_OK);
        return token;
    }

    void destroy() {
        if (instance_ != nullptr) {
            sink().destroy(instance_);
            instance_ = nullptr;
        }
    }

private:
    void *instance_ = nullptr;
    std::int32_t status_ = FC_ERROR;
    std::uint64_t sequence_ = 0;
};

const char *const header =
    "order_id,account_id,company,status,currency,subtotal,tax,total,"
    "created_at\r\n";

std::string order(int id, const std::string &company,
                  const std::string &total) {
    return "{\"order_id\":" + std::to_string(id) +
           ",\"account_id\":9007199254740993,\"company\":\"" + company +
           "\",\"status\":\"paid\",\"currency\":\"EUR\",\"subtotal\":" +
           total + ",\"tax\":0,\"total\":" + total +
           ",\"created_at\":\"2024-01-02T03:04:05Z\","
           "\"contact\":{\"email\":\"x@example.com\"},\"lines\":[1,2]}";
}

std::string order_row(int id, const std::string &company,
                      const std::string &total) {
    return std::to_string(id) + ",9007199254740993," + company + ",paid,EUR," +
           total + ",0," + total + ",2024-01-02T03:04:05Z\r\n";
}

} // namespace

TEST_CASE("csv - the module describes itself as a sink", "[csv_sink][abi]") {
    const fc_plugin_v1 &descriptor = plugin();
    CHECK(descriptor.struct_size == sizeof(fc_plugin_v1));
    CHECK(descriptor.abi_major == FETCHCTL_ABI_MAJOR);
    CHECK(descriptor.kind == FC_KIND_SINK);
    CHECK(std::string(descriptor.name) == "csv_sink");
    CHECK(descriptor.version != nullptr);
    CHECK(descriptor.description != nullptr);
    CHECK(descriptor.transport == nullptr);
    CHECK(sink().struct_size == sizeof(fc_sink_v1));
}

TEST_CASE("csv - default config writes the reference columns",
          "[csv_sink][abi]") {
    temp_dir dir;
    test_host host;
    const std::string path = dir.file("orders.csv");

    sink_instance out(host, path);
    REQUIRE(out.status() == FC_OK);
    CHECK(host.logged("writing '" + path + "'", FC_LOG_INFO));

    CHECK(out.write("1", order(1, "ACME", "1234.50")) == FC_OK);
    CHECK(out.write("2", order(2, "Z\\u00fcrich, AG", "1e3")) == FC_OK);
    const std::string expected = std::string(header) +
                                 order_row(1, "ACME", "1234.50") +
                                 order_row(2, "\"Z\xC3\xBCrich, AG\"", "1e3");

    CHECK(out.flush() == "bytes=" + std::to_string(expected.size()));
    CHECK(slurp(path) == expected);
    CHECK(host.config_problems().empty());
}

TEST_CASE("csv - every supported key is read and honoured",
          "[csv_sink][abi]") {
    temp_dir dir;
    test_host host;
    host.set_strings("columns", {"id", "note", "contact.email", "lines"});
    host.set_string("line_ending", "lf");
    host.set_bool("formula_guard", true);
    host.set_bool("header", false);
    const std::string path = dir.file("out.csv");

    sink_instance out(host, path);
    REQUIRE(out.status() == FC_OK);
    CHECK(host.unread_keys().empty());

    CHECK(out.write("a", R"j({"id":-5,"note":"=HYPERLINK(\"x\")",)j"
                         R"("contact":{"email":"@me"},"lines":[1, 2]})") ==
          FC_OK);
    CHECK(out.write("b", R"({"id":6,"note":null})") == FC_OK);
    out.destroy();

    CHECK(slurp(path) == "-5,\"'=HYPERLINK(\"\"x\"\")\",'@me,\"[1, 2]\"\n"
                         "6,,,\n");
}

TEST_CASE("csv - provenance columns hold what the host sent",
          "[csv_sink][abi]") {
    temp_dir dir;
    test_host host;
    host.set_strings("columns", {"id"});
    host.set_strings("provenance", {"attempts", "statuses", "waited_ms",
                                    "latency_ms", "transport", "run_id"});
    host.set_string("line_ending", "lf");
    const std::string path = dir.file("out.csv");

    sink_instance out(host, path);
    REQUIRE(out.status() == FC_OK);
    CHECK(host.unread_keys().empty());

    const std::string body1 = R"({"id":1})";
    fc_record_v1 record{};
    record.struct_size = sizeof record;
    record.item_id = "1";
    record.body = body1.data();
    record.body_size = body1.size();
    record.status = 200;
    record.attempts = 3;
    record.latency_ms = 87;
    record.waited_ms = UINT64_MAX;
    record.statuses = "500 429 200";
    record.transport = "curl_threads";
    record.run_id = "20261204T173500Z-a-run-id-longer-than-a-short-string";
    CHECK(out.write(record) == FC_OK);

    // Nothing of the previous record may linger in the next one's cells.
    const std::string body2 = R"({"id":2})";
    record.item_id = "2";
    record.body = body2.data();
    record.body_size = body2.size();
    record.attempts = 1;
    record.latency_ms = 5;
    record.waited_ms = 0;
    record.statuses = nullptr;
    record.transport = "poco_async";
    record.run_id = nullptr;
    CHECK(out.write(record) == FC_OK);

    // A host older than ABI 1.1 sends records that end before provenance.
    const std::string body3 = R"({"id":3})";
    record.struct_size = offsetof(fc_record_v1, attempts);
    record.item_id = "3";
    record.body = body3.data();
    record.body_size = body3.size();
    record.attempts = 9;
    record.transport = "stale";
    CHECK(out.write(record) == FC_OK);
    out.destroy();

    CHECK(slurp(path) ==
          "id,_attempts,_statuses,_waited_ms,_latency_ms,_transport,_run_id\n"
          "1,3,500 429 200,18446744073709551615,87,curl_threads,"
          "20261204T173500Z-a-run-id-longer-than-a-short-string\n"
          "2,1,,0,5,poco_async,\n"
          "3,,,,,,\n");
}

TEST_CASE("csv - resume drops whatever followed the checkpoint",
          "[csv_sink][abi]") {
    temp_dir dir;
    test_host host;
    host.set_strings("columns", {"id", "v"});
    const std::string path = dir.file("out.csv");

    std::string checkpoint;
    {
        sink_instance first(host, path);
        REQUIRE(first.status() == FC_OK);
        CHECK(first.write("1", R"({"id":1,"v":"a"})") == FC_OK);
        CHECK(first.write("2", R"({"id":2,"v":"b"})") == FC_OK);
        checkpoint = first.flush();
        CHECK(checkpoint == "bytes=16");

        // Written after the checkpoint, never acknowledged by a flush.
        CHECK(first.write("3", R"({"id":3,"v":"c"})") == FC_OK);
        CHECK(first.write("4", R"({"id":4,"v":"d"})") == FC_OK);
    }
    // Simulate a crash in the middle of a row as well.
    {
        std::ofstream torn(path, std::ios::binary | std::ios::app);
        torn << "5,\"half a ro";
    }
    REQUIRE(slurp(path).size() > 16);

    host.clear_records();
    sink_instance second(host, path, checkpoint.c_str());
    REQUIRE(second.status() == FC_OK);
    CHECK(host.logged("resuming '" + path + "' at byte 16", FC_LOG_INFO));
    CHECK(second.write("3", R"({"id":3,"v":"c"})") == FC_OK);
    CHECK(second.flush() == "bytes=21");
    second.destroy();

    CHECK(slurp(path) == "id,v\r\n1,a\r\n2,b\r\n3,c\r\n");
}

TEST_CASE("csv - a bad checkpoint fails create", "[csv_sink][abi]") {
    temp_dir dir;
    test_host host;
    const std::string path = dir.file("out.csv");
    {
        sink_instance first(host, path);
        REQUIRE(first.status() == FC_OK);
    }

    for (const char *token : {"bytes=x", "", "bytes=99999999999999999999",
                              "bytes=100000"}) {
        INFO(token);
        host.clear_records();
        sink_instance again(host, path, token);
        CHECK(again.status() == FC_ERROR);
        CHECK(again.get() == nullptr);
        CHECK(host.logged(path, FC_LOG_ERROR));
    }

    // A refused resume leaves the file as the interrupted run left it.
    CHECK(slurp(path) == header);
    host.set_strings("columns", {"order_id", "total"});
    const std::string end = "bytes=" + std::to_string(slurp(path).size());
    sink_instance other_columns(host, path, end.c_str());
    CHECK(other_columns.status() == FC_ERROR);
    CHECK(host.logged("header row", FC_LOG_ERROR));
    CHECK(slurp(path) == header);
}

TEST_CASE("csv - an unwritable output fails create with the path",
          "[csv_sink][abi]") {
    temp_dir dir;
    test_host host;

    const std::string missing = dir.file("no/such/dir/out.csv");
    sink_instance out(host, missing);
    CHECK(out.status() == FC_ERROR);
    CHECK(out.get() == nullptr);
    CHECK(host.logged("'" + missing + "'", FC_LOG_ERROR));
    CHECK(host.logged("No such file or directory", FC_LOG_ERROR));

    host.clear_records();
    sink_instance directory(host, dir.file(""));
    CHECK(directory.status() == FC_ERROR);

    host.clear_records();
    sink_instance nameless(host, "");
    CHECK(nameless.status() == FC_ERROR);
    CHECK(host.logged("no output path", FC_LOG_ERROR));
}

// Bad data is rejected per record where the ABI has the code for it.
#ifdef FC_REJECTED
constexpr std::int32_t bad_data = FC_REJECTED;
#else
constexpr std::int32_t bad_data = FC_ERROR;
#endif

TEST_CASE("csv - a body that is not a JSON object is rejected",
          "[csv_sink][abi]") {
    temp_dir dir;
    test_host host;
    host.set_strings("columns", {"id"});
    const std::string path = dir.file("out.csv");

    sink_instance out(host, path);
    REQUIRE(out.status() == FC_OK);
    CHECK(out.write("1", R"({"id":1})") == FC_OK);
    CHECK(out.write("A-17", "<html>busy</html>") == bad_data);
    CHECK(host.logged("item 'A-17' (sequence 1) was not written",
                      FC_LOG_ERROR));
    CHECK(out.write("B-2", "[1]") == bad_data);
    CHECK(host.logged("item 'B-2'", FC_LOG_ERROR));
    CHECK(host.logs().back().message.find("not a JSON object") !=
          std::string::npos);

    // A rejected body leaves no partial row behind, and the sink goes on.
    CHECK(out.write("3", R"({"id":3})") == FC_OK);
    CHECK(out.flush() == "bytes=10");
    CHECK(slurp(path) == "id\r\n1\r\n3\r\n");
}

TEST_CASE("csv - config values of the wrong type fail create",
          "[csv_sink][abi][config]") {
    temp_dir dir;
    test_host host;
    host.set_array("columns", {std::string("id"), std::int64_t{7}});
    host.set_string("header", "yes");
    host.set_string("line_ending", "lf");

    sink_instance out(host, dir.file("out.csv"));
    CHECK(out.status() == FC_ERROR);
    CHECK(out.get() == nullptr);

    const auto problems = host.config_problems();
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].key == "columns");
    CHECK(problems[1].key == "header");
    // Every key was still read, so none is reported as unknown.
    CHECK(host.unread_keys().empty());
    CHECK_FALSE(fs::exists(dir.file("out.csv")));
}

TEST_CASE("csv - unusable config values go through config_error",
          "[csv_sink][abi][config]") {
    using problem_list = std::vector<test_host::config_problem>;
    const auto only = [](const problem_list &problems, const char *key) {
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].key == key);
        CHECK(problems[0].from_plugin);
        return problems[0].message;
    };
    temp_dir dir;

    SECTION("unknown line ending") {
        test_host host;
        host.set_string("line_ending", "crcr");
        sink_instance out(host, dir.file("out.csv"));
        CHECK(out.status() == FC_ERROR);
        CHECK_THAT(only(host.config_problems(), "line_ending"),
                   Catch::Contains("\"crcr\""));
    }
    SECTION("malformed column path") {
        test_host host;
        host.set_strings("columns", {"id", "contact..email"});
        sink_instance out(host, dir.file("out.csv"));
        CHECK(out.status() == FC_ERROR);
        CHECK_THAT(only(host.config_problems(), "columns"),
                   Catch::Contains("contact..email"));
    }
    SECTION("duplicate column") {
        test_host host;
        host.set_strings("columns", {"id", "total", "id"});
        sink_instance out(host, dir.file("out.csv"));
        CHECK(out.status() == FC_ERROR);
        CHECK_THAT(only(host.config_problems(), "columns"),
                   Catch::Contains("twice"));
    }
    SECTION("columns given as one string") {
        test_host host;
        host.set_string("columns", "id,total");
        sink_instance out(host, dir.file("out.csv"));
        CHECK(out.status() == FC_ERROR);
        REQUIRE(host.config_problems().size() == 1);
        CHECK(host.config_problems()[0].key == "columns");
    }
}

TEST_CASE("csv - a host of another major version is refused",
          "[csv_sink][abi]") {
    temp_dir dir;
    test_host host;
    fc_host_v1 other = *host.host();
    other.abi_major = FETCHCTL_ABI_MAJOR + 1;

    const std::string path = dir.file("out.csv");
    fc_sink_open_v1 open{};
    open.struct_size = sizeof open;
    open.output = path.c_str();
    void *instance = reinterpret_cast<void *>(1);
    CHECK(sink().create(&other, &open, &instance) == FC_ERROR);
    CHECK(instance == nullptr);
    CHECK(sink().create(nullptr, &open, &instance) == FC_ERROR);
}
