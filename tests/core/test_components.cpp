// Component slots ([[node.<slot>]] entries resolved against plugin components) and plugin
// commands, through the test plugin's test.chain node and its "test.pixel_map" components.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace mirflow;

namespace {

std::vector<Diagnostic> errors_of(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  try {
    mirflow::test::validate_string(toml, "/data", overrides);
  } catch (const ValidationError& e) {
    return e.diagnostics();
  }
  return {};
}

bool has_error(const std::vector<Diagnostic>& errors, int line, int column, const std::string& text) {
  for (const auto& d : errors)
    if (d.line == line && d.column == column && d.message.find(text) != std::string::npos) return true;
  return false;
}

std::string dump(const std::vector<Diagnostic>& errors) {
  std::string s;
  for (const auto& d : errors) s += std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.message + "\n";
  return s;
}

// 3 items of 4×4 pixels, item i filled with i, through two pixel maps, recorded as pixel sums.
// Line numbers matter in the tests below.
const char* kChain = R"([graph]
edges = ["src.image -> chain.image", "chain.image -> rec.image"]
[[node]]
id = "src"
type = "test.source"
count = 3
[[node]]
id = "chain"
type = "test.chain"
[[node.step]]
type = "affine"
a = 3.0
b = -1
[[node.step]]
type = "clamp"
lo = 0.0
hi = 4.0
[[node]]
id = "rec"
type = "test.record"
path = "record.txt"
)";

std::map<std::string, double> run_chain(const std::string& toml, const std::vector<std::string>& overrides) {
  fs::path dir = mirflow::test::scratch_dir("components");
  std::vector<std::string> all = overrides;
  all.push_back("rec.path=" + (dir / "record.txt").string());  // test.record's path is not resolved against the graph
  mirflow::test::run_string(toml, dir, all);
  std::map<std::string, double> sums;
  std::ifstream in(dir / "record.txt");
  std::string key;
  double sum;
  while (in >> key >> sum) sums[key] = sum;
  return sums;
}

}  // namespace

TEST(Components, EntriesAreAppliedInDeclarationOrder) {
  // affine then clamp: clamp(3i − 1, 0, 4) = 0, 2, 4 on 16 pixels.
  auto sums = run_chain(kChain, {});
  ASSERT_EQ(sums.size(), 3u);
  EXPECT_DOUBLE_EQ(sums["item=0"], 0.0);
  EXPECT_DOUBLE_EQ(sums["item=1"], 32.0);
  EXPECT_DOUBLE_EQ(sums["item=2"], 64.0);
  // Overrides reach entries: clamp(2i − 1, 0, 3) = 0, 1, 3.
  sums = run_chain(kChain, {"chain.step[0].a=2", "chain.step[1].hi=3"});
  EXPECT_DOUBLE_EQ(sums["item=0"], 0.0);
  EXPECT_DOUBLE_EQ(sums["item=1"], 16.0);
  EXPECT_DOUBLE_EQ(sums["item=2"], 48.0);
  // Changing an entry's type keeps its other keys, so the new type must accept them.
  auto e = errors_of(kChain, {"chain.step[0].type=clamp"});
  EXPECT_NE(dump(e).find("step[0]: unknown parameter 'a' for test.pixel_map 'clamp'"), std::string::npos) << dump(e);
  // An index one past the end appends an entry: +10 after the clamp.
  sums = run_chain(kChain, {"chain.step[2].type=affine", "chain.step[2].b=10"});
  EXPECT_DOUBLE_EQ(sums["item=0"], 160.0);
  EXPECT_DOUBLE_EQ(sums["item=2"], 224.0);
}

TEST(Components, DefaultsAreFilledAndValidatedGraphsCarryEntries) {
  ValidGraph g = mirflow::test::validate_string(kChain, "/data", {"chain.step[1].hi=2"});
  const auto& steps = g.nodes[1].components.at("step");
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].type, "affine");
  EXPECT_DOUBLE_EQ(steps[0].params.get_float("b"), -1.0);  // an integer in TOML becomes a float
  EXPECT_DOUBLE_EQ(steps[1].params.get_float("hi"), 2.0);
  EXPECT_DOUBLE_EQ(steps[1].params.get_float("lo"), 0.0);
  EXPECT_NE(steps[0].where.find(":10:1"), std::string::npos) << steps[0].where;
  EXPECT_NE(steps[0].where.find("chain.step[0]"), std::string::npos) << steps[0].where;
  // make<T> refuses a type other than the kind's base type.
  EXPECT_THROW(steps[0].make<int>(), std::logic_error);
}

TEST(Components, EveryProblemIsReportedWithItsPosition) {
  std::string bad = kChain;
  bad.replace(bad.find("type = \"clamp\""), 14, "type = \"clmap\"");
  bad.replace(bad.find("a = 3.0"), 7, "slope = 3");
  bad.replace(bad.find("b = -1"), 6, "b = \"x\"");
  auto e = errors_of(bad + "[[node.stpe]]\ntype = \"affine\"\n");
  EXPECT_TRUE(has_error(e, 12, 1, "step[0]: unknown parameter 'slope' for test.pixel_map 'affine'")) << dump(e);
  EXPECT_TRUE(has_error(e, 13, 5, "step[0]: parameter 'b': expected float")) << dump(e);
  EXPECT_TRUE(has_error(e, 15, 1, "unknown test.pixel_map 'clmap' (did you mean 'clamp'")) << dump(e);
  EXPECT_TRUE(has_error(e, 15, 1, "available: affine, clamp")) << dump(e);
  // The misspelt slot is a new [[node.stpe]] under the last node (rec), which has no slots.
  EXPECT_TRUE(has_error(e, 22, 1, "'stpe' is not a component slot of test.record (slots: none)")) << dump(e);
  EXPECT_EQ(e.size(), 4u) << dump(e);

  e = errors_of(kChain, {"chain.step[5].a=1", "chain.step[0.a=1", "chain.step[1].type=3"});
  ASSERT_EQ(e.size(), 3u) << dump(e);
  EXPECT_NE(dump(e).find("'step' has 2 entries; index 5"), std::string::npos) << dump(e);
  EXPECT_NE(dump(e).find("malformed override key 'step[0.a'"), std::string::npos) << dump(e);
  EXPECT_NE(dump(e).find("step[1].type must be a string"), std::string::npos) << dump(e);

  e = errors_of(std::string(kChain) + "[[node.step]]\nlo = 1\n", {});
  EXPECT_EQ(e.size(), 2u) << dump(e);  // an entry without a type, and 'step' on test.record
}

TEST(Components, SingleTableIsRefusedWithAHint) {
  std::string bad = kChain;
  bad.replace(bad.find("[[node.step]]"), 13, "[node.step]");
  bad.erase(bad.find("[[node.step]]"), bad.find("[[node]]\nid = \"rec\"") - bad.find("[[node.step]]"));
  auto e = errors_of(bad);
  EXPECT_FALSE(e.empty());
  EXPECT_NE(dump(e).find("component entries are declared as [[node.step]] tables"), std::string::npos) << dump(e);
}

TEST(Components, CliDescribesSlotsAndRunsPluginCommands) {
  const std::string bin = (mirflow::test::build_dir() / "bin" / "mirflow").string();
  std::string out;
  EXPECT_EQ(mirflow::test::run_command(bin + " nodes --describe test.chain", &out), 0);
  EXPECT_NE(out.find("[[node.step]] entries (test.pixel_map)"), std::string::npos) << out;
  EXPECT_NE(out.find("type = \"clamp\""), std::string::npos) << out;
  EXPECT_NE(out.find("hi (float, default 1, range [-1e+09, 1e+09])"), std::string::npos) << out;
  EXPECT_EQ(mirflow::test::run_command(bin + " test-echo one --two", &out), 2);
  EXPECT_EQ(out, "one\n--two\n");
  EXPECT_EQ(mirflow::test::run_command(bin + " test-ecko", &out), 2);
  EXPECT_NE(out.find("unknown command 'test-ecko' (plugin commands: "), std::string::npos) << out;
  EXPECT_NE(out.find("test-echo"), std::string::npos) << out;  // listed among the other plugins' commands
}
