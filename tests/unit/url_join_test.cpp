// Resolving a redirect's Location against the URL that answered.
#include <catch2/catch.hpp>

#include "url_join.hpp"

using fetchctl::join_url;

TEST_CASE("url join - the forms servers send", "[url]") {
    const std::string base = "http://127.0.0.1:8000/item/7?x=1";
    CHECK(join_url(base, "http://other:9/a") == "http://other:9/a");
    CHECK(join_url(base, "//other:9/a") == "http://other:9/a");
    CHECK(join_url(base, "/moved/item/7") == "http://127.0.0.1:8000/moved/item/7");
    CHECK(join_url(base, "8") == "http://127.0.0.1:8000/item/8");
    CHECK(join_url(base, "../v2/item/7") == "http://127.0.0.1:8000/v2/item/7");
    CHECK(join_url(base, "/a/./b/../c?q=2#frag") == "http://127.0.0.1:8000/a/c?q=2");
    CHECK(join_url("https://h/a/b", "c") == "https://h/a/c");
}
