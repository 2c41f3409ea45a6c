// chunked_decoder: removes HTTP/1.1 chunked transfer coding from a body,
// fed in pieces of any size (one byte at a time works).
//
// Ownership: owns only its small line buffer and the parsed trailers; the
// decoded payload is appended to a string the caller owns. Threading: none;
// one decoder belongs to one response_parser, used by one thread at a time.
//
// Every buffer is bounded: a chunk-size line (extensions included) may not
// exceed `max_line_bytes`, the trailer section may not exceed
// `max_trailer_bytes`, and the payload may not exceed `max_payload_bytes`.
// Crossing a bound is an error, never a reallocation without end, so a
// hostile or broken server cannot make the transport grow without limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fetchctl::poco_async {

class chunked_decoder {
public:
    enum class status {
        need_more, ///< consumed everything offered; the body is not over
        complete,  ///< the last chunk and the trailers have been read
        failed,    ///< see error() and error_message()
    };

    enum class failure {
        none,
        malformed, ///< not valid chunked coding (bad size, missing CRLF, ...)
        too_large, ///< the payload would pass max_payload_bytes
    };

    struct limits {
        std::size_t max_line_bytes = 4096;
        std::size_t max_trailer_bytes = 64 * 1024;
        /// UINT64_MAX means no limit of our own.
        uint64_t max_payload_bytes = UINT64_MAX;
    };

    explicit chunked_decoder(const limits &lim) : limits_(lim) {}

    /// Decodes from `data[0, size)`, appending payload bytes to `payload`.
    /// `used` receives how many input bytes were consumed: all of them
    /// unless the body ended (complete) inside this piece, in which case the
    /// rest belongs to whatever follows the message. Once complete or
    /// failed, further calls consume nothing and repeat the result.
    /// Throws only std::bad_alloc.
    status feed(const char *data, std::size_t size, std::size_t &used, std::string &payload);

    failure error() const noexcept { return failure_; }
    const std::string &error_message() const noexcept { return message_; }

    /// Trailer fields in arrival order; filled once complete.
    const std::vector<std::pair<std::string, std::string>> &trailers() const noexcept {
        return trailers_;
    }

private:
    enum class stage { size_line, data, data_end, trailer, done, failed };

    status fail(failure why, std::string message);
    bool parse_size_line();
    bool parse_trailers();

    limits limits_;
    stage stage_ = stage::size_line;
    std::string line_;           // the size line, or the whole trailer section
    uint64_t chunk_left_ = 0;    // payload bytes left in the current chunk
    uint64_t payload_total_ = 0; // payload bytes produced so far
    failure failure_ = failure::none;
    std::string message_;
    std::vector<std::pair<std::string, std::string>> trailers_;
};

} // namespace fetchctl::poco_async
