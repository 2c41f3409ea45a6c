// url_join: where a redirect's Location points, relative to the URL that
// answered (RFC 3986 section 5, for the forms servers actually send).
#pragma once

#include <string>

namespace fetchctl {

/// `location` may be absolute ("http://h/x"), scheme-relative ("//h/x"),
/// absolute-path ("/x") or relative ("x", "../x"). The fragment is dropped.
std::string join_url(const std::string &base, const std::string &location);

} // namespace fetchctl
