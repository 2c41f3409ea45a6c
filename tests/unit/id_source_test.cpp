// Id sources: ranges, lists and files, produced lazily, resumable.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "config_error.hpp"
#include "id_source.hpp"

using namespace fetchctl;

TEST_CASE("ids - a range yields each id once with its sequence", "[ids]") {
    id_spec spec;
    spec.first = -1;
    spec.last = 2;
    id_source ids(spec);
    CHECK(ids.total() == 4);
    std::vector<std::string> seen;
    while (auto item = ids.next()) {
        CHECK(item->sequence == seen.size());
        seen.push_back(item->id);
    }
    CHECK(seen == std::vector<std::string>{"-1", "0", "1", "2"});
    CHECK(ids.exhausted());
}

TEST_CASE("ids - skip_to resumes mid-job", "[ids]") {
    id_spec spec;
    spec.first = 1;
    spec.last = 1000;
    id_source ids(spec);
    ids.skip_to(990);
    auto item = ids.next();
    REQUIRE(item);
    CHECK(item->sequence == 990);
    CHECK(item->id == "991");
}

TEST_CASE("ids - a file takes the first field and skips comments", "[ids]") {
    const std::string path = "ids_source_test_ids.txt";
    {
        std::ofstream out(path);
        out << "# fetchctl failed items: id\tlast_status\treason\n"
               "17\t500\tHTTP 500, no attempts left\n\n  42  \nabc-1,404,x\n";
    }
    id_spec spec;
    spec.source = id_spec::kind::file;
    spec.file = path;
    id_source ids(spec);
    CHECK(ids.total() == 3);
    CHECK(ids.next()->id == "17");
    CHECK(ids.next()->id == "42");
    CHECK(ids.next()->id == "abc-1");
    CHECK_FALSE(ids.next().has_value());
    std::remove(path.c_str());
}

TEST_CASE("ids - a bad id in a file names the file and line", "[ids]") {
    const std::string path = "ids_source_test_bad.txt";
    {
        std::ofstream out(path);
        out << "1\n2\n../etc\n";
    }
    id_spec spec;
    spec.source = id_spec::kind::file;
    spec.file = path;
    CHECK_THROWS_WITH(id_source(spec), Catch::Contains(path + ":3:"));
    std::remove(path.c_str());

    spec.file = "no/such/file.txt";
    CHECK_THROWS_AS(id_source(spec), config_error);
}

TEST_CASE("ids - a byte-order mark is skipped, control bytes are shown escaped", "[ids]") {
    const std::string path = "ids_source_test_bom.txt";
    {
        std::ofstream out(path, std::ios::binary);
        out << "\xEF\xBB\xBF" "1\n2\n";
    }
    id_spec spec;
    spec.source = id_spec::kind::file;
    spec.file = path;
    {
        id_source ids(spec);
        CHECK(ids.total() == 2);
        CHECK(ids.next()->id == "1");
        CHECK(ids.next()->id == "2");
    }
    {
        std::ofstream out(path, std::ios::binary);
        out << "1\n" << std::string("a\0b\x1b[2J", 7) << "\n";
    }
    CHECK_THROWS_WITH(id_source(spec), Catch::Contains(":2: \"a\\x00b\\x1B[2J\" is not a valid id"));
    std::remove(path.c_str());
}

TEST_CASE("ids - only URL-safe ids are accepted", "[ids]") {
    CHECK(is_valid_id("123"));
    CHECK(is_valid_id("a-b_c.d~e"));
    CHECK_FALSE(is_valid_id(""));
    CHECK_FALSE(is_valid_id("a/b"));
    CHECK_FALSE(is_valid_id("a b"));
    CHECK_FALSE(is_valid_id("a?b"));
}
