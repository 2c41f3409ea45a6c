# fetchctl_add_plugin(<name> SOURCES <files...> [LINK <targets...>])
#
# Builds a plugin as a loadable module named <name>.so, the name a config
# file uses to pick it, and puts it where fetchctl searches for plugins.
# Only the entry symbol is exported (hidden visibility is the default).

add_library(fetchctl_plugin_api INTERFACE)
add_library(fetchctl::plugin_api ALIAS fetchctl_plugin_api)
target_include_directories(fetchctl_plugin_api INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/core/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

function(fetchctl_add_plugin name)
    cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
    add_library(${name} MODULE ${ARG_SOURCES})
    set_target_properties(${name} PROPERTIES
        PREFIX ""
        LIBRARY_OUTPUT_DIRECTORY ${FETCHCTL_PLUGIN_OUTPUT_DIR})
    target_link_libraries(${name} PRIVATE fetchctl::plugin_api ${ARG_LINK})
    if(NOT FETCHCTL_SANITIZE)
        # Catch an unresolved symbol at link time rather than at dlopen().
        target_link_options(${name} PRIVATE -Wl,--no-undefined)
    endif()
    install(TARGETS ${name} LIBRARY DESTINATION ${FETCHCTL_PLUGIN_INSTALL_DIR})
endfunction()
