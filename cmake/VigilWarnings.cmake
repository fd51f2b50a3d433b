# vigil_target_defaults(<target>): the warning and language settings every
# vigil target gets. Warnings are errors: a warning today is a bug report
# tomorrow.
function(vigil_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()

# vigil_add_library(<name> <sources>...): a static library of one layer. Its
# public headers are under include/vigil; its private headers sit beside its
# sources. Registered for installation.
function(vigil_add_library name)
  add_library(${name} STATIC ${ARGN})
  vigil_target_defaults(${name})
  target_include_directories(${name}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR})
  set_property(GLOBAL APPEND PROPERTY VIGIL_LIBRARY_TARGETS ${name})
endfunction()
