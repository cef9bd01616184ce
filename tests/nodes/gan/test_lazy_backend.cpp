// The gan plugin declares its nodes without LibTorch and loads its backend
// (libmirflow_gan_nodes.so, next to the plugin) when a gan node is first built: graphs without
// gan nodes, and validation, never pay LibTorch's load time. This binary does not link LibTorch,
// so whether LibTorch is in the process is whether the backend was loaded.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "mirflow/error.hpp"
#include "test_support.hpp"

using namespace mirflow;
namespace fs = std::filesystem;

namespace {

bool libtorch_mapped() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find("libtorch_cpu") != std::string::npos || line.find("libmirflow_gan_nodes") != std::string::npos)
      return true;
  return false;
}

std::string graph(const fs::path& out) {
  return "[graph]\nedges = [\"phantom.image -> denoise.image\", \"denoise.image -> write.image\"]\n"
         "[[node]]\nid = \"phantom\"\ntype = \"physics.phantom\"\nnx = 40\nny = 33\n"
         "[[node]]\nid = \"denoise\"\ntype = \"gan.denoise\"\nmodel = \"" +
         (test::source_dir() / "models" / "mri_gan_w8.pt").string() +
         "\"\n"
         "[[node]]\nid = \"write\"\ntype = \"io.npy_write\"\npath = \"" +
         out.string() + "\"\n";
}

}  // namespace

TEST(GanBackend, LoadedOnlyWhenAGanNodeRuns) {
  ASSERT_FALSE(libtorch_mapped()) << "this test binary must not link LibTorch";
  Registry& r = test::registry();
  ASSERT_NE(r.find("gan.denoise"), nullptr);
  const fs::path dir = test::scratch_dir("gan_backend");
  const ValidGraph g = test::validate_string(graph(dir / "out.npy"), dir);
  EXPECT_FALSE(libtorch_mapped()) << "plugin loading or validation loaded LibTorch";
  test::run_string(graph(dir / "out.npy"), dir);
  EXPECT_TRUE(libtorch_mapped());
  EXPECT_TRUE(fs::exists(dir / "out.npy"));
}

TEST(GanBackend, AMissingBackendIsAnErrorNamingIt) {
  // The plugin alone in a folder, without the backend beside it.
  const fs::path dir = test::scratch_dir("gan_backend_missing");
  fs::path plugin;
  for (const fs::path& d : plugin_search_path())
    if (fs::exists(d / "mirflow_gan.so")) {
      plugin = d / "mirflow_gan.so";
      break;
    }
  ASSERT_FALSE(plugin.empty());
  fs::copy_file(plugin, dir / "mirflow_gan.so");
  Registry r;
  load_plugin(r, dir / "mirflow_gan.so");
  for (const char* type : {"physics.phantom", "io.npy_write"}) ASSERT_EQ(r.find(type), nullptr) << type;
  // Only the gan plugin is loaded: build the node directly through its factory.
  const NodeType* t = r.find("gan.denoise");
  ASSERT_NE(t, nullptr);
  std::string message;
  try {
    NodeConfig c;
    c.id = "denoise";
    t->factory(c);
  } catch (const InputError& e) {
    message = e.what();
  }
  EXPECT_NE(message.find((dir / "libmirflow_gan_nodes.so").string()), std::string::npos) << message;
}
