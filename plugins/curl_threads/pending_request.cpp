// pending_request: validating copy of a borrowed request (see the header).
#include "pending_request.hpp"

#include <cstddef>
#include <cstring>

namespace fetchctl::curl_threads {

namespace {

// The smallest request this plugin can read: every field up to and
// including max_body_bytes, which is the whole of ABI 1.0.
constexpr size_t min_request_size =
    offsetof(fc_request_v1, max_body_bytes) + sizeof(uint64_t);

bool has_line_break(const char *text) {
    return std::strpbrk(text, "\r\n") != nullptr;
}

bool copy_headers(const fc_request_v1 &in, pending_request &out, std::string &why) {
    if (in.header_count > 0 && in.headers == nullptr) {
        why = "header_count is set but headers is null";
        return false;
    }

    out.header_lines.clear();
    out.header_lines.reserve(in.header_count);
    for (size_t i = 0; i < in.header_count; ++i) {
        const fc_header_v1 &header = in.headers[i];
        const char *value = header.value != nullptr ? header.value : "";
        if (header.name == nullptr || header.name[0] == '\0' ||
            std::strchr(header.name, ':') != nullptr || has_line_break(header.name) ||
            has_line_break(value)) {
            why = "header " + std::to_string(i) + " has an empty or invalid name or value";
            return false;
        }

        std::string line(header.name);
        line += value[0] == '\0' ? ";" : ": ";
        line += value;
        out.header_lines.push_back(std::move(line));
    }
    return true;
}

} // namespace

bool copy_request(const fc_request_v1 &in, pending_request &out, std::string &why) {
    if (in.struct_size < min_request_size) {
        why = "fc_request_v1 too small (" + std::to_string(in.struct_size) + " bytes)";
        return false;
    }
    if (in.url == nullptr || in.url[0] == '\0') {
        why = "request has no url";
        return false;
    }
    if (in.method == nullptr || in.method[0] == '\0' || has_line_break(in.method)) {
        why = "request has no valid method";
        return false;
    }

    out.request_id = in.request_id;
    out.method = in.method;
    out.url = in.url;
    out.connect_timeout_ms = in.connect_timeout_ms;
    out.total_timeout_ms = in.total_timeout_ms;
    out.max_body_bytes = in.max_body_bytes;
    out.submitted_at = steady_clock::now();
    return copy_headers(in, out, why);
}

} // namespace fetchctl::curl_threads
