// The command line as users meet it: exit codes and messages.
#include <gtest/gtest.h>

#include <fstream>

#include "test_support.hpp"

namespace fs = std::filesystem;
using mirflow::test::run_command;

namespace {

std::string mirflow_bin() { return (mirflow::test::build_dir() / "bin" / "mirflow").string(); }

fs::path write(const fs::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
  return dir / name;
}

}  // namespace

TEST(Cli, Version) {
  std::string out;
  EXPECT_EQ(run_command(mirflow_bin() + " --version", &out), 0);
  EXPECT_EQ(out.rfind("mirflow ", 0), 0u) << out;
  EXPECT_NE(out.find("plugin ABI"), std::string::npos);
}

TEST(Cli, NodesAndDescribe) {
  std::string out;
  EXPECT_EQ(run_command(mirflow_bin() + " nodes", &out), 0);
  EXPECT_NE(out.find("flow.slice"), std::string::npos) << out;
  EXPECT_EQ(run_command(mirflow_bin() + " nodes --describe classic.gaussian", &out), 0);
  EXPECT_NE(out.find("sigma (float, pixels, default 1, range [0, 100])"), std::string::npos) << out;
  EXPECT_EQ(run_command(mirflow_bin() + " nodes --describe classic.gausian", &out), 2);
  EXPECT_NE(out.find("did you mean 'classic.gaussian'"), std::string::npos) << out;
}

TEST(Cli, BadGraphExitsTwoWithPosition) {
  fs::path dir = mirflow::test::scratch_dir("cli");
  fs::path g = write(dir, "bad.toml", "[[node]]\nid = \"a\"\ntype = \"test.source\"\ncount = \"x\"\n");
  std::string out;
  EXPECT_EQ(run_command(mirflow_bin() + " validate " + g.string(), &out), 2);
  EXPECT_NE(out.find(g.string() + ":4:9: node 'a': parameter 'count': expected int"), std::string::npos) << out;
  EXPECT_EQ(run_command(mirflow_bin() + " run " + g.string(), &out), 2);
  EXPECT_EQ(run_command(mirflow_bin() + " run " + (dir / "missing.toml").string(), &out), 2);
  EXPECT_NE(out.find("no such file"), std::string::npos) << out;
  EXPECT_EQ(run_command(mirflow_bin() + " frobnicate", &out), 2);
}

TEST(Cli, RunFailureExitsOneAndStatsPrint) {
  fs::path dir = mirflow::test::scratch_dir("cli-run");
  fs::path g = write(dir, "g.toml", R"([graph]
edges = ["src.image -> s.image"]
[[node]]
id = "src"
type = "test.source"
count = 20
[[node]]
id = "s"
type = "test.scale"
)");
  std::string out;
  EXPECT_EQ(run_command(mirflow_bin() + " run " + g.string() + " --stats --threads 2", &out), 0) << out;
  EXPECT_NE(out.find("allocated"), std::string::npos) << out;
  EXPECT_NE(out.find("progress: 20/20 items"), std::string::npos) << out;  // not a terminal: log lines
  EXPECT_EQ(run_command(mirflow_bin() + " run " + g.string() + " --set s.fail_at=3", &out), 1) << out;
  EXPECT_NE(out.find("node 's', item 'item=3': deliberate failure"), std::string::npos) << out;
  EXPECT_EQ(run_command(mirflow_bin() + " run " + g.string() + " --set s.fail_at=x", &out), 2) << out;
  EXPECT_EQ(run_command(mirflow_bin() + " validate --dot " + g.string(), &out), 0) << out;
  EXPECT_NE(out.find("digraph"), std::string::npos);
}
