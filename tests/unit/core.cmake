# Unit tests of the core's policy pieces: no network, no plugins.
add_executable(core_unit_test
    ${CMAKE_CURRENT_LIST_DIR}/id_source_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/job_spec_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/journal_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/latency_histogram_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/progress_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/rate_learner_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/rate_limiter_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/retry_after_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/retry_policy_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/url_join_test.cpp)
target_link_libraries(core_unit_test PRIVATE fetchctl_core Catch2::Catch2WithMain)
catch_discover_tests(core_unit_test TEST_PREFIX "core.")
