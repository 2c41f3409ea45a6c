// csv_sink_writer_test.cpp - RFC 4180 escaping and row assembly of the CSV
// sink (plugins/csv_sink/csv_writer.hpp). Pure string tests; no files.
#include <catch2/catch.hpp>

#include "csv_writer.hpp"

#include <string>
#include <vector>

using namespace fetchctl::csv_sink;

namespace {

std::string field(std::string_view text, bool guard = false) {
    std::string out;
    append_field(out, text, guard);
    return out;
}

std::string row(const std::vector<csv_field> &fields,
                const csv_options &options = {}) {
    std::string out;
    append_row(out, fields, options);
    return out;
}

} // namespace

TEST_CASE("csv - plain fields are written unquoted", "[csv_sink][writer]") {
    CHECK(field("ACME Corp") == "ACME Corp");
    CHECK(field("") == "");
    CHECK(field(" padded ") == " padded ");
    CHECK(field("it's") == "it's");
}

TEST_CASE("csv - comma, quote, CR and LF force quoting",
          "[csv_sink][writer]") {
    CHECK(field("a,b") == "\"a,b\"");
    CHECK(field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(field("\"") == "\"\"\"\"");
    CHECK(field("line1\nline2") == "\"line1\nline2\"");
    CHECK(field("line1\r\nline2") == "\"line1\r\nline2\"");
    CHECK(field("cr\ronly") == "\"cr\ronly\"");
}

TEST_CASE("csv - no other byte forces quoting", "[csv_sink][writer]") {
    // Each of these shares its low six bits with a comma, quote, CR or LF.
    const std::string lookalikes = "lbMJ\xAC\xA2\x8D\x8A\xEC\xE2\xCD\xCA";
    CHECK_FALSE(needs_quotes(lookalikes));
    CHECK(field(lookalikes) == lookalikes);

    std::string others;
    for (int byte = 0; byte < 256; ++byte) {
        if (byte != ',' && byte != '"' && byte != '\r' && byte != '\n') {
            others += static_cast<char>(byte);
        }
    }
    CHECK_FALSE(needs_quotes(others));
    CHECK(field(others) == others);
}

TEST_CASE("csv - quotes are doubled wherever they fall",
          "[csv_sink][writer]") {
    CHECK(field("\"start") == "\"\"\"start\"");
    CHECK(field("end\"") == "\"end\"\"\"");
    CHECK(field("\"\"") == "\"\"\"\"\"\"");
    CHECK(field("a\"\"b\",\"") == "\"a\"\"\"\"b\"\",\"\"\"");
    CHECK(field("=\"x\"", true) == "\"'=\"\"x\"\"\"");

    std::string out = "kept,";
    append_field(out, "q\"", false);
    CHECK(out == "kept,\"q\"\"\"");
}

TEST_CASE("csv - UTF-8 passes through byte for byte", "[csv_sink][writer]") {
    const std::string text = "Z\xC3\xBCrich \xE2\x80\x94 \xE6\x9D\xB1\xE4\xBA"
                             "\xAC \xF0\x9F\x98\x80";
    CHECK(field(text) == text);
    CHECK(field(text + ",") == "\"" + text + ",\"");
}

TEST_CASE("csv - formula guard prefixes risky text only when enabled",
          "[csv_sink][writer]") {
    CHECK(field("=SUM(A1:A9)") == "=SUM(A1:A9)");
    CHECK(field("=SUM(A1:A9)", true) == "'=SUM(A1:A9)");
    CHECK(field("+1", true) == "'+1");
    CHECK(field("-1", true) == "'-1");
    CHECK(field("@cmd", true) == "'@cmd");
    CHECK(field("\tx", true) == "'\tx");
    CHECK(field("safe=1", true) == "safe=1");
    CHECK(field("", true) == "");

    // The prefix goes inside the quotes.
    CHECK(field("=1,2", true) == "\"'=1,2\"");
    CHECK(field("\rx", true) == "\"'\rx\"");
}

TEST_CASE("csv - rows join with commas and end with the line ending",
          "[csv_sink][writer]") {
    const std::vector<csv_field> fields = {
        {"1", field_origin::literal},
        {"a,b", field_origin::text},
        {"", field_origin::literal},
        {"x", field_origin::text},
    };
    CHECK(row(fields) == "1,\"a,b\",,x\r\n");

    csv_options lf;
    lf.line_ending = "\n";
    CHECK(row(fields, lf) == "1,\"a,b\",,x\n");
}

TEST_CASE("csv - formula guard skips numbers and other literals",
          "[csv_sink][writer]") {
    csv_options options;
    options.formula_guard = true;
    const std::vector<csv_field> fields = {
        {"-12.50", field_origin::literal},
        {"-12.50", field_origin::text},
        {"=1+1", field_origin::text},
    };
    CHECK(row(fields, options) == "-12.50,'-12.50,'=1+1\r\n");
}

TEST_CASE("csv - a row of one empty field is not a blank line",
          "[csv_sink][writer]") {
    CHECK(row({{"", field_origin::literal}}) == "\"\"\r\n");
    CHECK(row({{"", field_origin::literal}, {"", field_origin::literal}}) ==
          ",\r\n");
}

TEST_CASE("csv - header names are escaped but never guarded",
          "[csv_sink][writer]") {
    csv_options options;
    options.formula_guard = true;
    std::string out;
    append_header(out, {"order_id", "-total", "a,b"}, options);
    CHECK(out == "order_id,-total,\"a,b\"\r\n");
}
