// csv_writer.hpp - RFC 4180 field escaping and row assembly for csv_sink.
//
// Pure functions over strings: no I/O, no JSON and no shared state, so any
// thread may call them. The caller owns every buffer it passes in; the
// functions only append to `out` and never keep a reference.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fetchctl::csv_sink {

/// How rows end and whether free text is defused for spreadsheets.
struct csv_options {
    /// Appended after every row: "\r\n" (RFC 4180, the default) or "\n".
    /// Must point at storage that outlives every use (a literal).
    std::string_view line_ending = "\r\n";

    /// When true, a text field that a spreadsheet could run as a formula
    /// gets a leading `'` (see looks_like_formula()). Off by default so the
    /// file keeps the API's bytes exactly.
    bool formula_guard = false;
};

/// Where a field's text came from. Only free text from the data can smuggle
/// a formula; numbers, booleans, JSON text and header names cannot.
enum class field_origin { text, literal };

/// One cell of a row. `text` is borrowed for the duration of the call.
struct csv_field {
    std::string_view text;
    field_origin origin = field_origin::literal;
};

/// True when `text` must be quoted: it holds a comma, a double quote, CR
/// or LF (RFC 4180 section 2, rule 6).
bool needs_quotes(std::string_view text) noexcept;

/// True when a spreadsheet may read `text` as a formula: it starts with
/// `=`, `+`, `-`, `@`, TAB or CR (the OWASP CSV injection list).
bool looks_like_formula(std::string_view text) noexcept;

/// Appends one field to `out`: prefixed with `'` when `guard` is true and
/// looks_like_formula() holds, then quoted with inner quotes doubled when
/// needs_quotes() holds. Bytes are otherwise copied unchanged, so UTF-8
/// (and any other encoding) passes through as is.
void append_field(std::string &out, std::string_view text, bool guard);

/// Appends `fields` separated by commas, then options.line_ending. A row
/// of one empty field is written as `""`, because an empty line is skipped
/// as blank by many readers and the row would silently disappear.
void append_row(std::string &out, const std::vector<csv_field> &fields,
                const csv_options &options);

/// Appends a header row naming `columns`; names are never formula-guarded
/// because they come from the operator's config, not from the data.
void append_header(std::string &out, const std::vector<std::string> &columns,
                   const csv_options &options);

} // namespace fetchctl::csv_sink
