// json_record.hpp - pulls the configured columns out of one JSON body.
//
// record_extractor owns a simdjson On-Demand parser and a padded copy of the
// body it is working on. In one pass it checks that the body is a single
// well-formed JSON object and reads each column as text: strings unescaped,
// numbers as the exact token the server sent, objects and arrays as their
// raw JSON.
// One instance serves one thread at a time (the sink's host thread); the
// header keeps simdjson out so that users compile quickly.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fetchctl::csv_sink {

/// One configured column: its header name and the keys leading to it.
struct column_path {
    /// As configured, e.g. "contact.email"; used as the header name.
    std::string name;
    /// The name split at dots, e.g. {"contact", "email"}. A key that is a
    /// decimal number also indexes into an array ("items.0.sku").
    std::vector<std::string> keys;
};

/// Parses a configured column name into `out`. Returns "" on success, or
/// why the name is unusable (empty, or an empty segment as in "a..b").
/// A key that itself contains a dot cannot be addressed.
std::string parse_column(std::string_view name, column_path &out);

/// What a cell held in the body; all but `string` are written verbatim.
enum class value_kind {
    missing, ///< the key (or a key on its path) is absent: empty cell
    null,    ///< JSON null: empty cell
    string,  ///< unescaped UTF-8 text
    number,  ///< the number's token exactly as sent ("1234.50", "1e3")
    boolean, ///< "true" or "false"
    raw,     ///< an object or array: its JSON text as sent
};

/// One extracted cell. `text` is empty for missing and null.
struct json_cell {
    value_kind kind = value_kind::missing;
    std::string text;
};

/// True when `token` is a number by the JSON grammar (RFC 8259 section 6),
/// with no surrounding whitespace. Any magnitude is accepted.
bool is_json_number(std::string_view token) noexcept;

/// Reads columns out of JSON object bodies, one body at a time.
class record_extractor {
public:
    /// Takes the columns in output order. Throws std::bad_alloc only.
    explicit record_extractor(std::vector<column_path> columns);
    ~record_extractor();
    record_extractor(const record_extractor &) = delete;
    record_extractor &operator=(const record_extractor &) = delete;

    /// Replaces `cells` with one cell per column, in column order. Returns
    /// "" on success, or why the body was rejected (not valid JSON, not an
    /// object, trailing content, a malformed number); `cells` is then
    /// unspecified. The whole body is checked, not only the selected keys.
    /// When a key occurs twice in one object, the first occurrence wins.
    /// Keys are compared with their JSON text as sent, so a key written
    /// with escapes ("caf\u00e9") is not found under its unescaped name.
    std::string extract(std::string_view body, std::vector<json_cell> &cells);

    /// The columns given at construction.
    const std::vector<column_path> &columns() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace fetchctl::csv_sink
