# fc_test_support: helpers shared by test executables (see the headers in
# this folder). tests/CMakeLists.txt does not scan this folder, so each
# fragment that needs the library includes this file; the guard makes the
# second include a no-op.
if(NOT TARGET fc_test_support)
    add_library(fc_test_support STATIC
        ${CMAKE_CURRENT_LIST_DIR}/child_process.cpp
        ${CMAKE_CURRENT_LIST_DIR}/child_process.hpp)
    target_include_directories(fc_test_support PUBLIC ${CMAKE_CURRENT_LIST_DIR})
    target_link_libraries(fc_test_support PUBLIC Poco::Foundation)
endif()
