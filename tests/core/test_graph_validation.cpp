// Every validation error, with its exact file:line:column, and all of them reported at once.
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace mirflow;
using mirflow::test::registry;

namespace {

std::vector<Diagnostic> errors_of(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  try {
    mirflow::test::validate_string(toml, "/data", overrides);
  } catch (const ValidationError& e) {
    return e.diagnostics();
  }
  return {};
}

std::string where(const Diagnostic& d) {
  return d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
}

// A valid two-node graph; tests break one thing at a time. Line numbers matter below.
const char* kGood = R"([graph]
name = "good"
edges = ["src.image -> x2.image"]

[[node]]
id = "src"
type = "test.source"
count = 3

[[node]]
id = "x2"
type = "test.scale"
factor = 2.0
)";

}  // namespace

TEST(Validation, GoodGraphPasses) {
  ValidGraph g = mirflow::test::validate_string(kGood, "/data");
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].params.get_int("count"), 3);
  EXPECT_EQ(g.nodes[0].params.get_int("nx"), 4);  // default filled in
  EXPECT_DOUBLE_EQ(g.nodes[1].params.get_float("factor"), 2.0);
  ASSERT_EQ(g.edges.size(), 1u);
  EXPECT_NE(g.to_dot().find("\"src\" -> \"x2\""), std::string::npos);
}

TEST(Validation, TomlSyntaxError) {
  auto e = errors_of("[graph]\nname = \"x\nedges = []\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].file, "test.toml");
  EXPECT_EQ(e[0].line, 2);
  EXPECT_NE(e[0].message.find("TOML syntax error"), std::string::npos);
}

TEST(Validation, UnknownTypeSuggestsNearestNames) {
  std::string g = kGood;
  g.replace(g.find("test.scale"), 10, "test.scael");
  auto e = errors_of(g);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(where(e[0]), "test.toml:11:1");
  EXPECT_EQ(e[0].node, "x2");
  EXPECT_NE(e[0].message.find("unknown node type 'test.scael'"), std::string::npos);
  EXPECT_NE(e[0].message.find("did you mean 'test.scale'"), std::string::npos);
  EXPECT_EQ(e[0].str().rfind("test.toml:11:1: node 'x2': unknown node type", 0), 0u);
}

TEST(Validation, UnknownParameterPointsAtTheKey) {
  std::string g = std::string(kGood) + "factr = 3.0\n";
  auto e = errors_of(g);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(where(e[0]), "test.toml:14:1");
  EXPECT_NE(e[0].message.find("unknown parameter 'factr'"), std::string::npos);
  EXPECT_NE(e[0].message.find("did you mean 'factor'"), std::string::npos);
}

TEST(Validation, MistypedParameterPointsAtTheValue) {
  std::string g = kGood;
  g.replace(g.find("count = 3"), 9, "count = \"three\"");
  auto e = errors_of(g);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(where(e[0]), "test.toml:8:9");
  EXPECT_NE(e[0].message.find("parameter 'count': expected int, got \"three\""), std::string::npos);
}

TEST(Validation, IntegerIsAcceptedForFloatButNotTheReverse) {
  std::string g = kGood;
  g.replace(g.find("factor = 2.0"), 12, "factor = 2");
  EXPECT_TRUE(errors_of(g).empty());
  g = kGood;
  g.replace(g.find("count = 3"), 9, "count = 3.5");
  auto e = errors_of(g);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(where(e[0]), "test.toml:8:9");
}

// A number where a string parameter is expected is taken as its text (strength = 1.5 means
// strength = "1.5"); a boolean or a list is still an error.
TEST(Validation, NumberIsAcceptedAsTextForAStringParameter) {
  std::string g = kGood;
  g.replace(g.find("count = 3"), 9, "count = 3\npeak_file = 2.5");
  const ValidGraph v = mirflow::test::validate_string(g, "/data");
  EXPECT_EQ(v.nodes.at(0).params.get_string("peak_file"), "2.5");
  g = kGood;
  g.replace(g.find("count = 3"), 9, "count = 3\npeak_file = true");
  auto e = errors_of(g);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("expected string"), std::string::npos) << e[0].message;
}

TEST(Validation, OutOfRangeValue) {
  std::string g = kGood;
  g.replace(g.find("count = 3"), 9, "count = -1");
  auto e = errors_of(g);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(where(e[0]), "test.toml:8:9");
  EXPECT_NE(e[0].message.find("outside [0, 1e+09]"), std::string::npos);
}

TEST(Validation, MissingRequiredParameter) {
  auto e = errors_of(R"([[node]]
id = "rec"
type = "test.record"
path = "x"
[[node]]
id = "f"
type = "io.npy_read"
)");
  // test.record's input is unconnected (line 2); io.npy_read (if present) misses 'path'.
  ASSERT_GE(e.size(), 1u);
  EXPECT_EQ(where(e[0]), "test.toml:2:1");
  EXPECT_NE(e[0].message.find("required input 'image' (image) is not connected"), std::string::npos);
  if (registry().find("io.npy_read")) {
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(where(e[1]), "test.toml:6:1");
    EXPECT_NE(e[1].message.find("missing required parameter 'path'"), std::string::npos);
  }
}

TEST(Validation, PortTypeMismatch) {
  auto e = errors_of(R"([graph]
edges = ["j.json -> x2.image"]
[[node]]
id = "j"
type = "test.json_source"
[[node]]
id = "x2"
type = "test.scale"
)");
  ASSERT_EQ(e.size(), 1u);  // and no cascading "x2.image is not connected"
  EXPECT_EQ(where(e[0]), "test.toml:2:10");
  EXPECT_NE(e[0].message.find("port type mismatch: j.json gives 'json' but x2.image takes 'image'"), std::string::npos);
}

TEST(Validation, UnknownPortsAndNodesInEdges) {
  auto e = errors_of(R"([graph]
edges = [
  "src.imag -> x2.image",
  "src.image -> x3.image",
  "src.image x2.image",
]
[[node]]
id = "src"
type = "test.source"
[[node]]
id = "x2"
type = "test.scale"
)");
  // x2.image is the target of the first (rejected) edge: no cascading "not connected" error.
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(where(e[0]), "test.toml:3:3");
  EXPECT_NE(e[0].message.find("no output port 'imag' on test.source (outputs: image)"), std::string::npos);
  EXPECT_EQ(where(e[1]), "test.toml:4:3");
  EXPECT_NE(e[1].message.find("edge to unknown node 'x3' (did you mean 'x2'"), std::string::npos);
  EXPECT_EQ(where(e[2]), "test.toml:5:3");
  EXPECT_NE(e[2].message.find("malformed edge"), std::string::npos);
}

TEST(Validation, InputFedTwice) {
  std::string g = kGood;
  g.replace(g.find("edges = [\"src.image -> x2.image\"]"), 33,
            "edges = [\"src.image -> x2.image\", \"src.image -> x2.image\"]");
  auto e = errors_of(g);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(where(e[0]), "test.toml:3:35");
  EXPECT_NE(e[0].message.find("already fed"), std::string::npos);
}

TEST(Validation, Cycle) {
  auto e = errors_of(R"([graph]
edges = [
  "a.image -> b.a",
  "src.image -> b.b",
  "b.image -> a.image",
]
[[node]]
id = "src"
type = "test.source"
[[node]]
id = "a"
type = "test.scale"
[[node]]
id = "b"
type = "test.combine"
)");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("cycle: "), std::string::npos);
  EXPECT_TRUE(where(e[0]) == "test.toml:3:3" || where(e[0]) == "test.toml:5:3") << where(e[0]);
}

TEST(Validation, DuplicateId) {
  std::string g = std::string(kGood) + "\n[[node]]\nid = \"src\"\ntype = \"test.source\"\n";
  auto e = errors_of(g);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(where(e[0]), "test.toml:16:1");
  EXPECT_NE(e[0].message.find("duplicate node id (first declared at line 6)"), std::string::npos);
}

TEST(Validation, AllErrorsAtOnceInFileOrder) {
  std::string g = kGood;
  g.replace(g.find("count = 3"), 9, "count = -1");
  g.replace(g.find("factor = 2.0"), 12, "factr = 2.0");
  auto e = errors_of(g);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(where(e[0]), "test.toml:8:9");
  EXPECT_EQ(where(e[1]), "test.toml:13:1");
}

TEST(Validation, OverridesAreValidatedTheSameWay) {
  auto g = mirflow::test::validate_string(kGood, "/data", {"src.count=7", "x2.factor=0.5"});
  EXPECT_EQ(g.nodes[0].params.get_int("count"), 7);
  EXPECT_DOUBLE_EQ(g.nodes[1].params.get_float("factor"), 0.5);

  auto e = errors_of(kGood, {"src.count=-4"});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].file, "--set src.count=-4");
  EXPECT_EQ(e[0].node, "src");
  EXPECT_NE(e[0].message.find("outside"), std::string::npos);

  e = errors_of(kGood, {"src.cuont=4"});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("did you mean 'count'"), std::string::npos);

  e = errors_of(kGood, {"scr.count=4"});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("no node with this id"), std::string::npos);
  EXPECT_NE(e[0].message.find("did you mean 'src'"), std::string::npos);

  e = errors_of(kGood, {"nodot"});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("malformed override"), std::string::npos);
}

TEST(Validation, RelativePathsResolveAgainstTheGraphFolder) {
  if (!registry().find("io.npy_write")) GTEST_SKIP() << "the io plugin is not built";
  const std::string g = R"([[node]]
id = "src"
type = "test.source"
[[node]]
id = "output"
type = "io.npy_write"
path = "../out/{index}.npy"
[graph]
edges = ["src.image -> output.image"]
)";
  // Path parameters become absolute against the graph folder; --set paths against the cwd.
  auto v = mirflow::test::validate_string(g, "/data/graphs");
  EXPECT_EQ(v.nodes[1].params.get_string("path"), "/data/out/{index}.npy");
  v = mirflow::test::validate_string(g, "/data/graphs", {"output.path=x/y.npy"});
  EXPECT_EQ(v.nodes[1].params.get_string("path"), (std::filesystem::current_path() / "x/y.npy").string());
  // A String parameter stays as written.
  v = mirflow::test::validate_string(
      "[[node]]\nid = \"src\"\ntype = \"test.source\"\n[[node]]\nid = \"r\"\ntype = \"test.record\"\npath = \"a/b\"\n"
      "[graph]\nedges = [\"src.image -> r.image\"]\n", "/data/graphs");
  EXPECT_EQ(v.nodes[1].params.get_string("path"), "a/b");
}
