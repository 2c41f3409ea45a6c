/*
 * A shared library that is not a fetchctl plugin: it exports a function,
 * but under a misspelt name, the way a plugin whose author mistyped the
 * entry point (or forgot extern "C" in C++) would. fetchctl must refuse it
 * and say which symbol is missing. Test fixture for plugin_abi_test.
 */
#include "fetchctl/plugin.h"

FETCHCTL_PLUGIN_EXPORT const fc_plugin_v1 *fc_plugin_entry_point(void) {
    return NULL;
}
