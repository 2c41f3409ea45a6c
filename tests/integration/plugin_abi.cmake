# plugin_abi_test: the loader's side of the ABI promise (docs/ABI.md), end
# to end through the real fetchctl: an older minor version loads and runs,
# a library without the entry symbol or with a missing dependency is
# refused with the reason, and `fetchctl plugins` shows all of it. The
# wrong-major case lives in fetchctl_job_test.
#
# The fixture plugins are plain C and go to the shared fixture folder, next
# to fetchctl_job_test's; none is installed.
include(${CMAKE_CURRENT_LIST_DIR}/../support/support.cmake)

set(abi_fixture_dir ${CMAKE_BINARY_DIR}/tests/fixture_plugins)
set(abi_fixture_src ${CMAKE_CURRENT_LIST_DIR}/fixture_plugins)

# Targets are prefixed so they cannot clash with real plugin targets; the
# files keep the plugin names, which is what fetchctl looks up.
set(abi_fixtures old_minor_sink no_entry_symbol needs_missing_lib)
foreach(fixture IN LISTS abi_fixtures)
    add_library(fc_abi_${fixture} MODULE ${abi_fixture_src}/${fixture}.c)
    set_target_properties(fc_abi_${fixture} PROPERTIES
        PREFIX ""
        OUTPUT_NAME ${fixture}
        LIBRARY_OUTPUT_DIRECTORY ${abi_fixture_dir})
    target_link_libraries(fc_abi_${fixture} PRIVATE fetchctl::plugin_api)
endforeach()

# The dependency needs_missing_lib cannot find at load time: built into a
# folder of its own, with no RPATH from the plugin pointing there.
add_library(fc_abi_fixture_dep SHARED ${abi_fixture_src}/missing_dep_helper.c)
set_target_properties(fc_abi_fixture_dep PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/fixture_deps)
target_link_libraries(fc_abi_needs_missing_lib PRIVATE fc_abi_fixture_dep)
set_target_properties(fc_abi_needs_missing_lib PROPERTIES SKIP_BUILD_RPATH ON)

add_executable(plugin_abi_test
    ${CMAKE_CURRENT_LIST_DIR}/plugin_abi_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../support/command_runner.cpp)
target_include_directories(plugin_abi_test PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../support)
target_link_libraries(plugin_abi_test PRIVATE
    fc_test_support fetchctl::plugin_api Catch2::Catch2WithMain)
target_compile_definitions(plugin_abi_test PRIVATE
    FETCHCTL_PATH="$<TARGET_FILE:fetchctl>"
    ORDERS_SERVER_PATH="$<TARGET_FILE:orders_server>"
    FIXTURE_PLUGIN_DIR="${abi_fixture_dir}"
    BUNDLED_PLUGIN_DIR="${FETCHCTL_PLUGIN_OUTPUT_DIR}"
    FETCHCTL_VERSION_TEXT="${PROJECT_VERSION}")
add_dependencies(plugin_abi_test fetchctl orders_server curl_threads csv_sink
    fc_abi_old_minor_sink fc_abi_no_entry_symbol fc_abi_needs_missing_lib)
catch_discover_tests(plugin_abi_test)
