// json_record.cpp - column extraction with simdjson On-Demand.
//
// One pass over each body. On-Demand only checks what it visits, so the
// walk visits every value, and a malformed part anywhere rejects the body;
// where the walk meets a configured column (column_tree says at each key
// whether one goes through it) it reads the cell on the spot. The cost is
// one scan of the body, however many columns there are. A DOM parser would
// be simpler, but it rejects integers that do not fit in 64 bits, which
// the API is free to send.
#include "json_record.hpp"

#include "column_tree.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <utility>

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

// The key's JSON text between its quotes, escapes as written. `raw` is
// just past the opening quote; the parser has already seen every string
// closed, so the scan ends at this key's closing quote. `escaped` tells
// whether the key holds an escape sequence.
std::string_view written_key(const char *raw, bool &escaped) noexcept {
    std::size_t size = 0;
    escaped = false;
    while (raw[size] != '"') {
        if (raw[size] == '\\') {
            escaped = true;
            ++size; // the escaped character may be a quote
        }
        ++size;
    }
    return {raw, size};
}

// One walk over one body. It visits every value below the root object, so
// that a malformed part is found even when no column selects it, and
// fills the cell of each column it passes on the way. Returns false at the
// first fault, with take_problem() saying what it is.
class walker {
public:
    walker(od::document &doc, const column_tree &tree,
           std::vector<unsigned char> &claimed, std::vector<json_cell> &cells)
        : doc_(doc), tree_(tree), claimed_(claimed), cells_(cells) {}

    // `node` is where the object sits in the column tree, or none.
    bool object(od::object object, std::size_t node, int depth) {
        if (depth > max_depth) {
            return too_deep();
        }

        const bool selecting =
            node != column_tree::none && tree_.has_children(node);
        for (auto result : object) {
            od::field field;
            if (auto error = std::move(result).get(field)) {
                return fail(json_error(error));
            }

            // field.key() is unusable once unescaped_key() has run.
            bool escaped = false;
            const std::string_view key =
                written_key(field.key().raw(), escaped);
            // The parser checked UTF-8 and control characters up front;
            // only an escape sequence can still be malformed.
            if (escaped) {
                std::string_view unescaped;
                if (auto error = field.unescaped_key().get(unescaped)) {
                    return fail(json_error(error));
                }
            }

            const std::size_t child =
                selecting ? claim(tree_.field(node, key)) : column_tree::none;
            if (!value(field.value(), child, depth + 1)) {
                return false;
            }
        }
        return true;
    }

    std::string take_problem() { return std::move(problem_); }

private:
    bool array(od::array array, std::size_t node, int depth) {
        if (depth > max_depth) {
            return too_deep();
        }

        const bool selecting =
            node != column_tree::none && tree_.has_children(node);
        std::size_t index = 0;
        for (auto element : array) {
            od::value child;
            if (auto error = element.get(child)) {
                return fail(json_error(error));
            }
            const std::size_t next =
                selecting ? tree_.element(node, index) : column_tree::none;
            ++index;
            if (!value(child, next, depth + 1)) {
                return false;
            }
        }
        return true;
    }

    bool value(od::value value, std::size_t node, int depth) {
        od::json_type type;
        if (auto error = value.type().get(type)) {
            return fail(json_error(error));
        }
        const bool selected =
            node != column_tree::none && !tree_.columns(node).empty();

        simdjson::error_code error = simdjson::SUCCESS;
        switch (type) {
        case od::json_type::object: {
            const char *start = value.raw_json_token().data();
            od::object child;
            if ((error = value.get_object().get(child))) {
                break;
            }
            // Walked before its text is taken: the walk finds its end.
            if (!object(child, node, depth)) {
                return false;
            }
            if (selected) {
                set_raw(node, start);
            }
            return true;
        }
        case od::json_type::array: {
            const char *start = value.raw_json_token().data();
            od::array child;
            if ((error = value.get_array().get(child))) {
                break;
            }
            if (!array(child, node, depth)) {
                return false;
            }
            if (selected) {
                set_raw(node, start);
            }
            return true;
        }
        case od::json_type::string: {
            std::string_view text;
            error = value.get_string().get(text);
            if (!error && selected) {
                set(node, value_kind::string, text);
            }
            break;
        }
        case od::json_type::number: {
            // simdjson classifies by the first character only.
            const std::string_view token =
                trim_trailing_space(value.raw_json_token());
            if (!is_json_number(token)) {
                return fail(bad_number(token));
            }
            if (selected) {
                set(node, value_kind::number, token);
            }
            break;
        }
        case od::json_type::boolean: {
            bool flag = false;
            error = value.get_bool().get(flag);
            if (!error && selected) {
                set(node, value_kind::boolean, flag ? "true" : "false");
            }
            break;
        }
        case od::json_type::null: {
            bool null = false;
            error = value.is_null().get(null);
            if (!error && !null) {
                error = simdjson::N_ATOM_ERROR;
            }
            if (!error && selected) {
                set(node, value_kind::null, {});
            }
            break;
        }
        }
        return error ? fail(json_error(error)) : true;
    }

    // The first occurrence of a key wins; a repeat is only checked. A node
    // is claimed at most once per body because its parent is walked at
    // most once, so the marks are cleared per body, not per object.
    std::size_t claim(std::size_t node) noexcept {
        if (node == column_tree::none || claimed_[node] != 0) {
            return column_tree::none;
        }
        claimed_[node] = 1;
        return node;
    }

    // An object or array walked from `start`: the walk now stands on the
    // token after it, which is where simdjson's raw_json() ends it too.
    void set_raw(std::size_t node, const char *start) {
        const char *end = nullptr;
        // Past the last token, the body is truncated and the walk of an
        // enclosing value fails next, so there is no cell to fill.
        if (doc_.current_location().get(end)) {
            return;
        }
        const auto size = static_cast<std::size_t>(end - start);
        set(node, value_kind::raw, trim_trailing_space({start, size}));
    }

    void set(std::size_t node, value_kind kind, std::string_view text) {
        for (std::size_t column : tree_.columns(node)) {
            json_cell &cell = cells_[column];
            cell.kind = kind;
            // The cell was cleared for this body and its node is claimed
            // once, so it is filled once: append() reuses its capacity
            // without assign()'s checks for overlapping text.
            cell.text.append(text.data(), text.size());
        }
    }

    bool fail(std::string problem) {
        problem_ = std::move(problem);
        return false;
    }

    bool too_deep() {
        return fail("body is not usable (nested more than " +
                    std::to_string(max_depth) + " levels deep)");
    }

    od::document &doc_;
    const column_tree &tree_;
    std::vector<unsigned char> &claimed_; // one mark per tree node
    std::vector<json_cell> &cells_;
    std::string problem_;
};

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
    explicit impl(std::vector<column_path> columns_in)
        : columns(std::move(columns_in)), tree(columns),
          claimed(tree.size()) {}

    std::vector<column_path> columns;
    column_tree tree;
    std::vector<unsigned char> claimed; // the walk's marks, one per node
    od::parser parser;
    // The body copied with SIMDJSON_PADDING spare bytes, reused across
    // records so that a steady stream of bodies does not allocate.
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;
};

record_extractor::record_extractor(std::vector<column_path> columns)
    : impl_(std::make_unique<impl>(std::move(columns))) {}

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

    od::object root;
    if (auto error = doc.get_object().get(root)) {
        return json_error(error);
    }

    cells.resize(self.columns.size());
    for (json_cell &cell : cells) {
        cell.kind = value_kind::missing;
        cell.text.clear();
    }
    std::fill(self.claimed.begin(), self.claimed.end(), 0);

    // After a failed walk the document must not be touched again: in
    // simdjson 3.0.1 rewinding a document in that state can crash.
    walker walk(doc, self.tree, self.claimed, cells);
    if (!walk.object(root, column_tree::root, 1)) {
        return walk.take_problem();
    }

    // On-Demand stops at the end of the root object; anything after it
    // ("{}{}") means the body is not one JSON text.
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
        return "body is not valid JSON (content after the object)";
    }
    return {};
}

} // namespace fetchctl::csv_sink
