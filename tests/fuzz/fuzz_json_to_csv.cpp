// Fuzzes JSON-to-CSV flattening: any body is either rejected with a reason
// or turned into one CSV row that an independent RFC 4180 reader parses
// back into exactly the extracted cells.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "csv_reader.hpp"
#include "csv_writer.hpp"
#include "json_record.hpp"

using namespace fetchctl::csv_sink;

namespace {

record_extractor &extractor() {
    static record_extractor instance([] {
        std::vector<column_path> columns;
        for (const char *name : {"order_id", "company", "contact.email", "lines.0.sku", "lines",
                                 "total", "missing"}) {
            column_path column;
            if (!parse_column(name, column).empty())
                std::abort();
            columns.push_back(column);
        }
        return columns;
    }());
    return instance;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string body(reinterpret_cast<const char *>(data), size);
    std::vector<json_cell> cells;
    if (!extractor().extract(body, cells).empty())
        return 0; // rejected, with a reason

    std::vector<csv_field> fields;
    for (const json_cell &cell : cells)
        fields.push_back({cell.text, field_origin::text});
    std::string row;
    append_row(row, fields, csv_options{});

    const auto parsed = fc_test::parse_csv(row);
    if (parsed.size() != 1 || parsed[0].size() != cells.size())
        std::abort();
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (parsed[0][i] != cells[i].text)
            std::abort();
    }
    return 0;
}
