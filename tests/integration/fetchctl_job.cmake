# End-to-end tests of fetchctl: each starts orders_server on an ephemeral
# loopback port, writes a job file, runs the real fetchctl and checks what
# it wrote. Test-only plugins live in their own folder, not the bundled one.
include(${CMAKE_CURRENT_LIST_DIR}/../support/support.cmake)

set(fixture_plugin_dir ${CMAKE_BINARY_DIR}/tests/fixture_plugins)
foreach(fixture wrong_abi_transport failing_sink)
    add_library(${fixture} MODULE ${CMAKE_CURRENT_LIST_DIR}/fixture_plugins/${fixture}.c)
    set_target_properties(${fixture} PROPERTIES PREFIX ""
        LIBRARY_OUTPUT_DIRECTORY ${fixture_plugin_dir})
    target_link_libraries(${fixture} PRIVATE fetchctl::plugin_api)
endforeach()

add_executable(fetchctl_job_test
    ${CMAKE_CURRENT_LIST_DIR}/fetchctl_job_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../support/command_runner.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../support/csv_reader.cpp)
target_include_directories(fetchctl_job_test PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../support)
target_link_libraries(fetchctl_job_test PRIVATE fc_test_support Poco::Net nlohmann_json::nlohmann_json
    Catch2::Catch2WithMain)
target_compile_definitions(fetchctl_job_test PRIVATE
    FETCHCTL_PATH="$<TARGET_FILE:fetchctl>"
    ORDERS_SERVER_PATH="$<TARGET_FILE:orders_server>"
    FIXTURE_PLUGIN_DIR="${fixture_plugin_dir}")
add_dependencies(fetchctl_job_test fetchctl orders_server csv_sink curl_threads
    wrong_abi_transport failing_sink)
if(TARGET poco_async)
    add_dependencies(fetchctl_job_test poco_async)
endif()
catch_discover_tests(fetchctl_job_test)
