// retry_after.cpp: delta-seconds and the three HTTP-date forms.
#include "retry_after.hpp"

#include <cctype>
#include <cstring>
#include <ctime>
#include <string>

namespace fetchctl {
namespace {

constexpr double largest_wait = 1e9; // about 31 years: "never", in practice

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return text;
}

std::optional<double> parse_delta_seconds(std::string_view text) {
    double seconds = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        seconds = seconds * 10 + (c - '0');
        if (seconds > largest_wait)
            seconds = largest_wait; // keep reading: trailing garbage still fails
    }
    return seconds;
}

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is what servers send now;
// RFC 850 and asctime() forms are obsolete but recipients must accept them.
std::optional<std::time_t> parse_http_date(const std::string &text) {
    static const char *const formats[] = {
        "%a, %d %b %Y %H:%M:%S GMT",
        "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %d %H:%M:%S %Y",
    };
    for (const char *format : formats) {
        std::tm parts{};
        const char *end = strptime(text.c_str(), format, &parts);
        if (end && *end == '\0')
            return timegm(&parts);
    }
    return std::nullopt;
}

} // namespace

std::optional<double> parse_retry_after(std::string_view value,
                                        std::chrono::system_clock::time_point now) {
    value = trim(value);
    if (value.empty())
        return std::nullopt;

    if (std::isdigit(static_cast<unsigned char>(value.front())))
        return parse_delta_seconds(value);

    const auto date = parse_http_date(std::string(value));
    if (!date)
        return std::nullopt;

    // In plain seconds: a date in year 9999 is a valid HTTP-date but
    // overflows system_clock's nanosecond time_point.
    const double wait = std::difftime(*date, std::chrono::system_clock::to_time_t(now));
    if (wait <= 0)
        return 0.0;
    return wait > largest_wait ? largest_wait : wait;
}

} // namespace fetchctl
