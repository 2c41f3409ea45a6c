// plugin_loader: finding plugin libraries by name and loading them.
//
// A plugin named "csv_sink" is the file csv_sink.so in one of the search
// folders, tried in order: [plugins] path from the job file, then
// $FETCHCTL_PLUGIN_PATH (colon-separated), then the bundled folder beside
// the executable (<bin>/../lib/fetchctl/plugins, the same in the build tree
// and an install). Loading checks the descriptor before anything runs: the
// ABI major version, the kind, the name, the function table.
//
// A loaded_plugin keeps its library mapped; whoever creates instances from
// it holds the shared_ptr until every instance is destroyed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fetchctl/plugin.h"

namespace fetchctl {

class loaded_plugin;

/// What `fetchctl plugins` shows of one library.
struct plugin_info {
    std::filesystem::path path;
    std::string name;
    std::string version;
    std::string description;
    std::uint32_t kind = 0;
    std::uint32_t abi_major = 0;
    std::uint32_t abi_minor = 0;
    std::string problem; // empty when the plugin is usable
};

const char *kind_name(std::uint32_t kind);

class plugin_loader {
public:
    explicit plugin_loader(std::vector<std::filesystem::path> search_path);

    /// The search path: `configured` folders, then $FETCHCTL_PLUGIN_PATH,
    /// then the bundled folder.
    static std::vector<std::filesystem::path>
    default_search_path(const std::vector<std::filesystem::path> &configured);

    /// Loads the plugin `name` of `kind` (FC_KIND_*). Throws config_error
    /// naming what is available when it is missing, and why it was refused
    /// when it cannot be used.
    std::shared_ptr<const loaded_plugin> load(std::string_view name, std::uint32_t kind) const;

    /// Every *.so in the search path, usable or not.
    std::vector<plugin_info> list() const;

    const std::vector<std::filesystem::path> &search_path() const { return search_path_; }

private:
    std::vector<std::filesystem::path> search_path_;
};

/// A mapped plugin library and its checked descriptor.
class loaded_plugin {
public:
    /// Loads and checks `path`; throws std::runtime_error saying why not.
    explicit loaded_plugin(const std::filesystem::path &path);
    ~loaded_plugin();
    loaded_plugin(const loaded_plugin &) = delete;
    loaded_plugin &operator=(const loaded_plugin &) = delete;

    const fc_plugin_v1 &descriptor() const { return *descriptor_; }
    const std::filesystem::path &path() const { return path_; }
    std::string name() const { return descriptor_->name; }

private:
    struct library;
    std::unique_ptr<library> library_;
    const fc_plugin_v1 *descriptor_ = nullptr;
    std::filesystem::path path_;
};

} // namespace fetchctl
