// gzip encoding helpers; see gzip_body.hpp.
#include "gzip_body.hpp"

#include <Poco/DeflatingStream.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace orders_server {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(
                                text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(
                                text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size()
        && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x))
                   == std::tolower(static_cast<unsigned char>(y));
           });
}

// "q=0", "q=0.0", "q=0.000" all mean "not acceptable".
bool is_zero_q(std::string_view params) {
    auto q = params.find("q=");
    if (q == std::string_view::npos) {
        return false;
    }
    std::string_view value = trim(params.substr(q + 2));
    return !value.empty()
        && value.find_first_not_of("0.") == std::string_view::npos;
}

}  // namespace

std::string gzip_compress(const std::string& body) {
    std::ostringstream out;
    Poco::DeflatingOutputStream deflater(
        out, Poco::DeflatingStreamBuf::STREAM_GZIP);
    deflater.write(body.data(), static_cast<std::streamsize>(body.size()));
    deflater.close();
    return out.str();
}

bool accepts_gzip(std::string_view accept_encoding) {
    while (!accept_encoding.empty()) {
        auto comma = accept_encoding.find(',');
        std::string_view item = accept_encoding.substr(0, comma);
        accept_encoding = comma == std::string_view::npos
            ? std::string_view()
            : accept_encoding.substr(comma + 1);

        auto semicolon = item.find(';');
        std::string_view coding = trim(item.substr(0, semicolon));
        std::string_view params = semicolon == std::string_view::npos
            ? std::string_view()
            : item.substr(semicolon + 1);
        if ((equals_ignoring_case(coding, "gzip") || coding == "*")
            && !is_zero_q(params)) {
            return true;
        }
    }
    return false;
}

}  // namespace orders_server
