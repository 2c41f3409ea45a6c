# poco_async_parser_test: unit tests of the poco_async transport's pure
# parts (response parser, chunked decoding, URL and request building),
# linked against fc_poco_async_impl. No sockets, no plugin loading.
if(TARGET fc_poco_async_impl)
    add_executable(poco_async_parser_test
        ${CMAKE_CURRENT_LIST_DIR}/poco_async_parser_test.cpp
        ${CMAKE_CURRENT_LIST_DIR}/poco_async_request_test.cpp)
    target_link_libraries(poco_async_parser_test PRIVATE
        fc_poco_async_impl Catch2::Catch2WithMain)
    catch_discover_tests(poco_async_parser_test TEST_PREFIX "poco_async.")
endif()
