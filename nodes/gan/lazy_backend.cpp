#include "lazy_backend.hpp"

#include <dlfcn.h>

#include <filesystem>

#include <mirflow/error.hpp>

namespace mirflow::gan {
namespace {

const Backend* load() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&backend), &info) || !info.dli_fname)
    throw InputError("gan: cannot find the gan plugin's own file to locate " + std::string(kBackendFile));
  const std::filesystem::path file = std::filesystem::absolute(info.dli_fname).parent_path() / kBackendFile;
  // Kept loaded for the life of the process, like the plugins: nodes it built may still exist.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    throw InputError("gan: cannot load the LibTorch backend " + file.string() + " (installed with the gan plugin): " +
                     dlerror());
  using EntryFn = const Backend* (*)();
  auto entry = reinterpret_cast<EntryFn>(dlsym(handle, kBackendEntry));
  const Backend* b = entry ? entry() : nullptr;
  if (!b || b->version != kBackendVersion)
    throw InputError("gan: " + file.string() + " is not the backend this gan plugin was built with (entry " +
                     kBackendEntry + ", version " + std::to_string(kBackendVersion) + "); rebuild both together");
  return b;
}

}  // namespace

const Backend& backend() {
  static const Backend* b = load();  // a failed load throws and is retried on the next call
  return *b;
}

}  // namespace mirflow::gan
