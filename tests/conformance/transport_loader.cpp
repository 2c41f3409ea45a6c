// transport_loader: dlopen()s and vets transport plugins (see the header).
#include "transport_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#ifndef FETCHCTL_PLUGIN_DIR
#error "FETCHCTL_PLUGIN_DIR must name the plugin output folder"
#endif

namespace fetchctl::conformance {

namespace {

namespace fs = std::filesystem;

// Loads one file and checks its descriptor the way the host will. Returns
// false with a reason when the file is not a usable plugin at all; a sink
// is usable but not a transport, and leaves `out.table` null.
bool load_plugin(const fs::path &path, loaded_transport &out, std::string &why) {
    // RTLD_LOCAL keeps one plugin's symbols from resolving another's; the
    // handle is deliberately leaked, since plugin threads may outlive any
    // scope we could unload in.
    void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char *error = dlerror();
        why = path.string() + ": dlopen failed: " + (error != nullptr ? error : "?");
        return false;
    }

    auto entry = reinterpret_cast<fc_plugin_entry_fn>(dlsym(handle, FETCHCTL_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) {
        why = path.string() + ": no " FETCHCTL_PLUGIN_ENTRY_SYMBOL " symbol";
        return false;
    }

    const fc_plugin_v1 *descriptor = entry();
    if (descriptor == nullptr || descriptor->struct_size < sizeof(fc_plugin_v1)) {
        why = path.string() + ": missing or truncated descriptor";
        return false;
    }
    if (descriptor->abi_major != FETCHCTL_ABI_MAJOR) {
        why = path.string() + ": built for ABI major " + std::to_string(descriptor->abi_major) +
              ", the suite speaks " + std::to_string(FETCHCTL_ABI_MAJOR);
        return false;
    }

    out.name = descriptor->name != nullptr ? descriptor->name : "";
    out.path = path.string();
    out.descriptor = descriptor;
    out.table = nullptr;
    if (descriptor->kind != FC_KIND_TRANSPORT) {
        return true;
    }

    const fc_transport_v1 *table = descriptor->transport;
    if (table == nullptr || table->struct_size < sizeof(fc_transport_v1) ||
        table->create == nullptr || table->max_in_flight == nullptr ||
        table->submit == nullptr || table->destroy == nullptr) {
        why = path.string() + ": transport descriptor without a complete function table";
        return false;
    }
    out.table = table;
    return true;
}

transport_selection load_selection() {
    transport_selection selection;
    selection.directory = FETCHCTL_PLUGIN_DIR;
    if (const char *wanted = std::getenv("FETCHCTL_CONFORMANCE_PLUGIN")) {
        selection.wanted = wanted;
    }

    std::vector<fs::path> candidates;
    if (!selection.wanted.empty()) {
        candidates.push_back(fs::path(selection.directory) / (selection.wanted + ".so"));
        if (!fs::exists(candidates.front())) {
            selection.problems.push_back(candidates.front().string() +
                                         " does not exist (was the plugin built?)");
            return selection;
        }
    } else {
        std::error_code error;
        for (const auto &entry : fs::directory_iterator(selection.directory, error)) {
            if (entry.path().extension() == ".so") {
                candidates.push_back(entry.path());
            }
        }
        if (error) {
            selection.problems.push_back(selection.directory + ": " + error.message());
        }
        std::sort(candidates.begin(), candidates.end());
    }

    for (const auto &path : candidates) {
        loaded_transport plugin;
        std::string why;
        if (!load_plugin(path, plugin, why)) {
            selection.problems.push_back(why);
            continue;
        }
        if (plugin.table == nullptr) {
            if (!selection.wanted.empty()) {
                selection.problems.push_back(path.string() + " is not a transport plugin");
            }
            continue;
        }
        if (!selection.wanted.empty() && plugin.name != selection.wanted) {
            selection.problems.push_back(path.string() + " calls itself '" + plugin.name +
                                         "', not '" + selection.wanted + "'");
            continue;
        }
        selection.transports.push_back(plugin);
    }
    return selection;
}

} // namespace

const transport_selection &selected_transports() {
    static const transport_selection selection = load_selection();
    return selection;
}

} // namespace fetchctl::conformance
