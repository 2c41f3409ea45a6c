# FetchctlPluginApi.cmake: the plugin ABI as a CMake target, in the source
# tree. Owned by the SDK; included once by the top-level CMakeLists.txt.
#
# fetchctl::plugin_api is an INTERFACE target that carries the public C
# header(s) and nothing else. The bundled plugins link it here; a third
# party gets the same target, imported, from find_package(fetchctl). The
# headers are a FILE_SET, so the set a bundled plugin compiles against and
# the set `cmake --install` copies are one list and cannot drift apart.

add_library(fetchctl_plugin_api INTERFACE)
add_library(fetchctl::plugin_api ALIAS fetchctl_plugin_api)
set_target_properties(fetchctl_plugin_api PROPERTIES EXPORT_NAME plugin_api)

set(FETCHCTL_PUBLIC_HEADERS ${PROJECT_SOURCE_DIR}/core/include/fetchctl/plugin.h)
target_sources(fetchctl_plugin_api INTERFACE
    FILE_SET HEADERS
    BASE_DIRS ${PROJECT_SOURCE_DIR}/core/include
    FILES ${FETCHCTL_PUBLIC_HEADERS})

# The include folder is on every plugin's path, so a header dropped into it
# but left out of the list above would build in-tree and be missing from
# the SDK. Refuse that at configure time rather than in a third party's
# build.
file(GLOB_RECURSE fetchctl_include_tree CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/core/include/*)
foreach(file IN LISTS fetchctl_include_tree)
    if(NOT file IN_LIST FETCHCTL_PUBLIC_HEADERS)
        message(FATAL_ERROR "${file} is in core/include but not in "
            "FETCHCTL_PUBLIC_HEADERS (cmake/FetchctlPluginApi.cmake): "
            "either add it to the SDK or move it out of core/include")
    endif()
endforeach()

# The ABI version, read from the header so that the CMake package and the
# pkg-config file can never disagree with it.
file(STRINGS ${PROJECT_SOURCE_DIR}/core/include/fetchctl/plugin.h
    fetchctl_abi_lines REGEX "^#define FETCHCTL_ABI_(MAJOR|MINOR) [0-9]+")
foreach(line IN LISTS fetchctl_abi_lines)
    if(line MATCHES "^#define FETCHCTL_ABI_(MAJOR|MINOR) ([0-9]+)")
        set(FETCHCTL_ABI_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
    endif()
endforeach()
if(NOT DEFINED FETCHCTL_ABI_MAJOR OR NOT DEFINED FETCHCTL_ABI_MINOR)
    message(FATAL_ERROR "cannot read FETCHCTL_ABI_MAJOR/MINOR from plugin.h")
endif()
