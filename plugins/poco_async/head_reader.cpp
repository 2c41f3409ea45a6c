// head_reader: see head_reader.hpp.
#include "head_reader.hpp"

#include <array>
#include <string_view>

namespace fetchctl::poco_async {

namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Character classes, one table lookup per byte: a response head is read
// for every answer, on the transport's one thread.
enum char_class : unsigned char { token = 1, value = 2 };

constexpr std::array<unsigned char, 256> make_classes() {
    std::array<unsigned char, 256> classes{};
    for (int c = 0; c < 256; ++c) {
        // field-vchar, SP, HTAB and obs-text: anything but the other controls.
        if (c == '\t' || (c >= 0x20 && c != 0x7f)) {
            classes[c] |= value;
        }
        // tchar (RFC 9110 section 5.6.2): what a field name is made of.
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(char(c));
        const std::string_view marks = "!#$%&'*+-.^_`|~";
        if (alnum || marks.find(char(c)) != std::string_view::npos) {
            classes[c] |= token;
        }
    }
    return classes;
}

constexpr std::array<unsigned char, 256> classes = make_classes();

bool is_token_char(char c) noexcept { return classes[static_cast<unsigned char>(c)] & token; }
bool is_value_char(char c) noexcept { return classes[static_cast<unsigned char>(c)] & value; }

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

/// The next line of `rest` without its CRLF or LF, and `rest` moved past
/// it. False when no line end is left.
bool next_line(std::string_view &rest, std::string_view &line) noexcept {
    const auto lf = rest.find('\n');
    if (lf == std::string_view::npos) {
        return false;
    }
    line = rest.substr(0, lf);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    rest.remove_prefix(lf + 1);
    return true;
}

// "HTTP/1.1 200 OK": version, three-digit code, optional reason.
std::string read_status_line(std::string_view line, response_head &head) {
    if (line.size() < 12 || line.compare(0, 5, "HTTP/") != 0 || !is_digit(line[5]) ||
        line[6] != '.' || !is_digit(line[7]) || line[8] != ' ') {
        return "the status line is not \"HTTP/x.y code reason\"";
    }
    head.version_major = line[5] - '0';
    head.version_minor = line[7] - '0';
    if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) ||
        (line.size() > 12 && line[12] != ' ')) {
        return "the status code is not three digits";
    }
    head.status_code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    const std::string_view reason = line.size() > 13 ? line.substr(13) : std::string_view();
    for (char c : reason) {
        if (!is_value_char(c)) {
            return "a control character in the reason phrase";
        }
    }
    head.reason.assign(reason);
    return std::string();
}

std::string read_field_line(std::string_view line, response_head &head) {
    if (line.front() == ' ' || line.front() == '\t') {
        // obs-fold: the line continues the previous field's value.
        if (head.headers.empty()) {
            return "a folded line before any field";
        }
        const std::string_view more = trim(line);
        for (char c : more) {
            if (!is_value_char(c)) {
                return "a control character in a field value";
            }
        }
        std::string &value = head.headers.back().second;
        if (!more.empty()) {
            value.append(value.empty() ? "" : " ").append(more);
        }
        return std::string();
    }

    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return "a field line without a name and a colon";
    }
    const std::string_view name = line.substr(0, colon);
    for (char c : name) {
        if (!is_token_char(c)) {
            // Includes whitespace before the colon, which section 5.1
            // forbids because it invites request smuggling.
            return "a bad character in a field name";
        }
    }
    const std::string_view value = trim(line.substr(colon + 1));
    for (char c : value) {
        if (!is_value_char(c)) {
            return "a control character in a field value";
        }
    }
    head.headers.emplace_back(std::string(name), std::string(value));
    return std::string();
}

} // namespace

std::string read_response_head(const std::string &block, response_head &head) {
    head = response_head();
    std::string_view rest(block);
    std::string_view line;
    if (!next_line(rest, line)) {
        return "no status line";
    }
    std::string problem = read_status_line(line, head);
    if (!problem.empty()) {
        return problem;
    }
    for (;;) {
        if (!next_line(rest, line)) {
            return "the header block does not end with an empty line";
        }
        if (line.empty()) {
            break;
        }
        problem = read_field_line(line, head);
        if (!problem.empty()) {
            return problem;
        }
    }
    if (!rest.empty()) {
        return "bytes after the header block";
    }
    return std::string();
}

} // namespace fetchctl::poco_async
