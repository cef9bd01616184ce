#pragma once
// What a plugin (one shared object per node family) includes and exports.
//
//   #include <mirflow/plugin.hpp>
//   MIRFLOW_PLUGIN("io", registry) {
//     registry.add<NpyRead>();
//   }
#include "mirflow/abi.hpp"
#include "mirflow/registry.hpp"

extern "C" {
// The one entry point a plugin exports. The loader checks abi_version before calling
// register_nodes, so a plugin built against another SDK is refused, never run.
struct MirflowPluginInfo {
  int abi_version;
  const char* name;
  void (*register_nodes)(mirflow::Registry& registry);
};
}

#define MIRFLOW_PLUGIN_ENTRY "mirflow_plugin_info"

#define MIRFLOW_PLUGIN(NAME, REGISTRY)                                                          \
  static void mirflow_register_nodes_(mirflow::Registry& REGISTRY);                             \
  extern "C" __attribute__((visibility("default"))) const MirflowPluginInfo* mirflow_plugin_info() { \
    static const MirflowPluginInfo info{MIRFLOW_ABI_VERSION, NAME, &mirflow_register_nodes_};   \
    return &info;                                                                               \
  }                                                                                             \
  static void mirflow_register_nodes_(mirflow::Registry& REGISTRY)
