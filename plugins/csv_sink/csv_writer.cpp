// csv_writer.cpp - RFC 4180 escaping; see csv_writer.hpp for the contracts.
//
// Stateless; safe from any thread.
#include "csv_writer.hpp"

#include <cstdint>

namespace fetchctl::csv_sink {

namespace {

// The bytes that force quoting: comma, double quote, CR and LF, all below
// 64, as bits of one word.
constexpr std::uint64_t quote_forcing = (std::uint64_t{1} << ',') |
                                        (std::uint64_t{1} << '"') |
                                        (std::uint64_t{1} << '\r') |
                                        (std::uint64_t{1} << '\n');

bool forces_quotes(char c) noexcept {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 64 && ((quote_forcing >> byte) & 1U) != 0;
}

} // namespace

bool needs_quotes(std::string_view text) noexcept {
    // Every cell of every row is scanned; one shift and mask per byte is
    // several times cheaper than find_first_of(), which calls memchr()
    // on the four-byte set for each byte.
    for (char c : text) {
        if (forces_quotes(c)) {
            return true;
        }
    }
    return false;
}

bool looks_like_formula(std::string_view text) noexcept {
    if (text.empty()) {
        return false;
    }

    switch (text.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        return true;
    default:
        return false;
    }
}

void append_field(std::string &out, std::string_view text, bool guard) {
    const bool prefix = guard && looks_like_formula(text);
    if (!needs_quotes(text)) {
        if (prefix) {
            out += '\'';
        }
        out += text;
        return;
    }

    // The guard goes inside the quotes: a reader strips the quotes first,
    // and only then does the spreadsheet look at the first character.
    out += '"';
    if (prefix) {
        out += '\'';
    }
    // Copies the runs between quotes whole rather than byte by byte.
    while (true) {
        const std::size_t quote = text.find('"');
        out.append(text.substr(0, quote));
        if (quote == std::string_view::npos) {
            break;
        }
        out += "\"\"";
        text.remove_prefix(quote + 1);
    }
    out += '"';
}

void append_row(std::string &out, const std::vector<csv_field> &fields,
                const csv_options &options) {
    if (fields.size() == 1 && fields.front().text.empty()) {
        out += "\"\"";
        out += options.line_ending;
        return;
    }

    bool first = true;
    for (const csv_field &field : fields) {
        if (!first) {
            out += ',';
        }
        first = false;
        const bool guard = options.formula_guard &&
                           field.origin == field_origin::text;
        append_field(out, field.text, guard);
    }
    out += options.line_ending;
}

void append_header(std::string &out, const std::vector<std::string> &columns,
                   const csv_options &options) {
    std::vector<csv_field> fields;
    fields.reserve(columns.size());
    for (const std::string &name : columns) {
        fields.push_back({name, field_origin::literal});
    }
    append_row(out, fields, options);
}

} // namespace fetchctl::csv_sink
