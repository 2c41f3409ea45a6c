# The fault table: fetchctl against orders_server with each fault mode, on
# every transport. Whatever the fault, each id ends written exactly once or
# failed with a reason, never both.
include(${CMAKE_CURRENT_LIST_DIR}/../support/support.cmake)

add_executable(fault_table_test
    ${CMAKE_CURRENT_LIST_DIR}/fault_table_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../support/command_runner.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../support/csv_reader.cpp)
target_include_directories(fault_table_test PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../support)
target_link_libraries(fault_table_test PRIVATE fc_test_support Poco::Net Catch2::Catch2WithMain)
target_compile_definitions(fault_table_test PRIVATE
    FETCHCTL_PATH="$<TARGET_FILE:fetchctl>"
    ORDERS_SERVER_PATH="$<TARGET_FILE:orders_server>")
add_dependencies(fault_table_test fetchctl orders_server csv_sink curl_threads poco_async)
catch_discover_tests(fault_table_test)
