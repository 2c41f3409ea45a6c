// toml_reader: typed, checked reads from one table of the job file.
//
// Every failure throws config_error in one shape:
//   "<file>:<line>: [<table>] <key>: <what was expected>, saw <what was there>"
// so a user can go straight to the line. Keys the caller never asked for are
// reported by reject_unknown_keys(), which catches typos.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace fetchctl {

class toml_reader {
public:
    /// `table` may be null (the table is absent): every read returns nullopt.
    toml_reader(const toml::table *table, std::string table_name, std::filesystem::path file);

    std::optional<std::string> string(std::string_view key);
    std::optional<bool> boolean(std::string_view key);
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
    /// Accepts integers and floats.
    std::optional<double> number(std::string_view key, double min, double max);
    std::optional<std::vector<std::string>> string_array(std::string_view key);
    const toml::table *subtable(std::string_view key);

    /// Marks a key as known without reading it (a plugin's own table).
    void allow(std::string_view key);
    /// Throws for the first key in the table that was neither read nor allowed.
    void reject_unknown_keys() const;

    /// Throws config_error about `key`, located at its line.
    [[noreturn]] void fail(std::string_view key, std::string_view message) const;
    /// The "file:line: [table] key" prefix for messages about `key`.
    std::string where(std::string_view key) const;

private:
    const toml::node *find(std::string_view key);

    const toml::table *table_;
    std::string table_name_;
    std::filesystem::path file_;
    std::set<std::string, std::less<>> seen_;
};

/// "a string", "an integer", ... for messages.
std::string_view describe_toml_type(const toml::node &node);

/// "<file>:<line>" of a node, or "<file>" when the position is unknown.
std::string toml_location(const std::filesystem::path &file, const toml::node &node);

} // namespace fetchctl
