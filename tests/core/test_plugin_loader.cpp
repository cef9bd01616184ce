#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "mirflow/abi.hpp"
#include "test_support.hpp"

using namespace mirflow;
namespace fs = std::filesystem;

TEST(PluginLoader, RefusesAPluginBuiltForAnotherAbi) {
  const fs::path bad = mirflow::test::build_dir() / "test-plugins-bad" / "mirflow_wrongabi.so";
  ASSERT_TRUE(fs::exists(bad)) << bad;
  Registry reg;
  try {
    load_plugin(reg, bad);
    FAIL() << "the plugin was accepted";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(bad.string()), std::string::npos) << m;
    EXPECT_NE(m.find("ABI version " + std::to_string(MIRFLOW_ABI_VERSION + 1)), std::string::npos) << m;
    EXPECT_NE(m.find("this mirflow has ABI version " + std::to_string(MIRFLOW_ABI_VERSION)), std::string::npos) << m;
  }
  EXPECT_TRUE(reg.types().empty());
}

TEST(PluginLoader, RefusedPluginsAreNotedAndNamedWhenATypeIsMissing) {
  const fs::path dir = mirflow::test::build_dir() / "test-plugins-bad";
  const std::string saved = std::getenv("MIRFLOW_PLUGIN_PATH") ? std::getenv("MIRFLOW_PLUGIN_PATH") : "";
  setenv("MIRFLOW_PLUGIN_PATH", dir.c_str(), 1);
  Registry reg;
  load_plugins(reg);
  setenv("MIRFLOW_PLUGIN_PATH", saved.c_str(), 1);  // the other tests of this binary use the build tree
  ASSERT_FALSE(reg.load_notes().empty());
  EXPECT_NE(reg.load_notes()[0].find("mirflow_wrongabi.so"), std::string::npos);
  GraphDecl g = parse_graph_string("[[node]]\nid = \"a\"\ntype = \"wrongabi.thing\"\n", "t.toml", "/");
  try {
    validate(g, reg);
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("note: a plugin was refused"), std::string::npos) << e.what();
  }
}

TEST(PluginLoader, NotAPluginGivesDlerrorAndPath) {
  const fs::path dir = mirflow::test::scratch_dir("notaplugin");
  const fs::path f = dir / "mirflow_garbage.so";
  std::ofstream(f) << std::string(4096, 'x');  // long enough for the loader to read a header
  Registry reg;
  try {
    load_plugin(reg, f);
    FAIL();
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cannot load plugin " + f.string()), std::string::npos) << m;
    EXPECT_NE(m.find("invalid ELF header"), std::string::npos) << m;  // dlerror()'s own text
  }
}

TEST(PluginLoader, LoadsTheBuildTreePlugins) {
  auto& reg = mirflow::test::registry();
  for (const char* t : {"flow.passthrough", "flow.slice", "flow.stack", "classic.gaussian", "test.source"})
    EXPECT_NE(reg.find(t), nullptr) << t;
  EXPECT_NE(reg.find("flow.slice")->origin.find("mirflow_flow.so"), std::string::npos);
}

TEST(PluginLoader, NearestNames) {
  auto near = nearest_names("flow.stak", {"flow.stack", "flow.slice", "io.npy_read", "classic.gaussian"});
  ASSERT_FALSE(near.empty());
  EXPECT_EQ(near[0], "flow.stack");
  EXPECT_TRUE(nearest_names("zzzzzzzzzzzz", {"flow.stack"}).empty());
  near = nearest_names("gaussian", {"flow.stack", "classic.gaussian"});
  ASSERT_FALSE(near.empty());
  EXPECT_EQ(near[0], "classic.gaussian");
}

TEST(PluginLoader, AFolderSpelledTwiceIsSearchedOnce) {
  // The build tree's plugins/ is a default folder of this binary (build/tests/../plugins); name
  // it again relatively and through a symlink: no duplicate entry, no "skipped" notes.
  const fs::path plugins = fs::canonical(mirflow::test::build_dir() / "plugins");
  const fs::path link = mirflow::test::scratch_dir("plugin_link") / "plugins";
  fs::create_directory_symlink(plugins, link);
  const std::string relative = fs::relative(plugins, fs::current_path()).string();
  const std::string saved = std::getenv("MIRFLOW_PLUGIN_PATH") ? std::getenv("MIRFLOW_PLUGIN_PATH") : "";
  setenv("MIRFLOW_PLUGIN_PATH", (relative + ":" + link.string()).c_str(), 1);
  const std::vector<fs::path> dirs = plugin_search_path();
  EXPECT_EQ(std::count(dirs.begin(), dirs.end(), plugins), 1);
  Registry reg;
  load_plugins(reg);
  setenv("MIRFLOW_PLUGIN_PATH", saved.c_str(), 1);
  EXPECT_NE(reg.find("flow.slice"), nullptr);
  for (const auto& note : reg.load_notes()) ADD_FAILURE() << note;
}
