// response_parser: see response_parser.hpp for the contract.
#include "response_parser.hpp"

#include "head_reader.hpp"

#include <algorithm>
#include <cstring>

namespace fetchctl::poco_async {

namespace {

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string trim(const std::string &s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) {
        return std::string();
    }
    const auto last = s.find_last_not_of(" \t");
    return s.substr(first, last - first + 1);
}

/// Splits a comma-separated field value into trimmed, non-empty elements.
std::vector<std::string> split_list(const std::string &list) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t comma = list.find(',', start);
        if (comma == std::string::npos) {
            comma = list.size();
        }
        std::string element = trim(list.substr(start, comma - start));
        if (!element.empty()) {
            out.push_back(std::move(element));
        }
        start = comma + 1;
    }
    return out;
}

/// Parses a Content-Length element: digits only, no sign, no overflow.
bool parse_length(const std::string &text, uint64_t &value) noexcept {
    if (text.empty() || text.size() > 19) {
        return false;
    }
    value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
}

const header_list no_trailers;

} // namespace

bool iequals(const std::string &a, const char *b) noexcept {
    const std::size_t n = std::strlen(b);
    if (a.size() != n) {
        return false;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

bool has_token(const std::string &list, const char *token) {
    for (const auto &element : split_list(list)) {
        if (iequals(element, token)) {
            return true;
        }
    }
    return false;
}

response_parser::response_parser(const limits &lim, bool head_request)
    : limits_(lim), head_request_(head_request) {}

response_parser::~response_parser() = default;

const header_list &response_parser::trailers() const noexcept {
    return chunked_ ? chunked_->trailers() : no_trailers;
}

response_parser::status response_parser::fail(failure why, std::string message) {
    status_ = status::failed;
    failure_ = why;
    message_ = std::move(message);
    return status_;
}

response_parser::status response_parser::feed(const char *data, std::size_t size,
                                              std::size_t &used) {
    used = 0;
    if (status_ != status::need_more) {
        return status_;
    }
    if (size > 0) {
        any_bytes_ = true;
    }

    while (used < size && status_ == status::need_more) {
        std::size_t step = 0;
        if (body_framing_ == framing::unknown) {
            feed_head(data + used, size - used, step);
        } else {
            feed_body(data + used, size - used, step);
        }
        used += step;
    }
    return status_;
}

response_parser::status response_parser::feed_head(const char *data, std::size_t size,
                                                   std::size_t &used) {
    used = 0;

    // Tolerate stray empty lines before the status line; a few servers send
    // an extra CRLF after a body.
    while (head_.empty() && used < size && (data[used] == '\r' || data[used] == '\n')) {
        ++used;
    }

    // Take at most one byte past the limit, so an endless header block is
    // noticed without buffering more than the limit allows.
    const std::size_t room = limits_.max_header_bytes + 1 - head_.size();
    const std::size_t take = std::min(size - used, room);
    const std::size_t before = head_.size();
    head_.append(data + used, take);

    // The block ends at an empty line: "\n\r\n" or "\n\n". Resume scanning
    // where the last call stopped, so byte-at-a-time feeding stays linear.
    std::size_t end = std::string::npos;
    for (std::size_t i = std::max<std::size_t>(head_scan_, 1); i < head_.size(); ++i) {
        if (head_[i] != '\n') {
            continue;
        }
        if (head_[i - 1] == '\n' || (i >= 2 && head_[i - 1] == '\r' && head_[i - 2] == '\n')) {
            end = i + 1;
            break;
        }
    }

    if (end == std::string::npos) {
        head_scan_ = head_.size();
        used += take;
        if (head_.size() > limits_.max_header_bytes) {
            return fail(failure::protocol, "response headers longer than " +
                                               std::to_string(limits_.max_header_bytes) +
                                               " bytes");
        }
        return status_;
    }

    used += end - before;
    head_.resize(end);
    parse_head();
    return status_;
}

bool response_parser::parse_head() {
    response_head head;
    const std::string problem = read_response_head(head_, head);
    if (!problem.empty()) {
        fail(failure::protocol, "bad response head: " + problem);
        return false;
    }
    if (head.version_major != 1 || head.version_minor > 1) {
        fail(failure::protocol, "not an HTTP/1.x response (version " +
                                    std::to_string(head.version_major) + "." +
                                    std::to_string(head.version_minor) + ")");
        return false;
    }
    const int code = head.status_code;
    if (code < 100 || code > 999) {
        fail(failure::protocol, "bad status code " + std::to_string(code));
        return false;
    }
    if (code == 101) {
        fail(failure::protocol, "unexpected 101 Switching Protocols");
        return false;
    }

    if (code < 200) {
        // An interim response (100 Continue, 103 Early Hints): the final
        // one follows on the same connection.
        head_.clear();
        head_scan_ = 0;
        return true;
    }

    status_code_ = code;
    reason_ = std::move(head.reason);
    headers_ = std::move(head.headers);
    head_.clear();
    return choose_framing(head.version_minor == 1);
}

bool response_parser::choose_framing(bool http11) {
    std::string transfer_encoding;
    std::string connection;
    std::vector<std::string> lengths;
    for (const auto &field : headers_) {
        if (iequals(field.first, "Transfer-Encoding")) {
            transfer_encoding += transfer_encoding.empty() ? field.second : "," + field.second;
        } else if (iequals(field.first, "Content-Length")) {
            auto elements = split_list(field.second);
            if (elements.empty()) {
                elements.emplace_back(); // an empty value is invalid
            }
            lengths.insert(lengths.end(), elements.begin(), elements.end());
        } else if (iequals(field.first, "Connection")) {
            connection += connection.empty() ? field.second : "," + field.second;
        }
    }

    keep_alive_ = http11 ? !has_token(connection, "close") : has_token(connection, "keep-alive");

    if (head_request_ || status_code_ == 204 || status_code_ == 304) {
        body_framing_ = framing::none;
        status_ = status::complete;
        return true;
    }

    if (!transfer_encoding.empty()) {
        // Transfer-Encoding wins over Content-Length; a message carrying
        // both may be a smuggling attempt, so the connection is not reused.
        const auto codings = split_list(transfer_encoding);
        if (!lengths.empty()) {
            keep_alive_ = false;
        }
        if (!codings.empty() && iequals(codings.back(), "chunked")) {
            body_framing_ = framing::chunked;
            chunked_decoder::limits lim;
            lim.max_trailer_bytes = limits_.max_header_bytes;
            lim.max_payload_bytes = limits_.max_body_bytes;
            chunked_ = std::make_unique<chunked_decoder>(lim);
            return true;
        }
        body_framing_ = framing::until_close;
        keep_alive_ = false;
        return true;
    }

    if (!lengths.empty()) {
        uint64_t length = 0;
        for (std::size_t i = 0; i < lengths.size(); ++i) {
            uint64_t value = 0;
            if (!parse_length(lengths[i], value) || (i > 0 && value != length)) {
                fail(failure::protocol, "invalid Content-Length");
                return false;
            }
            length = value;
        }
        if (length > limits_.max_body_bytes) {
            // No number for the limit: on the wire it is max_body_bytes plus
            // room for compression overhead, which would only confuse.
            fail(failure::too_large, "Content-Length " + std::to_string(length) +
                                         " is more than max_body_bytes allows");
            return false;
        }

        body_framing_ = framing::content_length;
        content_left_ = length;
        // Reserve up front (capped, since the length is the server's word)
        // so a large body is not copied at every doubling.
        body_.reserve(static_cast<std::size_t>(std::min<uint64_t>(length, 16u << 20)));
        if (length == 0) {
            status_ = status::complete;
        }
        return true;
    }

    body_framing_ = framing::until_close;
    keep_alive_ = false;
    return true;
}

response_parser::status response_parser::feed_body(const char *data, std::size_t size,
                                                   std::size_t &used) {
    used = 0;
    switch (body_framing_) {
    case framing::content_length: {
        const auto take = static_cast<std::size_t>(std::min<uint64_t>(content_left_, size));
        body_.append(data, take);
        used = take;
        content_left_ -= take;
        if (content_left_ == 0) {
            status_ = status::complete;
        }
        return status_;
    }
    case framing::chunked: {
        const auto result = chunked_->feed(data, size, used, body_);
        if (result == chunked_decoder::status::complete) {
            status_ = status::complete;
        } else if (result == chunked_decoder::status::failed) {
            const bool too_large = chunked_->error() == chunked_decoder::failure::too_large;
            return fail(too_large ? failure::too_large : failure::protocol,
                        chunked_->error_message());
        }
        return status_;
    }
    case framing::until_close:
        if (size > limits_.max_body_bytes - body_.size()) {
            return fail(failure::too_large, "body larger than " +
                                                std::to_string(limits_.max_body_bytes) + " bytes");
        }
        body_.append(data, size);
        used = size;
        return status_;
    case framing::none:
    case framing::unknown:
        break;
    }
    return status_;
}

response_parser::status response_parser::finish() {
    if (status_ != status::need_more) {
        return status_;
    }
    if (body_framing_ == framing::until_close) {
        status_ = status::complete;
        return status_;
    }

    if (!any_bytes_) {
        return fail(failure::truncated, "connection closed before any response byte");
    }
    if (body_framing_ == framing::unknown) {
        return fail(failure::truncated, "connection closed inside the response headers");
    }
    if (body_framing_ == framing::content_length) {
        return fail(failure::truncated, "connection closed after " + std::to_string(body_.size()) +
                                            " of " + std::to_string(body_.size() + content_left_) +
                                            " body bytes");
    }
    return fail(failure::truncated, "connection closed inside a chunked body");
}

} // namespace fetchctl::poco_async
