// retry_after: reading a server's Retry-After header (RFC 9110 10.2.3).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace fetchctl {

/// The wait a Retry-After value asks for, in seconds, or nullopt when the
/// value is neither delta-seconds nor an HTTP-date (garbage, negative,
/// empty). A date in the past means no wait (0). Absurdly large values are
/// returned as they are (up to about 31 years); capping them is policy.
/// `now` is the wall-clock time the answer arrived, for HTTP-dates.
std::optional<double> parse_retry_after(std::string_view value,
                                        std::chrono::system_clock::time_point now);

} // namespace fetchctl
