/*
 * A plain shared library that needs_missing_lib links against. The build
 * puts it in a folder the dynamic loader never searches (and the plugin
 * carries no RPATH to it), so loading needs_missing_lib fails the way a
 * plugin fails on a machine without one of its libraries. Test fixture for
 * plugin_abi_test.
 */
__attribute__((visibility("default"))) int fc_fixture_dep_answer(void) {
    return 42;
}
