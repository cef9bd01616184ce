// The semantic nodes through the engine: semantic.structure's outputs equal the library's map;
// semantic.gemini against fake_gemini.py gives the rasterised box (28 = 35 pixels × 0.8 on a
// 16 × 12 slice), reruns from its cache, falls back to semantic.structure when unreachable
// (on_unreachable = "structure") or fails (default), and a 403 is bad input whose message does
// not hold the key; nothing on stderr holds it either.
#include <gtest/gtest.h>

#include <cstdlib>

#include <mirflow/error.hpp>

#include "fake_gemini.hpp"
#include "mirflow_semantic/structure.hpp"
#include "test_support.hpp"

using namespace mirflow;
namespace fs = std::filesystem;

namespace {

const std::string kKey = "NODEKEY-51c2-do-not-print";

double recorded_sum(const fs::path& p) {
  std::ifstream in(p);
  std::string key;
  double sum = 0, total = 0;
  while (in >> key >> sum) total += sum;
  return total;
}

std::string gemini_graph(const std::string& endpoint, const std::string& model, const fs::path& cache,
                         const std::string& policy) {
  return R"([graph]
edges = ["src.image -> sem.image", "sem.map -> rec.image"]
[[node]]
id = "src"
type = "test.source"
count = 2
nx = 16
ny = 12
[[node]]
id = "sem"
type = "semantic.gemini"
endpoint = ")" + endpoint + R"("
model = ")" + model + R"("
cache_dir = ")" + cache.string() + R"("
on_unreachable = ")" + policy + R"("
retries = 1
backoff_initial = 0.01
backoff_max = 0.02
timeout = 5
feather = 0
[[node]]
id = "rec"
type = "test.record"
path = "placeholder"
)";
}

}  // namespace

TEST(SemanticNodes, StructureNodeGivesTheLibraryMap) {
  const fs::path dir = mirflow::test::scratch_dir("semantic_structure_node");
  if (!mirflow::test::python_has("numpy")) GTEST_SKIP();
  ASSERT_EQ(mirflow::test::run_command("/usr/bin/python3 -c \"import numpy as np; y, x = np.mgrid[0:48, 0:40] + 0.5; "
                                       "np.save('" + (dir / "disc.npy").string() +
                                       "', np.where(np.hypot(x - 20, y - 24) <= 5, 200.0, 50.0).astype(np.float32))\""),
            0);
  mirflow::test::run_string(R"([graph]
edges = ["input.image -> sem.image", "sem.map -> output.image"]
[[node]]
id = "input"
type = "io.npy_read"
path = "disc.npy"
[[node]]
id = "sem"
type = "semantic.structure"
[[node]]
id = "output"
type = "io.npy_write"
path = "m.npy"
)",
                            dir);
  std::string out;
  ASSERT_EQ(mirflow::test::run_command("/usr/bin/python3 -c \"import numpy as np; m = np.load('" + (dir / "m.npy").string() +
                                           "'); print(m.dtype, m.shape[0], m.shape[1], ' '.join(map(repr, m.ravel().tolist())))\"",
                                       &out),
            0)
      << out;
  // The library on the same pixels (the disc drawn again here).
  Image disc = Image::allocate2d(DType::F32, 40, 48);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 40; ++x) disc.at<float>(x, y) = std::hypot(x + 0.5 - 20, y + 0.5 - 24) <= 5 ? 200.0f : 50.0f;
  const semantic::SemanticMap ref = semantic::structure_map(disc, {});
  std::istringstream s(out);
  std::string dtype;
  int rows = 0, cols = 0;
  s >> dtype >> rows >> cols;
  ASSERT_EQ(dtype, "float32");
  ASSERT_EQ(rows, 48);
  ASSERT_EQ(cols, 40);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 40; ++x) {
      double v = -1;
      s >> v;
      ASSERT_FLOAT_EQ(static_cast<float>(v), ref.map.at<float>(x, y)) << x << "," << y;
    }
  EXPECT_EQ(ref.regions.size(), 1u);
}

TEST(SemanticNodes, GeminiNodeCacheFallbackAndErrors) {
  ::setenv("GEMINI_API_KEY", kKey.c_str(), 1);
  const fs::path dir = mirflow::test::scratch_dir("semantic_gemini_node");
  auto server = std::make_unique<mirflow::test::FakeGemini>(dir);
  const fs::path rec = dir / "sums.txt";
  const std::vector<std::string> set{"rec.path=" + rec.string()};
  testing::internal::CaptureStderr();

  // Both constant items window to the same all-black PNG: one request, then a cache hit (one
  // thread, so the second item starts after the first has stored its reply).
  RunOptions one_thread;
  one_thread.threads = 1;
  mirflow::test::run_string(gemini_graph(server->base(), "ok", dir / "cache", "fail"), dir, set, one_thread);
  EXPECT_DOUBLE_EQ(recorded_sum(rec), 2 * 28.0);
  EXPECT_EQ(server->requests(), 1);

  // A 403 is bad input (exit 2), naming the cause, never the key the server echoed.
  try {
    mirflow::test::run_string(gemini_graph(server->base(), "forbidden", dir / "cache", "fail"), dir, set);
    ADD_FAILURE() << "no error";
  } catch (const RunError& e) {
    EXPECT_TRUE(e.bad_input());
    EXPECT_NE(std::string(e.what()).find("HTTP 403"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(kKey), std::string::npos) << e.what();
  }
  const std::string base = server->base();
  server->stop();

  // Server gone: the cache still answers.
  fs::remove(rec);
  mirflow::test::run_string(gemini_graph(base, "ok", dir / "cache", "fail"), dir, set);
  EXPECT_DOUBLE_EQ(recorded_sum(rec), 2 * 28.0);

  // Not cached and unreachable: fail by default, the structure provider on request (M = 0 on
  // constant images).
  EXPECT_THROW(mirflow::test::run_string(gemini_graph(base, "ok", dir / "cache2", "fail"), dir, set), RunError);
  fs::remove(rec);
  mirflow::test::run_string(gemini_graph(base, "ok", dir / "cache3", "structure"), dir, set);
  EXPECT_DOUBLE_EQ(recorded_sum(rec), 0.0);

  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("cache hit"), std::string::npos) << err;
  EXPECT_NE(err.find("falling back to the offline structure provider"), std::string::npos) << err;
  EXPECT_EQ(err.find(kKey), std::string::npos) << err;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().parent_path().filename() != "requests") {
      EXPECT_EQ(mirflow::test::slurp(e.path()).find(kKey), std::string::npos) << e.path();
    }
}
