// csv_sink_file_test.cpp - the CSV sink's output file and its C++ core
// (plugins/csv_sink/csv_file.hpp, csv_sink.hpp): checkpoint tokens, create,
// truncate-on-resume, locking and the header check. Each test works in its
// own temporary directory, so CTest may run them in parallel.
#include <catch2/catch.hpp>

#include "csv_file.hpp"
#include "csv_sink.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace fetchctl::csv_sink;
namespace fs = std::filesystem;

namespace {

// A fresh directory under TMPDIR, removed with everything in it.
class temp_dir {
public:
    temp_dir() {
        std::string pattern =
            (fs::temp_directory_path() / "csv_sink_test.XXXXXX").string();
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

void spit(const std::string &path, const std::string &bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

sink_settings settings_for(const std::vector<std::string> &names) {
    sink_settings settings;
    REQUIRE(set_columns(settings, names).empty());
    return settings;
}

} // namespace

TEST_CASE("csv - checkpoint tokens parse strictly", "[csv_sink][file]") {
    CHECK(parse_checkpoint("bytes=0") == 0u);
    CHECK(parse_checkpoint("bytes=1234") == 1234u);
    CHECK(parse_checkpoint("bytes=9223372036854775807") ==
          9223372036854775807u);

    for (const char *bad :
         {"", "bytes=", "bytes", "bytes=-1", "bytes=+1", "bytes= 1",
          "bytes=1 ", "bytes=1x", "Bytes=1", "offset=1", "bytes=0x10",
          "bytes=9223372036854775808", "bytes=99999999999999999999999"}) {
        INFO(bad);
        CHECK_FALSE(parse_checkpoint(bad).has_value());
    }
    CHECK(format_checkpoint(42) == "bytes=42");
    CHECK(parse_checkpoint(format_checkpoint(987654321)) == 987654321u);
}

TEST_CASE("csv - create empties an existing file", "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("out.csv");
    spit(path, "old content\n");

    csv_file file = csv_file::create(path);
    file.append("abc");
    CHECK(file.size() == 3);
    CHECK(file.sync() == 3);
    CHECK(slurp(path) == "abc");
    file.close();
    file.close();
}

TEST_CASE("csv - data past the buffer reaches the file before sync",
          "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("out.csv");
    csv_file file = csv_file::create(path);
    const std::string chunk(1000, 'x');
    for (int i = 0; i < 200; ++i) {
        file.append(chunk);
    }
    CHECK(fs::file_size(path) >= 64 * 1024);
    CHECK(file.sync() == 200000);
    CHECK(fs::file_size(path) == 200000);
}

TEST_CASE("csv - reopen cuts the file back to the checkpoint",
          "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("out.csv");
    spit(path, "kept|torn tail");

    std::uint64_t dropped = 0;
    csv_file file = csv_file::reopen(path, 5, "kept", dropped);
    CHECK(dropped == 9);
    CHECK(file.size() == 5);
    CHECK(slurp(path) == "kept|");
    file.append("new");
    file.close();
    CHECK(slurp(path) == "kept|new");
}

TEST_CASE("csv - reopen refuses a short or missing file",
          "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("out.csv");
    std::uint64_t dropped = 0;

    CHECK_THROWS_WITH(csv_file::reopen(path, 0, "", dropped),
                      Catch::Contains(path) &&
                          Catch::Contains("No such file or directory"));

    spit(path, "12345");
    CHECK_THROWS_WITH(csv_file::reopen(path, 6, "", dropped),
                      Catch::Contains("fewer than"));
    CHECK(slurp(path) == "12345");
}

TEST_CASE("csv - reopen refuses a file with another header",
          "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("out.csv");
    spit(path, "a,b\r\n1,2\r\n");
    std::uint64_t dropped = 0;

    CHECK_THROWS_WITH(csv_file::reopen(path, 5, "a,c\r\n", dropped),
                      Catch::Contains("header"));
    CHECK_THROWS_WITH(csv_file::reopen(path, 5, "a,b\n", dropped),
                      Catch::Contains("header"));
    // A checkpoint inside the header row cannot come from a flush().
    CHECK_THROWS_WITH(csv_file::reopen(path, 3, "a,b\r\n", dropped),
                      Catch::Contains("header"));
    // Refusals change nothing.
    CHECK(slurp(path) == "a,b\r\n1,2\r\n");

    // At offset 0 nothing is kept, so there is no header to compare.
    CHECK_NOTHROW(csv_file::reopen(path, 0, "x\r\n", dropped));
    CHECK(dropped == 10);
}

TEST_CASE("csv - an unwritable path names the path and the cause",
          "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("missing/out.csv");
    CHECK_THROWS_WITH(csv_file::create(path),
                      Catch::Contains("'" + path + "'") &&
                          Catch::Contains("No such file or directory"));

    // A directory is not a regular file (and root may write anywhere, so
    // permissions cannot be relied on here).
    CHECK_THROWS_WITH(csv_file::create(dir.file("")),
                      Catch::Contains("Is a directory") ||
                          Catch::Contains("not a regular file"));
}

TEST_CASE("csv - a second writer of the same file is refused",
          "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("out.csv");
    csv_file first = csv_file::create(path);
    first.append("row\n");
    first.sync();

    CHECK_THROWS_WITH(csv_file::create(path), Catch::Contains("locked"));
    // The refused writer must not have truncated the file.
    CHECK(slurp(path) == "row\n");
}

TEST_CASE("csv - sink writes the header then one row per body",
          "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("out.csv");
    csv_sink sink(settings_for({"id", "name"}), path, nullptr);
    CHECK_FALSE(sink.opened().resumed);

    CHECK(sink.write(R"({"id":1,"name":"a,b"})").empty());
    CHECK_FALSE(sink.write("[]").empty());
    CHECK(sink.write(R"({"id":2})").empty());
    const std::string expected = "id,name\r\n1,\"a,b\"\r\n2,\r\n";
    CHECK(sink.flush() == "bytes=" + std::to_string(expected.size()));
    CHECK(slurp(path) == expected);
}

TEST_CASE("csv - sink resume checks the header of the file",
          "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("out.csv");
    std::string checkpoint;
    {
        csv_sink sink(settings_for({"id", "name"}), path, nullptr);
        REQUIRE(sink.write(R"({"id":1,"name":"x"})").empty());
        checkpoint = sink.flush();
        sink.close();
    }

    const std::string before = slurp(path);
    CHECK_THROWS_WITH(
        csv_sink(settings_for({"id", "total"}), path, checkpoint.c_str()),
        Catch::Contains("header"));
    CHECK(slurp(path) == before);

    sink_settings lf = settings_for({"id", "name"});
    lf.csv.line_ending = "\n";
    CHECK_THROWS_WITH(csv_sink(std::move(lf), path, checkpoint.c_str()),
                      Catch::Contains("header"));

    CHECK_THROWS_WITH(
        csv_sink(settings_for({"id", "name"}), path, "bytes=abc"),
        Catch::Contains("bytes=abc"));

    csv_sink same(settings_for({"id", "name"}), path, checkpoint.c_str());
    CHECK(same.opened().resumed);
    CHECK(same.opened().dropped == 0);
}

TEST_CASE("csv - sink resumed at byte 0 writes the header again",
          "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("out.csv");
    spit(path, "id\r\n1\r\n");

    csv_sink sink(settings_for({"id"}), path, "bytes=0");
    CHECK(sink.opened().dropped == 7);
    CHECK(sink.write(R"({"id":2})").empty());
    sink.close();
    CHECK(slurp(path) == "id\r\n2\r\n");
}

TEST_CASE("csv - sink without a header writes rows only",
          "[csv_sink][file]") {
    temp_dir dir;
    const std::string path = dir.file("out.csv");
    sink_settings settings = settings_for({"id"});
    settings.header = false;
    {
        csv_sink sink(std::move(settings), path, nullptr);
        CHECK(sink.write(R"({"id":"=1"})").empty());
        CHECK(sink.flush() == "bytes=4");
    }
    // The destructor alone closes without flushing; the sync above made
    // the row durable.
    CHECK(slurp(path) == "=1\r\n");
}

TEST_CASE("csv - column lists are checked", "[csv_sink][file]") {
    sink_settings settings;
    CHECK_FALSE(set_columns(settings, {}).empty());
    CHECK_THAT(set_columns(settings, {"a", "b", "a"}),
               Catch::Contains("twice"));
    CHECK_FALSE(set_columns(settings, {"a", "b..c"}).empty());
    CHECK(set_columns(settings, default_columns()).empty());
    CHECK(settings.columns.size() == 9);
}
