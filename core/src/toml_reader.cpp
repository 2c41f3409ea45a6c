// toml_reader.cpp: see toml_reader.hpp.
#include "toml_reader.hpp"

#include <cmath>
#include <fmt/format.h>

#include "config_error.hpp"

namespace fetchctl {

std::string_view describe_toml_type(const toml::node &node) {
    switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
    }
}

std::string toml_location(const std::filesystem::path &file, const toml::node &node) {
    // A value from --set was parsed on its own, without a source path.
    if (!node.source().path)
        return "--set";
    const auto line = node.source().begin.line;
    if (line == 0)
        return file.string();
    return fmt::format("{}:{}", file.string(), line);
}

toml_reader::toml_reader(const toml::table *table, std::string table_name,
                         std::filesystem::path file)
    : table_(table), table_name_(std::move(table_name)), file_(std::move(file)) {}

std::string toml_reader::where(std::string_view key) const {
    std::string location = file_.string();
    if (table_) {
        if (const toml::node *node = table_->get(key))
            location = toml_location(file_, *node);
        else if (table_->source().begin.line != 0)
            location = toml_location(file_, *table_);
    }
    if (table_name_.empty())
        return fmt::format("{}: {}", location, key);
    return fmt::format("{}: [{}] {}", location, table_name_, key);
}

void toml_reader::fail(std::string_view key, std::string_view message) const {
    throw config_error(fmt::format("{}: {}", where(key), message));
}

const toml::node *toml_reader::find(std::string_view key) {
    seen_.emplace(key);
    return table_ ? table_->get(key) : nullptr;
}

void toml_reader::allow(std::string_view key) {
    seen_.emplace(key);
}

std::optional<std::string> toml_reader::string(std::string_view key) {
    const toml::node *node = find(key);
    if (!node)
        return std::nullopt;
    if (!node->is_string())
        fail(key, fmt::format("expected a string, saw {}", describe_toml_type(*node)));
    return node->as_string()->get();
}

std::optional<bool> toml_reader::boolean(std::string_view key) {
    const toml::node *node = find(key);
    if (!node)
        return std::nullopt;
    if (!node->is_boolean())
        fail(key, fmt::format("expected true or false, saw {}", describe_toml_type(*node)));
    return node->as_boolean()->get();
}

std::optional<std::int64_t> toml_reader::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) {
    const toml::node *node = find(key);
    if (!node)
        return std::nullopt;
    if (!node->is_integer())
        fail(key, fmt::format("expected an integer, saw {}", describe_toml_type(*node)));

    const std::int64_t value = node->as_integer()->get();
    if (value < min || value > max)
        fail(key, fmt::format("expected an integer from {} to {}, saw {}", min, max, value));
    return value;
}

std::optional<double> toml_reader::number(std::string_view key, double min, double max) {
    const toml::node *node = find(key);
    if (!node)
        return std::nullopt;

    double value = 0;
    if (node->is_integer())
        value = static_cast<double>(node->as_integer()->get());
    else if (node->is_floating_point())
        value = node->as_floating_point()->get();
    else
        fail(key, fmt::format("expected a number, saw {}", describe_toml_type(*node)));

    if (!std::isfinite(value) || value < min || value > max)
        fail(key, fmt::format("expected a number from {} to {}, saw {}", min, max, value));
    return value;
}

std::optional<std::vector<std::string>> toml_reader::string_array(std::string_view key) {
    const toml::node *node = find(key);
    if (!node)
        return std::nullopt;
    if (!node->is_array())
        fail(key, fmt::format("expected an array of strings, saw {}", describe_toml_type(*node)));

    std::vector<std::string> values;
    for (const toml::node &element : *node->as_array()) {
        if (!element.is_string())
            fail(key, fmt::format("expected an array of strings, saw an element that is {}",
                                  describe_toml_type(element)));
        values.push_back(element.as_string()->get());
    }
    return values;
}

const toml::table *toml_reader::subtable(std::string_view key) {
    const toml::node *node = find(key);
    if (!node)
        return nullptr;
    if (!node->is_table())
        fail(key, fmt::format("expected a table, saw {}", describe_toml_type(*node)));
    return node->as_table();
}

void toml_reader::reject_unknown_keys() const {
    if (!table_)
        return;
    for (const auto &[key, node] : *table_) {
        if (seen_.find(key.str()) == seen_.end())
            fail(key.str(), "unknown key");
    }
}

} // namespace fetchctl
