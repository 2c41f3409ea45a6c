// Fuzzes poco_async's incremental HTTP response parser. The same bytes fed
// whole and fed in pieces (split where the first byte says) must reach the
// same result, and a completed body never exceeds the limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "response_parser.hpp"

using fetchctl::poco_async::response_parser;

namespace {

struct result {
    response_parser::status status;
    int code = 0;
    std::string body;
};

result parse(const char *data, std::size_t size, std::size_t piece) {
    response_parser::limits limits;
    limits.max_header_bytes = 4096;
    limits.max_body_bytes = 65536;
    response_parser parser(limits, false);
    std::size_t at = 0;
    while (at < size && parser.state() == response_parser::status::need_more) {
        const std::size_t chunk = std::min(piece, size - at);
        std::size_t used = 0;
        parser.feed(data + at, chunk, used);
        if (used > chunk)
            std::abort();
        at += used == 0 ? chunk : used;
    }
    if (parser.state() == response_parser::status::need_more)
        parser.finish();
    result r{parser.state(), 0, {}};
    if (r.status == response_parser::status::complete) {
        r.code = parser.status_code();
        r.body = parser.body();
        if (r.body.size() > limits.max_body_bytes)
            std::abort();
    }
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    const std::size_t piece = 1 + data[0] % 17;
    const char *text = reinterpret_cast<const char *>(data + 1);
    const result whole = parse(text, size - 1, size);
    const result split = parse(text, size - 1, piece);
    if (whole.status != split.status || whole.code != split.code || whole.body != split.body)
        std::abort();
    return 0;
}
