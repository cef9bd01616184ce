# mirflow_add_plugin(<family> <sources>...): a mirflow plugin built against the installed SDK.
#
# Makes the MODULE library target mirflow_<family> with the file name the plugin loader looks
# for (mirflow_<family>.so, no "lib" prefix), hidden symbols (only the MIRFLOW_PLUGIN entry point
# is exported, so two plugins never clash) and mirflow::core linked; link mirflow::physics or
# mirflow::ir yourself when you use them. `cmake --install` puts it in
# <your prefix>/lib/mirflow/plugins: with the same prefix as mirflow the CLI finds it by itself,
# elsewhere list that folder in MIRFLOW_PLUGIN_PATH.
function(mirflow_add_plugin family)
  if(NOT ARGN)
    message(FATAL_ERROR "mirflow_add_plugin(${family}): no source files given")
  endif()
  add_library(mirflow_${family} MODULE ${ARGN})
  target_link_libraries(mirflow_${family} PRIVATE mirflow::core)
  # An installed plugin must still find libmirflow*.so when the CLI that loads it has not
  # loaded them yet (libmirflow_ir.so, say): point its RUNPATH at the SDK's lib/.
  set_target_properties(mirflow_${family} PROPERTIES PREFIX "" CXX_VISIBILITY_PRESET hidden
                        INSTALL_RPATH "${mirflow_LIBRARY_DIR}")
  install(TARGETS mirflow_${family} LIBRARY DESTINATION lib/mirflow/plugins)
endfunction()
