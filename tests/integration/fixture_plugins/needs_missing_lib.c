/*
 * A well-formed transport descriptor in a library that cannot be loaded:
 * it needs libfc_abi_fixture_dep.so, which is not on the loader's path.
 * fetchctl must report the loader's own reason (the dlerror() text naming
 * the missing library), not a generic "cannot load". Test fixture for
 * plugin_abi_test.
 */
#include "fetchctl/plugin.h"

int fc_fixture_dep_answer(void);

static const fc_plugin_v1 descriptor = {
    sizeof(fc_plugin_v1),
    FETCHCTL_ABI_MAJOR,
    FETCHCTL_ABI_MINOR,
    FC_KIND_TRANSPORT,
    "needs_missing_lib",
    "0.0.1",
    "test fixture: needs a library that is not installed",
    NULL,
    NULL,
};

FETCHCTL_PLUGIN_EXPORT const fc_plugin_v1 *fc_plugin_entry(void) {
    /* A real use, so the link keeps the dependency. */
    return fc_fixture_dep_answer() == 42 ? &descriptor : NULL;
}
