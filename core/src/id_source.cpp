// id_source.cpp: see id_source.hpp.
#include "id_source.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <fmt/format.h>

#include "config_error.hpp"

namespace fetchctl {
namespace {

std::uint64_t id_hash(const std::string &id) {
    std::uint64_t hash = 14695981039346656037ull; // FNV-1a
    for (unsigned char c : id) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

std::string id_on_line(const std::filesystem::path &file, std::uint64_t wanted) {
    std::ifstream in(file);
    std::string line;
    for (std::uint64_t number = 1; std::getline(in, line); ++number) {
        if (number == wanted)
            return id_from_line(line);
    }
    return {};
}

/// The first pair of positions holding the same id, earlier one first.
/// Hashes narrow it down; `id_at` confirms, so a collision is no error.
template <class IdAt>
std::optional<std::pair<std::uint64_t, std::uint64_t>>
find_duplicate(std::vector<std::pair<std::uint64_t, std::uint64_t>> &seen, IdAt &&id_at) {
    std::sort(seen.begin(), seen.end());
    for (std::size_t i = 1; i < seen.size(); ++i) {
        if (seen[i].first == seen[i - 1].first &&
            id_at(seen[i].second) == id_at(seen[i - 1].second))
            return std::make_pair(seen[i - 1].second, seen[i].second);
    }
    return std::nullopt;
}

/// `text` with every byte outside printable ASCII shown as \xHH, so an
/// error message cannot be cut by a NUL or drive the terminal.
std::string visible(const std::string &text) {
    std::string shown;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f)
            shown += c;
        else
            shown += fmt::format("\\x{:02X}", byte);
    }
    return shown;
}

} // namespace

bool is_valid_id(const std::string &id) {
    // "." and ".." are made of valid characters but are path steps: a
    // client would resolve /item/.. to /.
    if (id.empty() || id == "." || id == "..")
        return false;
    for (unsigned char c : id) {
        if (!std::isalnum(c) && c != '-' && c != '.' && c != '_' && c != '~')
            return false;
    }
    return true;
}

std::string id_from_line(const std::string &line) {
    // A UTF-8 byte-order mark (editors on Windows start a file with one) is
    // not part of the id.
    std::size_t begin = line.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    while (begin < line.size() && std::isspace(static_cast<unsigned char>(line[begin])))
        ++begin;
    if (begin == line.size() || line[begin] == '#')
        return {};
    std::size_t end = line.find_first_of("\t, \r", begin);
    return line.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

id_source::id_source(const id_spec &spec) : spec_(spec) {
    switch (spec_.source) {
    case id_spec::kind::range:
        total_ = static_cast<std::uint64_t>(spec_.last - spec_.first) + 1;
        break;
    case id_spec::kind::list: {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> seen; // (hash, index)
        for (const std::string &id : spec_.list) {
            if (!is_valid_id(id))
                throw config_error(
                    fmt::format("[ids] list: \"{}\" is not a valid id (letters, digits, - . _ ~ "
                                "only)",
                                visible(id)));
            seen.emplace_back(id_hash(id), seen.size());
        }
        if (auto twice = find_duplicate(seen, [&](std::uint64_t i) { return spec_.list[i]; }))
            throw config_error(fmt::format("[ids] list: \"{}\" is listed twice (positions {} and "
                                           "{}); each id is fetched and written once",
                                           spec_.list[twice->first], twice->first + 1,
                                           twice->second + 1));
        total_ = spec_.list.size();
        break;
    }
    case id_spec::kind::file: {
        std::ifstream check(spec_.file);
        if (!check)
            throw config_error(fmt::format("{}: cannot read the id file: {}",
                                           spec_.file.string(), std::strerror(errno)));
        std::string line;
        // 16 bytes per id, freed once checked: a million ids cost 16 MB here.
        std::vector<std::pair<std::uint64_t, std::uint64_t>> seen; // (hash, line)
        for (std::uint64_t line_number = 1; std::getline(check, line); ++line_number) {
            const std::string id = id_from_line(line);
            if (id.empty())
                continue;
            if (!is_valid_id(id))
                throw config_error(fmt::format(
                    "{}:{}: \"{}\" is not a valid id (letters, digits, - . _ ~ only)",
                    spec_.file.string(), line_number, visible(id)));
            seen.emplace_back(id_hash(id), line_number);
            ++total_;
        }
        if (auto twice = find_duplicate(seen, [&](std::uint64_t line_number) {
                return id_on_line(spec_.file, line_number);
            }))
            throw config_error(fmt::format(
                "{}:{}: \"{}\" is listed twice (lines {} and {}); each id is fetched and "
                "written once",
                spec_.file.string(), twice->second, id_on_line(spec_.file, twice->second),
                twice->first, twice->second));
        if (total_ == 0)
            throw config_error(fmt::format("{}: the id file holds no ids", spec_.file.string()));
        file_.open(spec_.file);
        if (!file_)
            throw config_error(fmt::format("{}: cannot read the id file", spec_.file.string()));
        break;
    }
    }
}

std::optional<std::string> id_source::next_from_file() {
    std::string line;
    while (std::getline(file_, line)) {
        std::string id = id_from_line(line);
        if (!id.empty())
            return id;
    }
    return std::nullopt;
}

std::optional<job_item> id_source::next() {
    if (exhausted())
        return std::nullopt;

    job_item item;
    item.sequence = next_sequence_;
    switch (spec_.source) {
    case id_spec::kind::range:
        item.id = std::to_string(spec_.first + static_cast<std::int64_t>(next_sequence_));
        break;
    case id_spec::kind::list:
        item.id = spec_.list[next_sequence_];
        break;
    case id_spec::kind::file: {
        auto id = next_from_file();
        if (!id) // the file shrank since it was counted
            throw config_error(fmt::format("{}: the id file changed during the run",
                                           spec_.file.string()));
        item.id = std::move(*id);
        break;
    }
    }
    ++next_sequence_;
    return item;
}

void id_source::skip_to(std::uint64_t sequence) {
    while (next_sequence_ < sequence && next())
        ;
}

} // namespace fetchctl
