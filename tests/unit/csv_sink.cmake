# csv_sink_test: unit tests of the CSV sink's parts (escaping, JSON
# extraction, the checkpointed file) and end-to-end tests that load the
# built csv_sink module through its C ABI with the in-memory test host.

add_executable(csv_sink_test
    ${CMAKE_CURRENT_LIST_DIR}/csv_sink_writer_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/csv_sink_record_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/csv_sink_file_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/csv_sink_plugin_test.cpp
    ${PROJECT_SOURCE_DIR}/tests/support/test_host.cpp)
target_include_directories(csv_sink_test PRIVATE
    ${PROJECT_SOURCE_DIR}/tests/support)
target_link_libraries(csv_sink_test PRIVATE
    fc_csv_sink_impl
    fetchctl::plugin_api
    Catch2::Catch2WithMain
    ${CMAKE_DL_LIBS})
# The end-to-end tests dlopen() the real module, so build it first.
target_compile_definitions(csv_sink_test PRIVATE
    CSV_SINK_PATH="$<TARGET_FILE:csv_sink>")
add_dependencies(csv_sink_test csv_sink)

catch_discover_tests(csv_sink_test)
