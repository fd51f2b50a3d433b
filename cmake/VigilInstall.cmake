include(CMakePackageConfigHelpers)

get_property(VIGIL_LIBRARY_TARGETS GLOBAL PROPERTY VIGIL_LIBRARY_TARGETS)
set(VIGIL_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/vigil)

install(DIRECTORY include/vigil DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS vigil_lib ${VIGIL_LIBRARY_TARGETS}
        EXPORT vigilTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT vigilTargets NAMESPACE vigil:: DESTINATION ${VIGIL_INSTALL_CMAKEDIR})

configure_package_config_file(cmake/vigilConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/vigilConfig.cmake
  INSTALL_DESTINATION ${VIGIL_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/vigilConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/vigilConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/vigilConfigVersion.cmake
        DESTINATION ${VIGIL_INSTALL_CMAKEDIR})
