# The transport conformance suite: one executable that runs the same
# behavioural tests against every transport plugin in the plugin output
# folder, registered with CTest once per known transport.
#
# The executable finds plugins at run time (dlopen), so a transport added
# later gets the tests without a build change; FETCHCTL_CONFORMANCE_PLUGIN
# narrows a run to one plugin and makes its absence a failure.

set(conformance_dir ${CMAKE_CURRENT_LIST_DIR})

add_executable(transport_conformance_test
    ${conformance_dir}/conformance_host.cpp
    ${conformance_dir}/completion_collector.cpp
    ${conformance_dir}/transport_loader.cpp
    ${conformance_dir}/transport_harness.cpp
    ${conformance_dir}/test_http_server.cpp
    ${conformance_dir}/conformance_support.cpp
    ${conformance_dir}/transport_answers_test.cpp
    ${conformance_dir}/transport_failures_test.cpp
    ${conformance_dir}/transport_connections_test.cpp
    ${conformance_dir}/transport_lifecycle_test.cpp
    ${conformance_dir}/curl_threads_specific_test.cpp)
# zlib only to gzip a body for curl_threads' accept_encoding test.
find_package(ZLIB REQUIRED)
target_link_libraries(transport_conformance_test PRIVATE
    Catch2::Catch2WithMain fetchctl::plugin_api Threads::Threads ZLIB::ZLIB ${CMAKE_DL_LIBS})
target_compile_definitions(transport_conformance_test PRIVATE
    FETCHCTL_PLUGIN_DIR="${FETCHCTL_PLUGIN_OUTPUT_DIR}")

# Transports the project ships. Each that exists as a target is built
# before the suite and gets its own CTest entry; the entry fails if the
# plugin file is missing when it runs.
set(FETCHCTL_CONFORMANCE_TRANSPORTS curl_threads poco_async)
foreach(transport IN LISTS FETCHCTL_CONFORMANCE_TRANSPORTS)
    if(TARGET ${transport})
        add_dependencies(transport_conformance_test ${transport})
        add_test(NAME conformance.${transport} COMMAND transport_conformance_test)
        set_tests_properties(conformance.${transport} PROPERTIES
            ENVIRONMENT FETCHCTL_CONFORMANCE_PLUGIN=${transport}
            LABELS conformance
            TIMEOUT 600)
    endif()
endforeach()
