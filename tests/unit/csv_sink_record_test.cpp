// csv_sink_record_test.cpp - JSON column extraction of the CSV sink
// (plugins/csv_sink/json_record.hpp): numbers verbatim, strings unescaped,
// null and missing keys, dotted paths, repeated keys, and rejection of bad
// bodies.
#include <catch2/catch.hpp>

#include "json_record.hpp"

#include <string>
#include <vector>

using namespace fetchctl::csv_sink;

namespace {

std::vector<column_path> columns(const std::vector<std::string> &names) {
    std::vector<column_path> out;
    for (const std::string &name : names) {
        column_path column;
        REQUIRE(parse_column(name, column).empty());
        out.push_back(column);
    }
    return out;
}

// Extracts `names` from `body`; fails the test when the body is rejected.
std::vector<json_cell> cells(const std::vector<std::string> &names,
                             std::string_view body) {
    record_extractor extractor(columns(names));
    std::vector<json_cell> out;
    const std::string problem = extractor.extract(body, out);
    INFO("body: " << body);
    REQUIRE(problem.empty());
    REQUIRE(out.size() == names.size());
    return out;
}

std::string one(std::string_view name, std::string_view body) {
    return cells({std::string(name)}, body).at(0).text;
}

std::string rejection(std::string_view body) {
    record_extractor extractor(columns({"a"}));
    std::vector<json_cell> out;
    return extractor.extract(body, out);
}

} // namespace

TEST_CASE("csv - numbers keep the exact text the server sent",
          "[csv_sink][json]") {
    const auto got = cells(
        {"a", "b", "c", "d", "e", "f", "g", "h"},
        R"({"a":1234.50,"b":1e3,"c":9007199254740993,"d":-0.5,)"
        R"("e":-12,"f":1E+3,"g":123456789012345678901234567890,"h":0})");
    CHECK(got[0].text == "1234.50");
    CHECK(got[1].text == "1e3");
    CHECK(got[2].text == "9007199254740993");
    CHECK(got[3].text == "-0.5");
    CHECK(got[4].text == "-12");
    CHECK(got[5].text == "1E+3");
    CHECK(got[6].text == "123456789012345678901234567890");
    CHECK(got[7].text == "0");
    for (const json_cell &cell : got) {
        CHECK(cell.kind == value_kind::number);
    }
}

TEST_CASE("csv - whitespace around a number is not part of it",
          "[csv_sink][json]") {
    CHECK(one("a", "{ \"a\" : 1.50 \n, \"b\": 2 }") == "1.50");
    CHECK(one("a", "{\"a\":\t7\r\n}") == "7");
}

TEST_CASE("csv - strings are unescaped to UTF-8", "[csv_sink][json]") {
    CHECK(one("s", R"({"s":"a\"b\\c\/d"})") == "a\"b\\c/d");
    CHECK(one("s", R"({"s":"line\nnext\ttab"})") == "line\nnext\ttab");
    CHECK(one("s", R"({"s":"caf\u00e9"})") == "caf\xC3\xA9");
    CHECK(one("s", R"({"s":"\ud83d\ude00"})") == "\xF0\x9F\x98\x80");
    CHECK(one("s", "{\"s\":\"Z\xC3\xBCrich\"}") == "Z\xC3\xBCrich");
    CHECK(one("s", R"({"s":"a\u0000b"})") == std::string("a\0b", 3));
    CHECK(cells({"s"}, R"({"s":"1.50"})")[0].kind == value_kind::string);
}

TEST_CASE("csv - booleans are written as true and false",
          "[csv_sink][json]") {
    const auto got = cells({"t", "f"}, R"({"t":true,"f":false})");
    CHECK(got[0].text == "true");
    CHECK(got[1].text == "false");
    CHECK(got[0].kind == value_kind::boolean);
}

TEST_CASE("csv - null and missing keys are empty cells", "[csv_sink][json]") {
    const auto got = cells({"n", "gone", "x"}, R"({"n":null,"x":"here"})");
    CHECK(got[0].text.empty());
    CHECK(got[0].kind == value_kind::null);
    CHECK(got[1].text.empty());
    CHECK(got[1].kind == value_kind::missing);
    CHECK(got[2].text == "here");
}

TEST_CASE("csv - many missing columns do not disturb the found ones",
          "[csv_sink][json]") {
    const auto got = cells({"m1", "a", "m2.x", "b.c", "m3", "b.c.d", "a"},
                           R"({"a":1,"b":{"c":"deep"},"z":[1,2]})");
    CHECK(got[0].kind == value_kind::missing);
    CHECK(got[1].text == "1");
    CHECK(got[2].kind == value_kind::missing);
    CHECK(got[3].text == "deep");
    CHECK(got[4].kind == value_kind::missing);
    CHECK(got[5].kind == value_kind::missing); // runs into a string
    CHECK(got[6].text == "1");
}

TEST_CASE("csv - nested values appear only when selected",
          "[csv_sink][json]") {
    const std::string body =
        R"({"order_id":7,"contact":{"email":"a@example.com","phone":null},)"
        R"("items":[{"sku":"X-1","qty":2}],"total":"9.90"})";

    const auto flat = cells({"order_id", "total"}, body);
    CHECK(flat[0].text == "7");
    CHECK(flat[1].text == "9.90");

    const auto deep = cells(
        {"contact.email", "contact.phone", "items.0.sku", "items.1.sku"},
        body);
    CHECK(deep[0].text == "a@example.com");
    CHECK(deep[1].kind == value_kind::null);
    CHECK(deep[2].text == "X-1");
    CHECK(deep[3].kind == value_kind::missing);
}

TEST_CASE("csv - a selected object or array is its JSON text as sent",
          "[csv_sink][json]") {
    const std::string body =
        "{\"contact\": {\"email\" : \"a@example.com\", \"n\": 1.50} ,"
        " \"tags\":[ \"x\", 2 ]\n}";
    const auto got = cells({"contact", "tags", "contact.n"}, body);
    CHECK(got[0].text == "{\"email\" : \"a@example.com\", \"n\": 1.50}");
    CHECK(got[0].kind == value_kind::raw);
    CHECK(got[1].text == "[ \"x\", 2 ]");
    CHECK(got[2].text == "1.50");
}

TEST_CASE("csv - keys with slash or tilde are found", "[csv_sink][json]") {
    const auto got = cells({"a/b", "c~d"}, R"({"a/b":1,"c~d":2})");
    CHECK(got[0].text == "1");
    CHECK(got[1].text == "2");
}

TEST_CASE("csv - the first of two equal keys wins", "[csv_sink][json]") {
    CHECK(one("a", R"({"a":1,"a":2})") == "1");
}

TEST_CASE("csv - a repeated key is checked even though the first wins",
          "[csv_sink][json]") {
    // The first "a" fills the cell; the malformed second one must still
    // reject the body.
    CHECK_FALSE(rejection(R"({"a":1,"a":[1,-]})").empty());
    CHECK_FALSE(rejection(R"({"a":"x","a":"\q"})").empty());
    CHECK_FALSE(rejection(R"({"a":{"k":1},"a":01})").empty());

    record_extractor extractor(columns({"b.c"}));
    std::vector<json_cell> out;
    CHECK_FALSE(extractor.extract(R"({"b":{"c":1,"c":tru}})", out).empty());
    CHECK_FALSE(
        extractor.extract(R"({"b":{"c":1},"b":{"c":nul}})", out).empty());
}

TEST_CASE("csv - a path follows the first occurrence of each key",
          "[csv_sink][json]") {
    CHECK(one("b.c", R"({"b":{"c":1},"b":{"c":2}})") == "1");
    CHECK(one("b.c", R"({"b":{"c":1,"c":2}})") == "1");

    // The first "b" decides, even when only a later one holds the path.
    CHECK(cells({"b.c"}, R"({"b":{"x":1},"b":{"c":2}})")[0].kind ==
          value_kind::missing);
    CHECK(cells({"b.c"}, R"({"b":7,"b":{"c":2}})")[0].kind ==
          value_kind::missing);
    CHECK(cells({"b.0"}, R"({"b":[],"b":[5]})")[0].kind ==
          value_kind::missing);

    const auto got = cells({"o", "o.k"}, R"({"o":{"k":1},"o":{"k":2}})");
    CHECK(got[0].text == R"({"k":1})");
    CHECK(got[1].text == "1");
}

TEST_CASE("csv - an array index past the end or malformed is missing",
          "[csv_sink][json]") {
    const std::string body =
        R"({"items":[{"sku":"A"},{"sku":"B"}],"keyed":{"00":"zz","1":"one"}})";
    const auto got =
        cells({"items.1.sku", "items.2.sku", "items.2", "items.00", "items.-",
               "items.sku", "items.18446744073709551616", "keyed.00",
               "keyed.1", "items.0"},
              body);
    CHECK(got[0].text == "B");
    CHECK(got[1].kind == value_kind::missing);
    CHECK(got[2].kind == value_kind::missing);
    CHECK(got[3].kind == value_kind::missing); // a leading zero is no index
    CHECK(got[4].kind == value_kind::missing);
    CHECK(got[5].kind == value_kind::missing);
    CHECK(got[6].kind == value_kind::missing); // does not wrap around to 0
    // In an object, a numeric segment is just a key.
    CHECK(got[7].text == "zz");
    CHECK(got[8].text == "one");
    CHECK(got[9].text == R"({"sku":"A"})");
    CHECK(got[9].kind == value_kind::raw);
}

TEST_CASE("csv - a column can select an object and a value inside it",
          "[csv_sink][json]") {
    const std::string body =
        "{\"contact\" : {\"email\":\"a@example.com\", \"tags\":[\"x\" , 2 ]}"
        " \n, \"after\":true}";
    const auto got = cells({"contact.email", "contact", "contact.tags.1",
                            "contact.tags", "after"},
                           body);
    CHECK(got[0].text == "a@example.com");
    CHECK(got[1].text ==
          "{\"email\":\"a@example.com\", \"tags\":[\"x\" , 2 ]}");
    CHECK(got[1].kind == value_kind::raw);
    CHECK(got[2].text == "2");
    CHECK(got[3].text == "[\"x\" , 2 ]");
    CHECK(got[4].text == "true");

    // The same, with the object as the last value of the body.
    const auto last = cells({"o", "o.k"}, "{\"o\":{\"k\":[1]}\t}");
    CHECK(last[0].text == "{\"k\":[1]}");
    CHECK(last[1].text == "[1]");
}

TEST_CASE("csv - a key is matched whole, as written",
          "[csv_sink][json]") {
    const auto got = cells({"caf\xC3\xA9", "caf\\u00e9", "a", "x\":\"y", "x"},
                           "{\"caf\\u00e9\":1,\"caf\xC3\xA9\":2,\"a\\\"b\":3,"
                           "\"\":4,\"a\":5,\"x\":\"y\"}");
    CHECK(got[0].text == "2");
    CHECK(got[1].text == "1");
    CHECK(got[2].text == "5"); // not the key with an escaped quote
    CHECK(got[3].kind == value_kind::missing);
    CHECK(got[4].text == "y");

    // Neither a prefix ending in a backslash nor a shared first part
    // (longer than eight bytes) makes a match.
    const auto alike = cells({"a\\", "created_at", "created_at_utc"},
                             R"({"a\"b":1,"created_by":2,"created_at":3,)"
                             R"("created_at_ut":4,"created_at_utc":5})");
    CHECK(alike[0].kind == value_kind::missing);
    CHECK(alike[1].text == "3");
    CHECK(alike[2].text == "5");

    // A key no column selects is still checked.
    CHECK_THAT(rejection(R"({"a":1,"b\q":2})"), Catch::Contains("string"));
    CHECK_FALSE(rejection(R"({"a":1,"\ud800x":2})").empty());
    CHECK_FALSE(rejection(R"({"a":1,"n":{"\u12":2}})").empty());
}

TEST_CASE("csv - deep paths are followed, and the depth limit holds",
          "[csv_sink][json]") {
    const auto nested = [](int levels, const std::string &inner) {
        std::string body;
        for (int i = 0; i < levels; ++i) {
            body += "{\"a\":";
        }
        return body + inner +
               std::string(static_cast<std::size_t>(levels), '}');
    };
    std::string path = "a";
    for (int i = 1; i < 300; ++i) {
        path += ".a";
    }

    const auto got = cells({path, path.substr(2)}, nested(300, "\"deep\""));
    CHECK(got[0].text == "deep");
    CHECK(got[1].text == "{\"a\":\"deep\"}");

    // 512 levels, the top-level object included, are allowed; 513 are not.
    const auto arrays = [](int count) {
        return "{\"b\":" + std::string(static_cast<std::size_t>(count), '[') +
               std::string(static_cast<std::size_t>(count), ']') + "}";
    };
    CHECK(rejection(arrays(511)).empty());
    CHECK_THAT(rejection(arrays(512)), Catch::Contains("nested"));
    CHECK(rejection(nested(512, "1")).empty());
    CHECK_THAT(rejection(nested(513, "1")), Catch::Contains("nested"));
}

TEST_CASE("csv - cells start empty for every body", "[csv_sink][json]") {
    record_extractor extractor(columns({"a", "b", "c.d"}));
    std::vector<json_cell> out;
    REQUIRE(extractor.extract(R"({"a":"x","b":"y","c":{"d":1}})", out).empty());
    REQUIRE(extractor.extract(R"({"a":"z","c":{"d":null}})", out).empty());
    CHECK(out[0].text == "z");
    CHECK(out[1].kind == value_kind::missing);
    CHECK(out[1].text.empty());
    CHECK(out[2].kind == value_kind::null);
    CHECK(out[2].text.empty());
}

TEST_CASE("csv - bodies that are not one JSON object are rejected",
          "[csv_sink][json]") {
    CHECK_THAT(rejection("[1,2]"), Catch::Contains("array"));
    CHECK_THAT(rejection("\"text\""), Catch::Contains("string"));
    CHECK_THAT(rejection("42"), Catch::Contains("number"));
    CHECK_THAT(rejection("null"), Catch::Contains("not a JSON object"));

    const char *broken[] = {
        "",
        "   ",
        "<html>",
        "{\"a\":1",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{\"a\":1}{}",
        "{\"a\":1} x",
        "{\"a\":[1,2}",
        "{\"a\":12abc}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":truex}",
        "{\"a\":nul}",
        "{\"a\":\"\\q\"}",
        "{\"a\":\"raw\nnewline\"}",
        "{\"a\":\"\xC3\x28\"}",
        // A malformed value the columns never select is still caught.
        "{\"a\":1,\"unused\":{\"x\":[1,-]}}",
    };
    for (const char *body : broken) {
        INFO("body: " << body);
        CHECK_FALSE(rejection(body).empty());
    }
}

TEST_CASE("csv - whitespace around the object is allowed",
          "[csv_sink][json]") {
    CHECK(one("a", "{\"a\":1}\n") == "1");
    CHECK(one("a", "\r\n\t {\"a\":\"x\"} \r\n") == "x");
    CHECK(cells({"a", "b"}, "{}")[1].kind == value_kind::missing);
}

TEST_CASE("csv - absurdly deep nesting is rejected, not recursed into",
          "[csv_sink][json]") {
    const std::string deep = "{\"a\":1,\"b\":" + std::string(5000, '[') +
                             std::string(5000, ']') + "}";
    CHECK_THAT(rejection(deep), Catch::Contains("nested"));

    const std::string fine = "{\"a\":1,\"b\":" + std::string(100, '[') +
                             std::string(100, ']') + "}";
    CHECK(rejection(fine).empty());
}

TEST_CASE("csv - an extractor recovers after a rejected body",
          "[csv_sink][json]") {
    record_extractor extractor(columns({"a", "b"}));
    std::vector<json_cell> out;
    CHECK_FALSE(extractor.extract("{\"a\":[1,2}", out).empty());
    CHECK_FALSE(extractor.extract("[]", out).empty());
    REQUIRE(extractor.extract(R"({"b":"x","a":2})", out).empty());
    CHECK(out[0].text == "2");
    CHECK(out[1].text == "x");

    // A larger body after a small one regrows the padded buffer.
    const std::string big = "{\"a\":\"" + std::string(100000, 'y') + "\"}";
    REQUIRE(extractor.extract(big, out).empty());
    CHECK(out[0].text.size() == 100000);
}

TEST_CASE("csv - column names must have no empty key", "[csv_sink][json]") {
    column_path column;
    CHECK_FALSE(parse_column("", column).empty());
    CHECK_FALSE(parse_column("a..b", column).empty());
    CHECK_FALSE(parse_column(".a", column).empty());
    CHECK_FALSE(parse_column("a.", column).empty());

    REQUIRE(parse_column("contact.email", column).empty());
    CHECK(column.name == "contact.email");
    CHECK(column.keys == std::vector<std::string>{"contact", "email"});
}

TEST_CASE("csv - the JSON number grammar", "[csv_sink][json]") {
    for (const char *good : {"0", "-0", "1", "10", "1.5", "-1.50", "1e3",
                             "1E-3", "1e+03", "0.0e0"}) {
        INFO(good);
        CHECK(is_json_number(good));
    }
    for (const char *bad : {"", "-", "+1", "01", "1.", ".5", "1e", "1e+",
                            "0x1", "1 ", "NaN", "Infinity", "1.2.3"}) {
        INFO(bad);
        CHECK_FALSE(is_json_number(bad));
    }
}
