// url_join.cpp: see url_join.hpp.
#include "url_join.hpp"

#include <vector>

namespace fetchctl {
namespace {

// Removes "." and ".." segments from an absolute path.
std::string normalize_path(const std::string &path) {
    std::vector<std::string> segments;
    std::size_t at = 1;
    while (at <= path.size()) {
        std::size_t slash = path.find('/', at);
        if (slash == std::string::npos)
            slash = path.size();
        std::string segment = path.substr(at, slash - at);
        const bool last = slash == path.size();
        if (segment == "..") {
            if (!segments.empty())
                segments.pop_back();
            if (last)
                segments.emplace_back();
        } else if (segment == ".") {
            if (last)
                segments.emplace_back();
        } else {
            segments.push_back(std::move(segment));
        }
        at = slash + 1;
    }
    std::string joined;
    for (const auto &segment : segments)
        joined += "/" + segment;
    return joined.empty() ? "/" : joined;
}

} // namespace

std::string join_url(const std::string &base, const std::string &location) {
    std::string target = location.substr(0, location.find('#'));

    const auto scheme_end = base.find("://");
    const std::string scheme = scheme_end == std::string::npos ? "http" : base.substr(0, scheme_end);
    const std::size_t authority_begin = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    const std::size_t path_begin = base.find('/', authority_begin);
    const std::string origin = base.substr(0, path_begin);

    if (target.find("://") != std::string::npos && target.find("://") < target.find('/'))
        return target;
    if (target.rfind("//", 0) == 0)
        return scheme + ":" + target;

    std::string query;
    if (const auto q = target.find('?'); q != std::string::npos) {
        query = target.substr(q);
        target.resize(q);
    }
    if (target.empty()) {
        const std::string base_no_fragment = base.substr(0, base.find('#'));
        return query.empty() ? base_no_fragment
                             : base_no_fragment.substr(0, base_no_fragment.find('?')) + query;
    }
    if (target.front() == '/')
        return origin + normalize_path(target) + query;

    std::string base_path =
        path_begin == std::string::npos ? "/" : base.substr(path_begin, base.find_first_of("?#", path_begin) - path_begin);
    base_path.resize(base_path.rfind('/') + 1);
    return origin + normalize_path(base_path + target) + query;
}

} // namespace fetchctl
