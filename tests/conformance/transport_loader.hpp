// transport_loader: finds the transport plugins the conformance suite runs
// against.
//
// Looks in FETCHCTL_PLUGIN_DIR (the build's plugin output folder, baked in
// at compile time). When the environment variable
// FETCHCTL_CONFORMANCE_PLUGIN names a plugin, only <dir>/<name>.so is
// loaded, and its absence is an error, so a CTest entry for a transport
// that failed to build fails instead of passing with nothing tested.
// Otherwise every *.so there whose descriptor says FC_KIND_TRANSPORT is
// selected.
//
// Ownership: libraries are loaded once per process and never unloaded; the
// descriptors point into them. Threading: the first call loads, under a
// function-local static; later calls only read.
#pragma once

#include <fetchctl/plugin.h>

#include <string>
#include <vector>

namespace fetchctl::conformance {

struct loaded_transport {
    std::string name; ///< the descriptor's name
    std::string path; ///< the file it came from
    const fc_plugin_v1 *descriptor = nullptr;
    const fc_transport_v1 *table = nullptr;
};

struct transport_selection {
    std::string directory;
    std::string wanted; ///< FETCHCTL_CONFORMANCE_PLUGIN, or empty for all
    std::vector<loaded_transport> transports;
    /// Why a wanted plugin, or any file in the folder, could not be used.
    std::vector<std::string> problems;
};

/// The process-wide selection, loaded on first use.
const transport_selection &selected_transports();

} // namespace fetchctl::conformance
