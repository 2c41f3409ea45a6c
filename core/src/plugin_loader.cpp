// plugin_loader.cpp: see plugin_loader.hpp.
#define BOOST_DLL_USE_STD_FS
#include "plugin_loader.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>

#include "config_error.hpp"
#include "elf_extent.hpp"

#ifndef FETCHCTL_BUNDLED_PLUGIN_DIR
#define FETCHCTL_BUNDLED_PLUGIN_DIR "../lib/fetchctl/plugins"
#endif

namespace fetchctl {
namespace {

namespace fs = std::filesystem;

constexpr const char *plugin_suffix = ".so";

// Boost.DLL appends a fixed errno text ("Bad file descriptor") after the
// dlerror() message that carries the real cause; keep just the cause.
std::string loader_reason(const std::exception &error) {
    std::string text = error.what();
    const std::string marker = "dlerror system message: ";
    const auto at = text.find(marker);
    if (at == std::string::npos)
        return text;
    std::string reason = text.substr(at + marker.size());
    const auto close = reason.rfind(')');
    return close == std::string::npos ? reason : reason.substr(0, close);
}

std::string describe_kinds_available(const std::vector<plugin_info> &plugins,
                                     std::uint32_t kind) {
    std::vector<std::string> names;
    for (const plugin_info &info : plugins) {
        if (info.problem.empty() && info.kind == kind)
            names.push_back(info.name);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    if (names.empty())
        return "none";
    return fmt::format("{}", fmt::join(names, ", "));
}

} // namespace

const char *kind_name(std::uint32_t kind) {
    switch (kind) {
    case FC_KIND_TRANSPORT: return "transport";
    case FC_KIND_SINK: return "sink";
    default: return "unknown";
    }
}

struct loaded_plugin::library {
    boost::dll::shared_library handle;
};

loaded_plugin::loaded_plugin(const fs::path &path) : path_(path) {
    library_ = std::make_unique<library>();
    if (const std::string problem = elf_extent_problem(path); !problem.empty())
        throw std::runtime_error(fmt::format("cannot load: {}", problem));
    try {
        // rtld_now: an unresolved symbol fails here, with the loader's
        // reason, not later in the middle of a run.
        library_->handle.load(path, boost::dll::load_mode::rtld_now |
                                        boost::dll::load_mode::rtld_local);
    } catch (const std::exception &error) {
        throw std::runtime_error(fmt::format("cannot load: {}", loader_reason(error)));
    }

    if (!library_->handle.has(FETCHCTL_PLUGIN_ENTRY_SYMBOL))
        throw std::runtime_error(fmt::format("not a fetchctl plugin: no {}() symbol",
                                             FETCHCTL_PLUGIN_ENTRY_SYMBOL));
    auto &entry = library_->handle.get<const fc_plugin_v1 *()>(FETCHCTL_PLUGIN_ENTRY_SYMBOL);
    descriptor_ = entry();

    // Check the descriptor field by field, each before it is read.
    const fc_plugin_v1 *d = descriptor_;
    if (!d)
        throw std::runtime_error("its entry function returned no descriptor");
    if (d->struct_size < offsetof(fc_plugin_v1, abi_minor) + sizeof d->abi_minor)
        throw std::runtime_error("its descriptor is too small to be valid");
    if (d->abi_major != FETCHCTL_ABI_MAJOR)
        throw std::runtime_error(fmt::format(
            "built for plugin ABI {}.{}, but this fetchctl speaks {}.{} (the major versions "
            "must match); rebuild the plugin against this fetchctl's SDK",
            d->abi_major, d->abi_minor, FETCHCTL_ABI_MAJOR, FETCHCTL_ABI_MINOR));
    if (d->struct_size < offsetof(fc_plugin_v1, sink) + sizeof d->sink)
        throw std::runtime_error("its descriptor is too small for ABI 1.0");
    if (!d->name || !*d->name)
        throw std::runtime_error("its descriptor has no name");

    if (d->kind == FC_KIND_TRANSPORT) {
        const fc_transport_v1 *t = d->transport;
        if (!t || t->struct_size < offsetof(fc_transport_v1, destroy) + sizeof t->destroy ||
            !t->create || !t->max_in_flight || !t->submit || !t->destroy)
            throw std::runtime_error("its transport function table is missing or incomplete");
    } else if (d->kind == FC_KIND_SINK) {
        const fc_sink_v1 *s = d->sink;
        if (!s || s->struct_size < offsetof(fc_sink_v1, destroy) + sizeof s->destroy ||
            !s->create || !s->write || !s->flush || !s->destroy)
            throw std::runtime_error("its sink function table is missing or incomplete");
    } else {
        throw std::runtime_error(fmt::format("unknown plugin kind {}", d->kind));
    }
}

loaded_plugin::~loaded_plugin() = default;

plugin_loader::plugin_loader(std::vector<fs::path> search_path)
    : search_path_(std::move(search_path)) {}

std::vector<fs::path> plugin_loader::default_search_path(const std::vector<fs::path> &configured) {
    std::vector<fs::path> path = configured;

    if (const char *env = std::getenv("FETCHCTL_PLUGIN_PATH")) {
        std::string_view rest(env);
        while (!rest.empty()) {
            const auto colon = rest.find(':');
            const std::string_view folder = rest.substr(0, colon);
            if (!folder.empty())
                path.emplace_back(folder);
            rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        }
    }

    std::error_code error;
    const fs::path program = boost::dll::program_location(error);
    if (!error)
        path.push_back((program.parent_path() / FETCHCTL_BUNDLED_PLUGIN_DIR).lexically_normal());
    return path;
}

std::vector<plugin_info> plugin_loader::list() const {
    std::vector<plugin_info> plugins;
    for (const fs::path &folder : search_path_) {
        std::error_code error;
        std::vector<fs::path> files;
        for (const auto &entry : fs::directory_iterator(folder, error)) {
            if (entry.path().extension() == plugin_suffix)
                files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());

        for (const fs::path &file : files) {
            plugin_info info;
            info.path = file;
            info.name = file.stem().string();
            try {
                loaded_plugin plugin(file);
                const fc_plugin_v1 &d = plugin.descriptor();
                info.name = d.name;
                info.version = d.version ? d.version : "";
                info.description = d.description ? d.description : "";
                info.kind = d.kind;
                info.abi_major = d.abi_major;
                info.abi_minor = d.abi_minor;
                if (info.name != file.stem().string())
                    info.problem = fmt::format("its file is named {}{} but it calls itself \"{}\"",
                                               file.stem().string(), plugin_suffix, info.name);
            } catch (const std::exception &failure) {
                info.problem = failure.what();
            }
            plugins.push_back(std::move(info));
        }
    }
    return plugins;
}

std::shared_ptr<const loaded_plugin> plugin_loader::load(std::string_view name,
                                                          std::uint32_t kind) const {
    const std::string file_name = fmt::format("{}{}", name, plugin_suffix);
    const bool plain_name = !name.empty() && name.find('/') == std::string_view::npos &&
                            name != "." && name != "..";

    for (const fs::path &folder : search_path_) {
        const fs::path candidate = folder / file_name;
        std::error_code error;
        if (!plain_name || !fs::is_regular_file(candidate, error))
            continue;

        std::shared_ptr<loaded_plugin> plugin;
        try {
            plugin = std::make_shared<loaded_plugin>(candidate);
        } catch (const std::exception &failure) {
            throw config_error(fmt::format("{} plugin \"{}\" ({}) cannot be used: {}",
                                           kind_name(kind), name, candidate.string(),
                                           failure.what()));
        }
        const fc_plugin_v1 &d = plugin->descriptor();
        if (d.kind != kind)
            throw config_error(fmt::format("plugin \"{}\" ({}) is a {}, not a {}", name,
                                           candidate.string(), kind_name(d.kind),
                                           kind_name(kind)));
        if (name != d.name)
            throw config_error(fmt::format("plugin file {} calls itself \"{}\", not \"{}\"",
                                           candidate.string(), d.name, name));
        return plugin;
    }

    std::vector<std::string> folders;
    for (const fs::path &folder : search_path_)
        folders.push_back(folder.string());
    throw config_error(fmt::format("no {} plugin named \"{}\"; {}s available: {} (searched: {})",
                                   kind_name(kind), name, kind_name(kind),
                                   describe_kinds_available(list(), kind),
                                   fmt::join(folders, ", ")));
}

} // namespace fetchctl
