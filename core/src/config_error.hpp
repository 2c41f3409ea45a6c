// config_error: the one exception type for a bad job description.
//
// Thrown while the TOML file is read and validated, and while plugins read
// their own tables. The message already names the file, the line and the
// key, so main() prints it as is and exits with exit_code::config_error.
#pragma once

#include <stdexcept>
#include <string>

namespace fetchctl {

class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace fetchctl
