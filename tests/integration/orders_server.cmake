# orders_server_test: starts the bundled mock API (tools/orders_server) as a
# child process on an ephemeral loopback port and checks its behaviour,
# fault modes included, over real HTTP.
include(${PROJECT_SOURCE_DIR}/tests/support/support.cmake)
find_package(nlohmann_json 3 REQUIRED)

add_executable(orders_server_test
    ${CMAKE_CURRENT_LIST_DIR}/orders_server_test.cpp)
target_link_libraries(orders_server_test PRIVATE
    fc_test_support Catch2::Catch2WithMain Poco::Net Poco::Foundation
    nlohmann_json::nlohmann_json Threads::Threads)
target_compile_definitions(orders_server_test PRIVATE
    ORDERS_SERVER_PATH="$<TARGET_FILE:orders_server>")
# The tests launch the server binary, so it must be built first.
add_dependencies(orders_server_test orders_server)
catch_discover_tests(orders_server_test)
