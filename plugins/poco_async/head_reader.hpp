// head_reader: turns one complete HTTP/1.x response header block (status
// line to the empty line) into its parts, by the grammar of RFC 9112
// sections 4 and 5.
//
// It reads the block only: framing the body is response_parser's job.
// Field values come without surrounding whitespace, in the order received;
// a name may occur more than once. An obsolete line folding is replaced by
// one space, as section 5.2 asks of a user agent.
//
// Why not a library: Poco's HTTPResponse::read parses through an
// istringstream and a multimap, and was a sixth of the whole client's CPU
// per response at high rates; Debian's http_parser is built without its
// strict mode (it takes "HTTX/1.1" for a status line) and rejects the
// list-valued Content-Length ("2, 2") that section 6.3 says to accept.
//
// Threading: none; a pure function of its input.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace fetchctl::poco_async {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct response_head {
    int version_major = 0;
    int version_minor = 0;
    int status_code = 0;
    std::string reason;
    header_list headers;
};

/// Parses `block` (the status line, the field lines and the empty line
/// that ends them; CRLF or bare LF line ends) into `head`, replacing what
/// it held. Returns "" on success, or why the block is not a response head.
std::string read_response_head(const std::string &block, response_head &head);

} // namespace fetchctl::poco_async
