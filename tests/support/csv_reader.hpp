// csv_reader: an RFC 4180 reader for tests, independent of the csv_sink
// plugin it checks: quoted fields, doubled quotes, embedded line breaks,
// CRLF or LF records.
#pragma once

#include <string>
#include <vector>

namespace fc_test {

using csv_row = std::vector<std::string>;

/// Parses the whole text; throws std::runtime_error on a malformed file
/// (an unterminated quote, a stray quote inside an unquoted field).
std::vector<csv_row> parse_csv(const std::string &text);

} // namespace fc_test
