#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "mirflow/engine.hpp"
#include "mirflow/plugin.hpp"

namespace mirflow {

namespace fs = std::filesystem;

static fs::path executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

static fs::path core_library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&plugin_search_path), &info) && info.dli_fname)
    return fs::absolute(info.dli_fname).parent_path();
  return {};
}

std::vector<fs::path> plugin_search_path() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("MIRFLOW_PLUGIN_PATH")) {
    std::string s = env;
    std::size_t start = 0;
    while (start <= s.size()) {
      std::size_t end = s.find(':', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) dirs.emplace_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const fs::path& base : {executable_dir(), core_library_dir()}) {
    if (base.empty()) continue;
    for (const fs::path& d : {base, base / "plugins", base / ".." / "plugins", base / "mirflow" / "plugins",
                              base / ".." / "lib" / "mirflow" / "plugins"})
      dirs.push_back(d.lexically_normal());
  }
  // One entry per real folder: a relative or symlinked spelling of a default folder (say
  // MIRFLOW_PLUGIN_PATH=build/plugins) would otherwise load nothing new and report every
  // plugin in it as shadowed.
  std::vector<fs::path> unique;
  for (auto& d : dirs) {
    std::error_code ec;
    fs::path real = fs::weakly_canonical(fs::absolute(d, ec), ec);
    if (ec) real = d;
    if (std::find(unique.begin(), unique.end(), real) == unique.end()) unique.push_back(real);
  }
  return unique;
}

void load_plugin(Registry& registry, const fs::path& file) {
  // Plugins stay loaded for the life of the process: node code may still be referenced.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw InputError("cannot load plugin " + file.string() + ": " + dlerror());
  using InfoFn = const MirflowPluginInfo* (*)();
  auto fn = reinterpret_cast<InfoFn>(dlsym(handle, MIRFLOW_PLUGIN_ENTRY));
  if (!fn)
    throw InputError("plugin " + file.string() + " does not export " MIRFLOW_PLUGIN_ENTRY
                     " (not a mirflow plugin): " + dlerror());
  const MirflowPluginInfo* info = fn();
  if (!info || info->abi_version != MIRFLOW_ABI_VERSION)
    throw InputError("plugin " + file.string() + " was built for mirflow plugin ABI version " +
                     std::to_string(info ? info->abi_version : -1) + ", but this mirflow has ABI version " +
                     std::to_string(MIRFLOW_ABI_VERSION) + "; rebuild the plugin against this mirflow's SDK");
  registry.set_origin(file.string());
  try {
    info->register_nodes(registry);
  } catch (const std::exception& e) {
    registry.set_origin("builtin");
    throw InputError("plugin " + file.string() + " failed to register its nodes: " + e.what());
  }
  registry.set_origin("builtin");
}

void load_plugins(Registry& registry) {
  std::map<std::string, fs::path> loaded;  // file name → the file loaded: the first of a name wins (MIRFLOW_PLUGIN_PATH first)
  for (const auto& dir : plugin_search_path()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("mirflow_", 0) == 0 && entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      if (auto it = loaded.find(f.filename().string()); it != loaded.end()) {
        registry.load_notes().push_back("skipped " + f.string() + ": " + it->second.string() +
                                        ", earlier in the search path, has the same name");
        continue;
      }
      try {
        load_plugin(registry, f);
        loaded.emplace(f.filename().string(), f);  // a refused file does not hide a later good one
      } catch (const std::exception& e) {
        registry.load_notes().push_back(e.what());
      }
    }
  }
}

}  // namespace mirflow
