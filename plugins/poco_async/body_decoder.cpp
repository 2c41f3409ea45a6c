// body_decoder: see body_decoder.hpp for the contract.
#include "body_decoder.hpp"

#include <Poco/Exception.h>
#include <Poco/InflatingStream.h>

#include <sstream>
#include <vector>

namespace fetchctl::poco_async {

namespace {

std::vector<std::string> codings_of(const header_list &headers) {
    std::vector<std::string> codings;
    for (const auto &[name, value] : headers) {
        if (!iequals(name, "Content-Encoding")) {
            continue;
        }
        std::size_t start = 0;
        while (start <= value.size()) {
            std::size_t comma = value.find(',', start);
            if (comma == std::string::npos) {
                comma = value.size();
            }
            const auto first = value.find_first_not_of(" \t", start);
            if (first != std::string::npos && first < comma) {
                const auto last = value.find_last_not_of(" \t", comma - 1);
                codings.push_back(value.substr(first, last - first + 1));
            }
            start = comma + 1;
        }
    }
    return codings;
}

decode_status inflate(std::string &body, Poco::InflatingStreamBuf::StreamType type,
                      uint64_t max_decoded, std::string &why) {
    std::istringstream compressed(body);
    Poco::InflatingInputStream inflater(compressed, type);
    std::string out;
    char buffer[64 * 1024];
    try {
        while (inflater) {
            inflater.read(buffer, sizeof buffer);
            const auto n = static_cast<std::size_t>(inflater.gcount());
            if (n > max_decoded - out.size()) {
                why = "decoded body larger than " + std::to_string(max_decoded) + " bytes";
                return decode_status::too_large;
            }
            out.append(buffer, n);
        }
    } catch (const Poco::Exception &e) {
        why = "cannot decode the body: " + e.displayText();
        return decode_status::failed;
    }
    if (inflater.bad()) {
        why = "cannot decode the body: corrupt compressed data";
        return decode_status::failed;
    }
    body.swap(out);
    return decode_status::ok;
}

} // namespace

decode_status decode_body(const header_list &headers, std::string &body, uint64_t max_decoded,
                          std::string &why) {
    if (body.empty()) {
        return decode_status::ok; // HEAD, 204, 304: nothing was encoded
    }
    const auto codings = codings_of(headers);
    for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
        decode_status status = decode_status::ok;
        if (iequals(*it, "gzip") || iequals(*it, "x-gzip")) {
            status = inflate(body, Poco::InflatingStreamBuf::STREAM_GZIP, max_decoded, why);
        } else if (iequals(*it, "deflate")) {
            status = inflate(body, Poco::InflatingStreamBuf::STREAM_ZLIB, max_decoded, why);
        } else if (!iequals(*it, "identity")) {
            why = "unsupported Content-Encoding '" + it->substr(0, 32) + "'";
            return decode_status::failed;
        }
        if (status != decode_status::ok) {
            return status;
        }
    }

    // The wire limit had slack for compressed data; an unencoded body must
    // meet the real limit here.
    if (body.size() > max_decoded) {
        why = "body larger than " + std::to_string(max_decoded) + " bytes";
        return decode_status::too_large;
    }
    return decode_status::ok;
}

} // namespace fetchctl::poco_async
