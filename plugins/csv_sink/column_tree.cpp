// column_tree.cpp - building and searching the column tree; see
// column_tree.hpp.
//
// A node has as many children as distinct keys follow it in the config,
// typically a handful, so children are searched in order: a few integer
// compares per child, cheaper than hashing the key, and the tree stays a
// flat vector.
#include "column_tree.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace fetchctl::csv_sink {

namespace {

// The first eight bytes of `key` (fewer, zero-filled, when it is shorter)
// as one integer; equal keys have equal heads.
std::uint64_t head_of(std::string_view key) noexcept {
    std::uint64_t head = 0;
    std::memcpy(&head, key.data(), std::min(key.size(), sizeof head));
    return head;
}

// The key as an array index, or none. Like a JSON pointer: digits only,
// and no leading zero ("01" is not an index). An index too large for
// size_t cannot be in range, so it never matches.
std::size_t array_index(std::string_view key) noexcept {
    if (key.empty() || (key.size() > 1 && key.front() == '0')) {
        return column_tree::none;
    }

    constexpr std::size_t limit = std::numeric_limits<std::size_t>::max();
    std::size_t index = 0;
    for (char c : key) {
        if (c < '0' || c > '9') {
            return column_tree::none;
        }
        const auto digit = static_cast<std::size_t>(c - '0');
        // `none` is the largest size_t, so it is refused along with overflow.
        if (index > (limit - 1 - digit) / 10) {
            return column_tree::none;
        }
        index = index * 10 + digit;
    }
    return index;
}

} // namespace

column_tree::column_tree(const std::vector<column_path> &columns) {
    nodes_.emplace_back();

    for (std::size_t column = 0; column < columns.size(); ++column) {
        std::size_t at = root;
        for (const std::string &key : columns[column].keys) {
            std::size_t next = field(at, key);
            if (next == none) {
                next = nodes_.size();
                nodes_[at].children.push_back(
                    {key.size(), head_of(key), array_index(key), next});
                nodes_.emplace_back();
                nodes_.back().key = key;
            }
            at = next;
        }
        nodes_[at].columns.push_back(column);
    }
}

std::size_t column_tree::field(std::size_t node,
                               std::string_view key) const noexcept {
    const std::uint64_t head = head_of(key);
    for (const edge &child : nodes_[node].children) {
        if (child.size != key.size() || child.head != head) {
            continue;
        }
        // The heads matched, so only bytes past the eighth are left.
        const std::string &whole = nodes_[child.node].key;
        if (key.size() <= sizeof head ||
            std::memcmp(whole.data() + sizeof head, key.data() + sizeof head,
                        key.size() - sizeof head) == 0) {
            return child.node;
        }
    }
    return none;
}

std::size_t column_tree::element(std::size_t node,
                                 std::size_t index) const noexcept {
    for (const edge &child : nodes_[node].children) {
        if (child.index == index) {
            return child.node;
        }
    }
    return none;
}

} // namespace fetchctl::csv_sink
