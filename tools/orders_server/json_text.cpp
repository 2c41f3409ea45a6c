// Hand-written JSON text helpers; see json_text.hpp.
#include "json_text.hpp"

namespace orders_server {

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex_digits[] = "0123456789abcdef";

    out.push_back('"');
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (byte < 0x20) {
                out += "\\u00";
                out.push_back(hex_digits[byte >> 4]);
                out.push_back(hex_digits[byte & 0x0f]);
            } else {
                // Bytes >= 0x80 are UTF-8 sequences, which JSON allows raw.
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
}

void append_money(std::string& out, std::int64_t cents) {
    // Work on the magnitude as unsigned so INT64_MIN cannot overflow.
    std::uint64_t magnitude = cents < 0
        ? 0 - static_cast<std::uint64_t>(cents)
        : static_cast<std::uint64_t>(cents);
    if (cents < 0) {
        out.push_back('-');
    }

    out += std::to_string(magnitude / 100);
    out.push_back('.');
    std::uint64_t fraction = magnitude % 100;
    out.push_back(static_cast<char>('0' + fraction / 10));
    out.push_back(static_cast<char>('0' + fraction % 10));
}

std::string money_text(std::int64_t cents) {
    std::string text;
    append_money(text, cents);
    return text;
}

void append_key(std::string& out, std::string_view key) {
    append_json_string(out, key);
    out.push_back(':');
}

std::string detail_body(std::string_view message) {
    std::string body = "{";
    append_key(body, "detail");
    append_json_string(body, message);
    body.push_back('}');
    return body;
}

}  // namespace orders_server
