// json_record.cpp - column extraction with simdjson On-Demand.
//
// Two passes over each body: a full walk that rejects anything malformed
// (On-Demand only checks what it visits), then one JSON-pointer lookup per
// column. Each lookup rewinds the document, so the cost is columns x body
// size; with a handful of columns and bodies of a few KiB that is cheaper
// than building a DOM, and the DOM parser would reject integers that do not
// fit in 64 bits, which the API is free to send.
#include "json_record.hpp"

#include <simdjson.h>

#include <cstring>

namespace fetchctl::csv_sink {

namespace od = simdjson::ondemand;

namespace {

// Bounds the walk's recursion. It must stay below the parser's max_depth
// (1024): past that, simdjson 3.0.1 built with development checks (any
// build without NDEBUG) aborts on an assertion instead of failing.
constexpr int max_depth = 512;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// raw_json_token() and raw_json() run up to the next structural character,
// so they can carry the whitespace that preceded it ("123 ").
std::string_view trim_trailing_space(std::string_view text) noexcept {
    while (!text.empty()) {
        const char c = text.back();
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            break;
        }
        text.remove_suffix(1);
    }
    return text;
}

// RFC 6901 escaping of one reference token.
void append_pointer_token(std::string &pointer, std::string_view key) {
    pointer += '/';
    for (char c : key) {
        if (c == '~') {
            pointer += "~0";
        } else if (c == '/') {
            pointer += "~1";
        } else {
            pointer += c;
        }
    }
}

const char *type_name(od::json_type type) noexcept {
    switch (type) {
    case od::json_type::array:
        return "an array";
    case od::json_type::object:
        return "an object";
    case od::json_type::number:
        return "a number";
    case od::json_type::string:
        return "a string";
    case od::json_type::boolean:
        return "a boolean";
    case od::json_type::null:
        return "null";
    }
    return "an unknown value";
}

// Lookup failures that only mean "this body has no such value".
bool is_absent(simdjson::error_code error) noexcept {
    return error == simdjson::NO_SUCH_FIELD ||
           error == simdjson::INDEX_OUT_OF_BOUNDS ||
           error == simdjson::INCORRECT_TYPE ||
           // simdjson 3.0 reports a path that runs into a scalar this way.
           error == simdjson::INVALID_JSON_POINTER;
}

std::string json_error(simdjson::error_code error) {
    std::string message = "body is not valid JSON (";
    message += simdjson::error_message(error);
    message += ')';
    return message;
}

std::string bad_number(std::string_view token) {
    std::string message = "body is not valid JSON (malformed number '";
    message += token;
    message += "')";
    return message;
}

// Visits every value below one object or array so that a malformed part
// is found even when no column selects it. Returns "" or the problem.
class validator {
public:
    std::string object(od::object object, int depth) {
        if (depth > max_depth) {
            return too_deep();
        }

        for (auto field : object) {
            std::string_view key;
            if (auto error = field.unescaped_key().get(key)) {
                return json_error(error);
            }
            od::value child;
            if (auto error = field.value().get(child)) {
                return json_error(error);
            }
            if (std::string problem = value(child, depth + 1); !problem.empty()) {
                return problem;
            }
        }
        return {};
    }

private:
    std::string array(od::array array, int depth) {
        if (depth > max_depth) {
            return too_deep();
        }

        for (auto element : array) {
            od::value child;
            if (auto error = element.get(child)) {
                return json_error(error);
            }
            if (std::string problem = value(child, depth + 1); !problem.empty()) {
                return problem;
            }
        }
        return {};
    }

    std::string value(od::value value, int depth) {
        od::json_type type;
        if (auto error = value.type().get(type)) {
            return json_error(error);
        }

        simdjson::error_code error = simdjson::SUCCESS;
        switch (type) {
        case od::json_type::object: {
            od::object child;
            if ((error = value.get_object().get(child))) {
                break;
            }
            return object(child, depth);
        }
        case od::json_type::array: {
            od::array child;
            if ((error = value.get_array().get(child))) {
                break;
            }
            return array(child, depth);
        }
        case od::json_type::string: {
            std::string_view text;
            error = value.get_string().get(text);
            break;
        }
        case od::json_type::number: {
            // simdjson classifies by the first character only.
            std::string_view token = trim_trailing_space(value.raw_json_token());
            if (!is_json_number(token)) {
                return bad_number(token);
            }
            break;
        }
        case od::json_type::boolean: {
            bool flag = false;
            error = value.get_bool().get(flag);
            break;
        }
        case od::json_type::null: {
            bool null = false;
            error = value.is_null().get(null);
            if (!error && !null) {
                error = simdjson::N_ATOM_ERROR;
            }
            break;
        }
        }
        return error ? json_error(error) : std::string{};
    }

    static std::string too_deep() {
        return "body is not usable (nested more than " +
               std::to_string(max_depth) + " levels deep)";
    }
};

// Reads one selected value into `cell`; the body was validated already.
simdjson::error_code read_cell(od::value value, json_cell &cell) {
    od::json_type type;
    if (auto error = value.type().get(type)) {
        return error;
    }

    std::string_view text;
    switch (type) {
    case od::json_type::object: {
        od::object object;
        if (auto error = value.get_object().get(object)) {
            return error;
        }
        if (auto error = object.raw_json().get(text)) {
            return error;
        }
        cell.kind = value_kind::raw;
        text = trim_trailing_space(text);
        break;
    }
    case od::json_type::array: {
        od::array array;
        if (auto error = value.get_array().get(array)) {
            return error;
        }
        if (auto error = array.raw_json().get(text)) {
            return error;
        }
        cell.kind = value_kind::raw;
        text = trim_trailing_space(text);
        break;
    }
    case od::json_type::string:
        if (auto error = value.get_string().get(text)) {
            return error;
        }
        cell.kind = value_kind::string;
        break;
    case od::json_type::number:
        cell.kind = value_kind::number;
        text = trim_trailing_space(value.raw_json_token());
        break;
    case od::json_type::boolean: {
        bool flag = false;
        if (auto error = value.get_bool().get(flag)) {
            return error;
        }
        cell.kind = value_kind::boolean;
        text = flag ? "true" : "false";
        break;
    }
    case od::json_type::null:
        cell.kind = value_kind::null;
        break;
    }
    cell.text.assign(text.data(), text.size());
    return simdjson::SUCCESS;
}

} // namespace

std::string parse_column(std::string_view name, column_path &out) {
    if (name.empty()) {
        return "a column name is empty";
    }

    column_path path;
    path.name = std::string(name);
    std::string_view rest = name;
    while (true) {
        const std::size_t dot = rest.find('.');
        const std::string_view key = rest.substr(0, dot);
        if (key.empty()) {
            return "column '" + path.name +
                   "' has an empty key (check the dots)";
        }
        path.keys.emplace_back(key);
        if (dot == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(dot + 1);
    }

    out = std::move(path);
    return {};
}

bool is_json_number(std::string_view token) noexcept {
    std::size_t i = 0;
    const std::size_t n = token.size();
    if (i < n && token[i] == '-') {
        ++i;
    }

    // Integer part: a single 0, or a digit run without a leading zero.
    if (i >= n || !is_digit(token[i])) {
        return false;
    }
    if (token[i] == '0') {
        ++i;
    } else {
        while (i < n && is_digit(token[i])) {
            ++i;
        }
    }

    if (i < n && token[i] == '.') {
        const std::size_t start = ++i;
        while (i < n && is_digit(token[i])) {
            ++i;
        }
        if (i == start) {
            return false;
        }
    }

    if (i < n && (token[i] == 'e' || token[i] == 'E')) {
        ++i;
        if (i < n && (token[i] == '+' || token[i] == '-')) {
            ++i;
        }
        const std::size_t start = i;
        while (i < n && is_digit(token[i])) {
            ++i;
        }
        if (i == start) {
            return false;
        }
    }
    return i == n;
}

struct record_extractor::impl {
    std::vector<column_path> columns;
    std::vector<std::string> pointers; // one RFC 6901 pointer per column
    od::parser parser;
    // The body copied with SIMDJSON_PADDING spare bytes, reused across
    // records so that a steady stream of bodies does not allocate.
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;
};

record_extractor::record_extractor(std::vector<column_path> columns)
    : impl_(std::make_unique<impl>()) {
    impl_->pointers.reserve(columns.size());
    for (const column_path &column : columns) {
        std::string pointer;
        for (const std::string &key : column.keys) {
            append_pointer_token(pointer, key);
        }
        impl_->pointers.push_back(std::move(pointer));
    }
    impl_->columns = std::move(columns);
}

record_extractor::~record_extractor() = default;

const std::vector<column_path> &record_extractor::columns() const noexcept {
    return impl_->columns;
}

std::string record_extractor::extract(std::string_view body,
                                      std::vector<json_cell> &cells) {
    impl &self = *impl_;
    const std::size_t needed = body.size() + simdjson::SIMDJSON_PADDING;
    if (needed > self.capacity) {
        self.buffer = std::make_unique<char[]>(needed);
        self.capacity = needed;
    }
    if (!body.empty()) {
        std::memcpy(self.buffer.get(), body.data(), body.size());
    }
    std::memset(self.buffer.get() + body.size(), 0,
                simdjson::SIMDJSON_PADDING);

    od::document doc;
    if (auto error = self.parser.iterate(self.buffer.get(), body.size(),
                                         self.capacity)
                         .get(doc)) {
        return json_error(error);
    }

    od::json_type type;
    if (auto error = doc.type().get(type)) {
        return json_error(error);
    }
    if (type != od::json_type::object) {
        return std::string("body is ") + type_name(type) +
               ", not a JSON object";
    }

    // After a failed walk the document must not be touched again: in
    // simdjson 3.0.1 rewinding a document in that state can crash.
    od::object root;
    if (auto error = doc.get_object().get(root)) {
        return json_error(error);
    }
    if (std::string problem = validator{}.object(root, 1); !problem.empty()) {
        return problem;
    }

    // On-Demand stops at the end of the root object; anything after it
    // ("{}{}") means the body is not one JSON text.
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
        return "body is not valid JSON (content after the object)";
    }

    cells.resize(self.columns.size());
    for (std::size_t i = 0; i < self.columns.size(); ++i) {
        json_cell &cell = cells[i];
        cell.kind = value_kind::missing;
        cell.text.clear();

        od::value value;
        auto error = doc.at_pointer(self.pointers[i]).get(value);
        if (error && is_absent(error)) {
            continue;
        }
        if (!error) {
            error = read_cell(value, cell);
        }
        if (error) {
            return "cannot read column '" + self.columns[i].name + "' (" +
                   simdjson::error_message(error) + ")";
        }
    }
    return {};
}

} // namespace fetchctl::csv_sink
