// chunked_decoder: see chunked_decoder.hpp for the contract.
#include "chunked_decoder.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/MessageHeader.h>

#include <algorithm>
#include <cstring>
#include <sstream>

namespace fetchctl::poco_async {

namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/// True when `section` (which ends in '\n') ends with an empty line, i.e.
/// the trailer section is over.
bool ends_with_empty_line(const std::string &section) noexcept {
    const std::size_t n = section.size();
    if (n == 1 || (n == 2 && section[0] == '\r')) {
        return true;
    }
    if (n >= 2 && section[n - 2] == '\n') {
        return true;
    }
    return n >= 3 && section[n - 2] == '\r' && section[n - 3] == '\n';
}

} // namespace

chunked_decoder::status chunked_decoder::fail(failure why, std::string message) {
    stage_ = stage::failed;
    failure_ = why;
    message_ = std::move(message);
    return status::failed;
}

chunked_decoder::status chunked_decoder::feed(const char *data, std::size_t size,
                                              std::size_t &used, std::string &payload) {
    used = 0;
    while (used < size) {
        switch (stage_) {
        case stage::size_line:
        case stage::trailer: {
            // Both are line-oriented: take up to and including the next LF,
            // bounded so a missing LF cannot grow the buffer without end.
            const char *start = data + used;
            const void *lf = std::memchr(start, '\n', size - used);
            const std::size_t take =
                lf ? static_cast<std::size_t>(static_cast<const char *>(lf) - start) + 1
                   : size - used;
            const bool sizing = stage_ == stage::size_line;
            const std::size_t bound = sizing ? limits_.max_line_bytes : limits_.max_trailer_bytes;
            if (line_.size() + take > bound) {
                return fail(failure::malformed,
                            sizing ? "chunk-size line longer than " + std::to_string(bound) +
                                         " bytes"
                                   : "chunked trailers longer than " + std::to_string(bound) +
                                         " bytes");
            }

            line_.append(start, take);
            used += take;
            if (!lf) {
                return status::need_more;
            }
            if (sizing) {
                if (!parse_size_line()) {
                    return status::failed;
                }
            } else if (ends_with_empty_line(line_)) {
                if (!parse_trailers()) {
                    return status::failed;
                }
                stage_ = stage::done;
                return status::complete;
            }
            break;
        }
        case stage::data: {
            const uint64_t avail = size - used;
            const auto take = static_cast<std::size_t>(std::min(chunk_left_, avail));
            payload.append(data + used, take);
            used += take;
            chunk_left_ -= take;
            if (chunk_left_ == 0) {
                stage_ = stage::data_end;
            }
            break;
        }
        case stage::data_end: {
            // The CRLF after chunk data; a bare LF is accepted too, as most
            // clients do, but anything else means the framing is lost.
            const char c = data[used++];
            if (c == '\r' && line_.empty()) {
                line_ = "\r";
            } else if (c == '\n') {
                line_.clear();
                stage_ = stage::size_line;
            } else {
                return fail(failure::malformed, "chunk data not followed by CRLF");
            }
            break;
        }
        case stage::done:
            return status::complete;
        case stage::failed:
            return status::failed;
        }
    }

    if (stage_ == stage::done) {
        return status::complete;
    }
    return stage_ == stage::failed ? status::failed : status::need_more;
}

bool chunked_decoder::parse_size_line() {
    // line_ is "<hex>[BWS][;ext...]\r\n"; drop the line ending first.
    std::size_t end = line_.size() - 1;
    if (end > 0 && line_[end - 1] == '\r') {
        --end;
    }

    std::size_t pos = 0;
    uint64_t value = 0;
    for (; pos < end && hex_value(line_[pos]) >= 0; ++pos) {
        if (value > (UINT64_MAX >> 4)) {
            fail(failure::malformed, "chunk size does not fit in 64 bits");
            return false;
        }
        value = (value << 4) | static_cast<uint64_t>(hex_value(line_[pos]));
    }
    if (pos == 0) {
        fail(failure::malformed, "chunk size is not a hexadecimal number");
        return false;
    }

    while (pos < end && (line_[pos] == ' ' || line_[pos] == '\t')) {
        ++pos;
    }
    if (pos < end && line_[pos] != ';') {
        fail(failure::malformed, "unexpected character after chunk size");
        return false;
    }
    // Extensions carry nothing we use, but a control character in them
    // means the line is not what it claims to be.
    for (; pos < end; ++pos) {
        const auto c = static_cast<unsigned char>(line_[pos]);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            fail(failure::malformed, "control character in chunk extension");
            return false;
        }
    }

    // Refuse a chunk that would pass the payload limit before buffering any
    // of it; the comparison is arranged so that it cannot overflow.
    if (value > limits_.max_payload_bytes - payload_total_) {
        fail(failure::too_large,
             "body larger than " + std::to_string(limits_.max_payload_bytes) + " bytes");
        return false;
    }

    payload_total_ += value;
    chunk_left_ = value;
    line_.clear();
    stage_ = value == 0 ? stage::trailer : stage::data;
    return true;
}

bool chunked_decoder::parse_trailers() {
    // Poco's header reader handles folding and stops at the empty line; the
    // section is already bounded by max_trailer_bytes, so lift its separate
    // field-count limit.
    try {
        Poco::Net::MessageHeader fields;
        fields.setFieldLimit(0);
        std::istringstream in(line_);
        fields.read(in);
        for (const auto &field : fields) {
            trailers_.emplace_back(field.first, field.second);
        }
    } catch (const Poco::Exception &e) {
        fail(failure::malformed, "bad chunked trailer: " + e.displayText());
        return false;
    }
    line_.clear();
    return true;
}

} // namespace fetchctl::poco_async
