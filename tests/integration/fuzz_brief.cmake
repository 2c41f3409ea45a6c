# The libFuzzer targets (tests/fuzz), built with clang and run for a few
# seconds each under ASan and UBSan. tools/fuzz.sh runs them for longer.
add_test(NAME "fuzz - every target runs briefly under ASan and UBSan"
    COMMAND ${PROJECT_SOURCE_DIR}/tools/fuzz.sh 5)
set_tests_properties("fuzz - every target runs briefly under ASan and UBSan" PROPERTIES
    ENVIRONMENT "FETCHCTL_FUZZ_BUILD_DIR=${CMAKE_BINARY_DIR}/fuzz"
    TIMEOUT 600)
