# sdk_test: the plugin SDK as a third party meets it. Each test installs
# this build tree into a scratch prefix (`cmake --install`), builds an
# example from examples/ out of tree against that prefix with nothing but
# find_package(fetchctl) (or pkg-config), and runs the installed fetchctl
# with it against orders_server on an ephemeral loopback port.
include(${CMAKE_CURRENT_LIST_DIR}/../support/support.cmake)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)

add_executable(sdk_test
    ${CMAKE_CURRENT_LIST_DIR}/sdk_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../support/command_runner.cpp)
target_include_directories(sdk_test PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../support)
target_link_libraries(sdk_test PRIVATE
    fc_test_support fetchctl::plugin_api SQLite::SQLite3
    nlohmann_json::nlohmann_json Catch2::Catch2WithMain)
target_compile_definitions(sdk_test PRIVATE
    SDK_CMAKE="${CMAKE_COMMAND}"
    SDK_GENERATOR="${CMAKE_GENERATOR}"
    SDK_MAKE_PROGRAM="${CMAKE_MAKE_PROGRAM}"
    SDK_C_COMPILER="${CMAKE_C_COMPILER}"
    SDK_CXX_COMPILER="${CMAKE_CXX_COMPILER}"
    SDK_BUILD_DIR="${CMAKE_BINARY_DIR}"
    SDK_EXAMPLES_DIR="${PROJECT_SOURCE_DIR}/examples"
    SDK_LIBDIR="${CMAKE_INSTALL_LIBDIR}"
    SDK_PLUGIN_DIR="${FETCHCTL_PLUGIN_INSTALL_DIR}"
    SDK_VERSION="${PROJECT_VERSION}")

# `cmake --install` copies these, so they must exist before a test runs.
add_dependencies(sdk_test fetchctl orders_server curl_threads csv_sink)
if(TARGET poco_async)
    add_dependencies(sdk_test poco_async)
endif()

# Every install of the build tree rewrites its install_manifest.txt, so
# these tests take turns with each other; each still has its own prefix,
# and other tests run beside them.
catch_discover_tests(sdk_test PROPERTIES RESOURCE_LOCK fetchctl_build_tree_install)
