// csv_writer.cpp - RFC 4180 escaping; see csv_writer.hpp for the contracts.
//
// Stateless; safe from any thread.
#include "csv_writer.hpp"

namespace fetchctl::csv_sink {

bool needs_quotes(std::string_view text) noexcept {
    return text.find_first_of(",\"\r\n") != std::string_view::npos;
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
    for (char c : text) {
        if (c == '"') {
            out += '"';
        }
        out += c;
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
