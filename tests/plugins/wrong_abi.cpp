// Pretends to be built against a future SDK: exports the entry point with ABI version + 1.
#include <mirflow/plugin.hpp>

static void register_nothing(mirflow::Registry&) {}

extern "C" __attribute__((visibility("default"))) const MirflowPluginInfo* mirflow_plugin_info() {
  static const MirflowPluginInfo info{MIRFLOW_ABI_VERSION + 1, "wrongabi", &register_nothing};
  return &info;
}
