// learned_rates.cpp: see learned_rates.hpp.
#include "learned_rates.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace fetchctl {

std::string rate_host_key(const std::string &url) {
    const auto scheme_end = url.find("://");
    const auto path = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
    return url.substr(0, path);
}

std::optional<double> load_learned_rate(const std::filesystem::path &file,
                                        const std::string &host) {
    try {
        const toml::table table = toml::parse_file(file.string());
        if (auto rate = table["hosts"][host].value<double>(); rate && *rate > 0)
            return rate;
    } catch (const toml::parse_error &) {
        // A missing or damaged cache: start as if it were not there.
    }
    return std::nullopt;
}

std::string learned_rates_problem(const std::filesystem::path &file) {
    std::error_code error;
    if (!std::filesystem::exists(file, error) || std::filesystem::file_size(file, error) == 0)
        return {};
    if (!std::filesystem::is_regular_file(file, error))
        return "is not a regular file";
    toml::table table;
    try {
        table = toml::parse_file(file.string());
    } catch (const toml::parse_error &failure) {
        return fmt::format("is not a fetchctl learned-rates file (line {}: {})",
                           failure.source().begin.line, failure.description());
    }
    for (const auto &[key, value] : table) {
        if (key.str() != "hosts" || !value.is_table())
            return fmt::format("is not a fetchctl learned-rates file (it has \"{}\")", key.str());
        for (const auto &[host, rate] : *value.as_table()) {
            if (!rate.is_number())
                return fmt::format("is not a fetchctl learned-rates file (hosts.\"{}\" is not "
                                   "a number)",
                                   host.str());
        }
    }
    return {};
}

void save_learned_rate(const std::filesystem::path &file, const std::string &host, double rate) {
    toml::table table;
    try {
        table = toml::parse_file(file.string());
    } catch (const toml::parse_error &) {
    }
    if (!table["hosts"].is_table())
        table.insert_or_assign("hosts", toml::table{});
    table["hosts"].as_table()->insert_or_assign(host, rate);

    const std::filesystem::path temporary = file.string() + ".tmp";
    {
        std::ofstream out(temporary);
        out << "# fetchctl: request rates learned per host ([rate] adaptive)\n" << table << '\n';
        if (!out)
            throw std::runtime_error(fmt::format("{}: cannot write", temporary.string()));
    }
    std::error_code error;
    std::filesystem::rename(temporary, file, error);
    if (error)
        throw std::runtime_error(
            fmt::format("{}: cannot replace: {}", file.string(), error.message()));
}

} // namespace fetchctl
