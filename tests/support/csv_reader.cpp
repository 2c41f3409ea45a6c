// csv_reader.cpp: see csv_reader.hpp.
#include "csv_reader.hpp"

#include <stdexcept>

namespace fc_test {

std::vector<csv_row> parse_csv(const std::string &text) {
    std::vector<csv_row> rows;
    csv_row row;
    std::string field;
    bool quoted = false;
    bool field_started = false;
    std::size_t i = 0;

    auto end_field = [&] {
        row.push_back(field);
        field.clear();
        field_started = false;
    };
    auto end_row = [&] {
        end_field();
        rows.push_back(row);
        row.clear();
    };

    while (i < text.size()) {
        const char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    i += 2;
                    continue;
                }
                quoted = false;
                ++i;
                continue;
            }
            field += c;
            ++i;
            continue;
        }
        if (c == '"') {
            if (field_started && !field.empty())
                throw std::runtime_error("stray quote in an unquoted field at byte " +
                                         std::to_string(i));
            quoted = true;
            field_started = true;
        } else if (c == ',') {
            end_field();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            end_row();
            ++i;
        } else if (c == '\n') {
            end_row();
        } else {
            field += c;
            field_started = true;
        }
        ++i;
    }
    if (quoted)
        throw std::runtime_error("unterminated quoted field at the end of the file");
    if (field_started || !row.empty())
        throw std::runtime_error("the last record has no line ending (a torn row)");
    return rows;
}

} // namespace fc_test
