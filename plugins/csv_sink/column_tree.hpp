// column_tree.hpp - the configured columns arranged by key, so that one
// walk over a body can read every column as it passes.
//
// Each column is a path of keys ("contact.email" is contact -> email).
// The tree merges paths that start alike: the root's children are the
// distinct first keys, and a node's children are the keys that follow it
// in some column. A walk standing on a node asks it for the child of the
// key (or array index) it meets; `none` means no column goes through
// there, so the value below only needs checking. Built once per sink and
// read-only afterwards, so any number of threads may read it.
#pragma once

#include "json_record.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fetchctl::csv_sink {

class column_tree {
public:
    /// "No node".
    static constexpr std::size_t none = static_cast<std::size_t>(-1);
    /// The node the walk starts on: the top-level object.
    static constexpr std::size_t root = 0;

    /// Arranges `columns`; columns() lists indexes into it. Throws
    /// std::bad_alloc only.
    explicit column_tree(const std::vector<column_path> &columns);

    /// Nodes in the tree, the root included; node ids are below this.
    std::size_t size() const noexcept { return nodes_.size(); }

    /// The child of `node` reached through object key `key`, compared with
    /// the key's JSON text as written (escapes not undone), or none.
    std::size_t field(std::size_t node, std::string_view key) const noexcept;

    /// The child of `node` reached through array element `index`, or none.
    /// Only a key of decimal digits without a leading zero ("0", "12")
    /// indexes an array, as in a JSON pointer.
    std::size_t element(std::size_t node, std::size_t index) const noexcept;

    /// The columns whose path ends at `node`, in column order: usually
    /// none or one, more when a column is given twice.
    const std::vector<std::size_t> &columns(std::size_t node) const noexcept {
        return nodes_[node].columns;
    }

    /// True when some column goes below `node`.
    bool has_children(std::size_t node) const noexcept {
        return !nodes_[node].children.empty();
    }

private:
    // The way from a node to one child. Every key of the body is looked
    // up, and nearly all of them match no child, so an edge carries what
    // rules a key out quickly: its size and its first eight bytes.
    struct edge {
        std::size_t size;
        std::uint64_t head;
        std::size_t index; // the key as an array index, or none
        std::size_t node;
    };

    struct node {
        std::string key;
        std::vector<std::size_t> columns;
        std::vector<edge> children;
    };

    std::vector<node> nodes_;
};

} // namespace fetchctl::csv_sink
