// learned_rates: the request rates an adaptive run learned, kept per host
// in a small TOML file ([rate] state_file) so the next run starts from
// them instead of probing again:
//
//   [hosts]
//   "127.0.0.1:8000" = 19.0
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace fetchctl {

/// "http://host:port" of a URL (template), the key rates are kept under.
std::string rate_host_key(const std::string &url);

/// The rate kept for `host`, if the file exists and has one. A file that
/// cannot be read or parsed is ignored (it is a cache), with nullopt.
std::optional<double> load_learned_rate(const std::filesystem::path &file,
                                        const std::string &host);

/// "" when `file` is missing, empty or a learned-rates file; otherwise why
/// it is not one ("is not a fetchctl learned-rates file: ..."). A run checks
/// this first, because saving replaces the file.
std::string learned_rates_problem(const std::filesystem::path &file);

/// Records `rate` for `host`, keeping other hosts; written to a temporary
/// file and renamed, so a crash never leaves half a file. Throws
/// std::runtime_error on an I/O error.
void save_learned_rate(const std::filesystem::path &file, const std::string &host, double rate);

} // namespace fetchctl
