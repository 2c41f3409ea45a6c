/*
 * A transport that claims a future ABI major version. fetchctl must refuse
 * to load it, saying both versions. Written in C to keep the ABI header
 * honest about needing no C++.
 */
#include "fetchctl/plugin.h"

static const fc_plugin_v1 descriptor = {
    sizeof(fc_plugin_v1),
    FETCHCTL_ABI_MAJOR + 1,
    0,
    FC_KIND_TRANSPORT,
    "wrong_abi_transport",
    "0.0.1",
    "test fixture: built for a future ABI",
    NULL,
    NULL,
};

FETCHCTL_PLUGIN_EXPORT const fc_plugin_v1 *fc_plugin_entry(void) {
    return &descriptor;
}
