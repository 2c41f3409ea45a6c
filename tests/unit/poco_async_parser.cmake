# poco_async_parser_test: unit tests of the poco_async transport's pure
# parts (response parser, chunked decoding, URL and request building, body
# decoding), linked against fc_poco_async_impl. No sockets, no plugins.
# poco_async_loop_test: its reactor loop against a loopback server.
if(TARGET fc_poco_async_impl)
    add_executable(poco_async_parser_test
        ${CMAKE_CURRENT_LIST_DIR}/poco_async_parser_test.cpp
        ${CMAKE_CURRENT_LIST_DIR}/poco_async_request_test.cpp)
    target_link_libraries(poco_async_parser_test PRIVATE
        fc_poco_async_impl Catch2::Catch2WithMain)
    catch_discover_tests(poco_async_parser_test TEST_PREFIX "poco_async.")

    # The reactor against a scripted server on 127.0.0.1, with an injected
    # name lookup (no real DNS).
    add_executable(poco_async_loop_test
        ${CMAKE_CURRENT_LIST_DIR}/poco_async_loop_test.cpp)
    target_link_libraries(poco_async_loop_test PRIVATE
        fc_poco_async_impl Catch2::Catch2WithMain)
    catch_discover_tests(poco_async_loop_test TEST_PREFIX "poco_async.")
endif()
