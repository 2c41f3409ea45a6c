// request_writer: see request_writer.hpp for the contract.
#include "request_writer.hpp"

#include "response_parser.hpp" // iequals, has_token

#include <cstring>

namespace fetchctl::poco_async {

namespace {

/// RFC 9110 "tchar": the characters allowed in a method or a field name.
bool is_token(const std::string &text) noexcept {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        const bool alnum =
            (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
        if (!alnum && std::strchr("!#$%&'*+-.^_`|~", c) == nullptr) {
            return false;
        }
    }
    return true;
}

/// A field value may hold visible characters, spaces and tabs (and
/// obs-text), but no other control character.
bool is_field_value(const std::string &text) noexcept {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f) {
            return false;
        }
    }
    return true;
}

} // namespace

bool build_request(const std::string &method, const http_target &target,
                   const std::vector<std::pair<std::string, std::string>> &headers,
                   bool offer_compression, built_request &out, std::string &why) {
    if (!is_token(method)) {
        why = "invalid HTTP method";
        return false;
    }

    bool has_host = false;
    bool has_connection = false;
    bool has_encoding = false;
    bool has_length = false;
    out = built_request();
    for (const auto &[name, value] : headers) {
        if (!is_token(name)) {
            why = "invalid request header name";
            return false;
        }
        if (!is_field_value(value)) {
            why = "request header '" + name + "' holds a control character";
            return false;
        }
        has_host = has_host || iequals(name, "Host");
        has_encoding = has_encoding || iequals(name, "Accept-Encoding");
        has_length = has_length || iequals(name, "Content-Length");
        if (iequals(name, "Connection")) {
            has_connection = true;
            out.wants_close = out.wants_close || has_token(value, "close");
        }
    }

    std::string &b = out.bytes;
    b.reserve(256);
    b.append(method).append(" ").append(target.request_target).append(" HTTP/1.1\r\n");
    if (!has_host) {
        b.append("Host: ").append(target.host_header).append("\r\n");
    }
    if (!has_connection) {
        b.append("Connection: keep-alive\r\n");
    }
    if (!has_encoding) {
        // Only codings body_decoder can undo are offered.
        b.append(offer_compression ? "Accept-Encoding: gzip, deflate\r\n"
                                   : "Accept-Encoding: identity\r\n");
        out.decode_body = offer_compression;
    }
    // The ABI carries no request body. Methods that normally have one still
    // need a length, or some servers wait for a body that never comes.
    const bool body_method = method == "POST" || method == "PUT" || method == "PATCH";
    if (body_method && !has_length) {
        b.append("Content-Length: 0\r\n");
    }
    for (const auto &[name, value] : headers) {
        b.append(name).append(": ").append(value).append("\r\n");
    }
    b.append("\r\n");

    out.head_method = method == "HEAD";
    return true;
}

} // namespace fetchctl::poco_async
