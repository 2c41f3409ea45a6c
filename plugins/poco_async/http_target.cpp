// http_target: see http_target.hpp for the contract.
#include "http_target.hpp"

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>

namespace fetchctl::poco_async {

namespace {

target_result failed(target_error error, std::string message) {
    target_result result;
    result.error = error;
    result.message = std::move(message);
    return result;
}

/// The request-target as the caller wrote it. Poco::URI decodes the path
/// and re-encodes it differently (an escaped "%2F" comes back as "/"), and
/// a server may treat the two as different resources, so the raw text
/// after the authority is used instead.
std::string raw_request_target(const std::string &url) {
    const auto scheme_end = url.find("://");
    const auto authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    const auto path = url.find_first_of("/?#", authority);
    if (path == std::string::npos) {
        return "/";
    }

    std::string target = url.substr(path, url.find('#', path) - path);
    if (target.empty()) {
        return "/";
    }
    if (target[0] == '?') {
        target.insert(target.begin(), '/');
    }
    return target;
}

bool printable_without_spaces(const std::string &text) noexcept {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) {
            return false;
        }
    }
    return true;
}

bool is_hex(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Where the path, query or fragment starts, or the end of the URL.
std::size_t authority_end(const std::string &url) noexcept {
    const auto scheme_end = url.find("://");
    const auto authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    const auto path = url.find_first_of("/?#", authority);
    return path == std::string::npos ? url.size() : path;
}

} // namespace

target_result target_parser::parse(const std::string &url) {
    const std::size_t end = authority_end(url);
    if (!authority_prefix_.empty() && end == authority_prefix_.size() &&
        url.compare(0, end, authority_prefix_) == 0) {
        bool escapes_ok = printable_without_spaces(url);
        for (std::size_t i = end; escapes_ok && i < url.size(); ++i) {
            if (url[i] == '%') {
                escapes_ok = i + 2 < url.size() && is_hex(url[i + 1]) && is_hex(url[i + 2]);
            }
        }
        if (escapes_ok) {
            target_result result;
            result.target = last_;
            result.target.request_target = raw_request_target(url);
            return result;
        }
        // Let Poco say what is wrong with it.
    }

    target_result result = parse_target(url);
    if (result.error == target_error::none) {
        authority_prefix_.assign(url, 0, end);
        last_ = result.target;
    }
    return result;
}

target_result parse_target(const std::string &url) {
    // Poco accepts some strings that are no use on a request line (spaces,
    // control characters); refuse them before anything else.
    if (url.empty() || !printable_without_spaces(url)) {
        return failed(target_error::invalid, "URL is empty or holds spaces or control characters");
    }

    Poco::URI uri;
    try {
        uri = Poco::URI(url);
    } catch (const Poco::Exception &e) {
        return failed(target_error::invalid, "bad URL: " + e.message());
    }

    const std::string scheme = Poco::toLower(uri.getScheme());
    if (scheme == "https") {
        // TODO: https is refused: Poco's NetSSL has no non-blocking
        // handshake we could drive from this reactor. Users who need TLS
        // must pick the curl_threads transport.
        return failed(target_error::tls_unsupported,
                      "https is not supported by the poco_async transport (plain http only); "
                      "use the curl_threads transport for https");
    }
    if (scheme != "http") {
        return failed(target_error::unsupported_scheme,
                      "unsupported URL scheme '" + scheme.substr(0, 16) + "' (only http)");
    }
    if (uri.getHost().empty()) {
        return failed(target_error::invalid, "URL has no host");
    }

    target_result result;
    http_target &t = result.target;
    t.host = Poco::toLower(uri.getHost());
    t.port = uri.getPort();
    t.request_target = raw_request_target(url);

    const bool ipv6 = t.host.find(':') != std::string::npos;
    t.host_header = ipv6 ? "[" + t.host + "]" : t.host;
    if (t.port != 80) {
        t.host_header += ":" + std::to_string(t.port);
    }
    t.pool_key = (ipv6 ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port);
    return result;
}

} // namespace fetchctl::poco_async
