# FetchctlPackage.cmake: install rules for the plugin SDK. Owned by the SDK;
# included by the top-level CMakeLists.txt after every target exists.
#
# `cmake --install <build> --prefix P` then lays out:
#   P/bin/fetchctl, P/bin/orders_server           (core/, tools/)
#   P/<libdir>/fetchctl/plugins/*.so              (the bundled plugins)
#   P/include/fetchctl/plugin.h                   (fetchctl::plugin_api)
#   P/<libdir>/cmake/fetchctl/                    (find_package(fetchctl))
#   P/<libdir>/pkgconfig/fetchctl-plugin.pc
#   P/share/doc/fetchctl/                         (ABI rules, guide, examples)
# Everything is relative to P, so the tree may be moved after installing.
# Test-only targets (fetchctl_core, the *_impl libraries, fixture plugins)
# have no install rule and stay out.
include(CMakePackageConfigHelpers)

set(FETCHCTL_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/fetchctl)
set(fetchctl_sdk_dir ${PROJECT_BINARY_DIR}/sdk)

# INCLUDES gives the imported target a plain include folder as well, which
# consumers see whatever their CMake version makes of file sets.
install(TARGETS fetchctl_plugin_api EXPORT fetchctlTargets
    FILE_SET HEADERS
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT fetchctlTargets
    NAMESPACE fetchctl::
    DESTINATION ${FETCHCTL_CMAKE_INSTALL_DIR})

configure_package_config_file(
    ${CMAKE_CURRENT_LIST_DIR}/fetchctlConfig.cmake.in
    ${fetchctl_sdk_dir}/fetchctlConfig.cmake
    INSTALL_DESTINATION ${FETCHCTL_CMAKE_INSTALL_DIR}
    PATH_VARS CMAKE_INSTALL_INCLUDEDIR FETCHCTL_PLUGIN_INSTALL_DIR)
# Not ARCH_INDEPENDENT: the package holds an executable and the plugin
# folder, and a plugin must match the host's architecture to load.
write_basic_package_version_file(${fetchctl_sdk_dir}/fetchctlConfigVersion.cmake
    VERSION ${PROJECT_VERSION}
    COMPATIBILITY SameMajorVersion)
install(FILES
    ${fetchctl_sdk_dir}/fetchctlConfig.cmake
    ${fetchctl_sdk_dir}/fetchctlConfigVersion.cmake
    ${CMAKE_CURRENT_LIST_DIR}/FetchctlPlugin.cmake
    DESTINATION ${FETCHCTL_CMAKE_INSTALL_DIR})

# pkg-config: paths relative to ${pcfiledir} when the install dirs are
# relative (the usual case), so `--prefix` at install time is honoured.
set(fetchctl_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE ${fetchctl_pc_dir})
    set(FETCHCTL_PC_PREFIX ${CMAKE_INSTALL_PREFIX})
else()
    file(RELATIVE_PATH fetchctl_pc_up /root/${fetchctl_pc_dir} /root)
    string(REGEX REPLACE "/$" "" fetchctl_pc_up "${fetchctl_pc_up}")
    set(FETCHCTL_PC_PREFIX "\${pcfiledir}/${fetchctl_pc_up}")
endif()
foreach(pair "INCLUDEDIR;CMAKE_INSTALL_INCLUDEDIR" "PLUGINDIR;FETCHCTL_PLUGIN_INSTALL_DIR")
    list(GET pair 0 key)
    list(GET pair 1 source)
    if(IS_ABSOLUTE ${${source}})
        set(FETCHCTL_PC_${key} ${${source}})
    else()
        set(FETCHCTL_PC_${key} "\${prefix}/${${source}}")
    endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/fetchctl-plugin.pc.in
    ${fetchctl_sdk_dir}/fetchctl-plugin.pc @ONLY)
install(FILES ${fetchctl_sdk_dir}/fetchctl-plugin.pc DESTINATION ${fetchctl_pc_dir})

# The rules a plugin author builds against, and the two worked examples.
install(FILES
    ${PROJECT_SOURCE_DIR}/docs/ABI.md
    ${PROJECT_SOURCE_DIR}/docs/writing-a-sink.md
    DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/
    DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
    REGEX "/build[^/]*$" EXCLUDE)
