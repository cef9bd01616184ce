// semantic.gemini's client against a real HTTP server on 127.0.0.1 (fake_gemini.py, started here)
// that answers like the Gemini API: success, 429 with Retry-After, 500, malformed JSON, a schema
// violation, a timeout, a 403, an outage. Checks what the server received, the retries, the
// cache (a rerun with the server stopped), the fallback policy, and that the key never shows.
#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "mirflow_semantic/base64.hpp"
#include "mirflow_semantic/gemini_client.hpp"
#include "mirflow_semantic/gemini_reply.hpp"
#include "fake_gemini.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::semantic;
using mirflow::test::FakeGemini;
using mirflow::test::slurp;
namespace fs = std::filesystem;

namespace {

const std::string kKey = "TESTKEY-9f3a7c51-do-not-print";


// A 2-D float image with some structure (so the PNG is not trivial).
Image test_slice(std::int64_t nx = 40, std::int64_t ny = 30, float offset = 0) {
  Image im = Image::allocate2d(DType::F32, nx, ny);
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) im.at<float>(x, y) = offset + static_cast<float>((x * 7 + y * 3) % 50);
  im.metadata()["dicom.Modality"] = "MR";
  im.metadata()["dicom.BodyPartExamined"] = "HEAD";
  return im;
}

class GeminiHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("GEMINI_API_KEY", kKey.c_str(), 1);
    dir_ = mirflow::test::scratch_dir("gemini_http");
    server_ = std::make_unique<FakeGemini>(dir_);
    o_.endpoint = server_->base();
    o_.timeout_s = 5;
    o_.retries = 2;
    o_.backoff_initial_s = 0.01;
    o_.backoff_max_s = 0.05;
    o_.feather = 0;
  }
  void TearDown() override {
    server_->stop();
    // The key is in no log line, no error and no file this test left behind.
    for (const std::string& s : said_) EXPECT_EQ(s.find(kKey), std::string::npos) << s;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      if (e.is_regular_file() && e.path().parent_path().filename() != "requests") {
        EXPECT_EQ(slurp(e.path()).find(kKey), std::string::npos) << e.path();
      }
    }
  }
  SemanticMap call(const std::string& model, const Image& slice) {
    o_.model = model;
    try {
      return gemini_map(slice, {}, o_, [this](const std::string& s) { said_.push_back(s); });
    } catch (const std::exception& e) {
      said_.push_back(e.what());
      throw;
    }
  }
  std::string error_of(const std::string& model) {
    try {
      call(model, test_slice());
    } catch (const std::exception& e) {
      return e.what();
    }
    ADD_FAILURE() << model << " did not throw";
    return "";
  }
  bool said(const std::string& part) const {
    for (const auto& s : said_)
      if (s.find(part) != std::string::npos) return true;
    return false;
  }

  fs::path dir_;
  std::unique_ptr<FakeGemini> server_;
  GeminiOptions o_;
  std::vector<std::string> said_;
};

}  // namespace

TEST_F(GeminiHttp, SuccessSendsKeyPngAndSchemaAndRasterisesTheBox) {
  const Image slice = test_slice(40, 30);
  const SemanticMap m = call("ok", slice);
  ASSERT_EQ(server_->requests(), 1);
  const auto r = server_->request(1);
  EXPECT_EQ(r["path"], "/v1beta/models/ok:generateContent");
  EXPECT_EQ(r["headers"]["x-goog-api-key"], kKey);  // in the header, not the URL
  EXPECT_EQ(r["path"].get<std::string>().find(kKey), std::string::npos);
  const auto body = nlohmann::json::parse(r["body"].get<std::string>());
  const auto& parts = body["contents"][0]["parts"];
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]["inlineData"]["mimeType"], "image/png");
  EXPECT_EQ(base64_decode(parts[0]["inlineData"]["data"].get<std::string>()).substr(0, 8), "\x89PNG\r\n\x1a\n");
  const std::string prompt = parts[1]["text"];
  EXPECT_NE(prompt.find("MR slice of the HEAD"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("40 x 30"), std::string::npos);
  EXPECT_EQ(body["generationConfig"]["responseMimeType"], "application/json");
  EXPECT_EQ(body["generationConfig"]["responseSchema"]["properties"]["regions"]["items"]["properties"]["box_2d"]["type"],
            "ARRAY");

  // box_2d [ymin 100, xmin 200, ymax 500, xmax 600] on 40 × 30: x in [8, 24), y in [3, 15).
  ASSERT_EQ(m.regions.size(), 1u);
  EXPECT_DOUBLE_EQ(m.regions[0].box.x0, 8.0);
  EXPECT_DOUBLE_EQ(m.regions[0].box.x1, 24.0);
  EXPECT_DOUBLE_EQ(m.regions[0].box.y0, 3.0);
  EXPECT_DOUBLE_EQ(m.regions[0].box.y1, 15.0);
  EXPECT_EQ(m.regions[0].texture, Texture::Lesion);
  EXPECT_EQ(m.provider, "gemini:ok");
  EXPECT_DOUBLE_EQ(m.confidence, 0.7);
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 40; ++x)
      ASSERT_FLOAT_EQ(m.map.at<float>(x, y), (x >= 8 && x < 24 && y >= 3 && y < 15) ? 0.8f : 0.0f) << x << "," << y;
}

TEST_F(GeminiHttp, RateLimitHonoursRetryAfterWithinTheCapThenSucceeds) {
  const SemanticMap m = call("retry_after", test_slice());
  EXPECT_EQ(server_->requests(), 2);
  EXPECT_EQ(m.regions.size(), 1u);
  EXPECT_TRUE(said("HTTP 429")) << "no retry logged";
  EXPECT_TRUE(said("server asked for 1 s")) << "Retry-After not honoured";
  EXPECT_TRUE(said("in 0.05 s")) << "the cap (backoff_max) not applied";
}

TEST_F(GeminiHttp, ServerErrorIsRetried) {
  const SemanticMap m = call("flaky500", test_slice());
  EXPECT_EQ(server_->requests(), 2);
  EXPECT_EQ(m.regions.size(), 1u);
  EXPECT_TRUE(said("HTTP 500"));
}

TEST_F(GeminiHttp, MalformedJsonIsAClearErrorAndNotRetried) {
  EXPECT_THROW(call("malformed", test_slice()), GeminiReplyError);
  EXPECT_TRUE(said("not JSON"));
  EXPECT_EQ(server_->requests(), 1);
}

TEST_F(GeminiHttp, SchemaViolationNamesTheRule) {
  EXPECT_THROW(call("schema", test_slice()), GeminiReplyError);
  EXPECT_TRUE(said("regions[0]: box_2d [500,200,400,600] is empty")) << (said_.empty() ? "" : said_.back());
}

TEST_F(GeminiHttp, TimeoutMakesItUnreachable) {
  o_.timeout_s = 0.3;
  o_.retries = 0;
  EXPECT_THROW(call("slow", test_slice()), GeminiUnreachable);
  EXPECT_TRUE(said("timed out")) << said_.back();
}

TEST_F(GeminiHttp, ForbiddenIsFinalAndTheEchoedKeyIsRedacted) {
  const std::string e = error_of("forbidden");
  EXPECT_NE(e.find("HTTP 403"), std::string::npos) << e;
  EXPECT_NE(e.find("GEMINI_API_KEY"), std::string::npos) << e;
  EXPECT_NE(e.find("[redacted]"), std::string::npos) << e;  // the server quoted the key back
  EXPECT_EQ(server_->requests(), 1);
}

TEST_F(GeminiHttp, OutageExhaustsTheRetries) {
  EXPECT_THROW(call("down", test_slice()), GeminiUnreachable);
  EXPECT_EQ(server_->requests(), 3);  // 1 + retries
}

TEST_F(GeminiHttp, CacheServesAReRunWithTheServerStoppedAndFallbackCoversTheRest) {
  o_.cache_dir = (dir_ / "cache").string();
  const Image slice = test_slice();
  const SemanticMap first = call("ok", slice);
  EXPECT_EQ(server_->requests(), 1);
  ASSERT_EQ(std::distance(fs::directory_iterator(o_.cache_dir), fs::directory_iterator()), 1);
  server_->stop();

  const SemanticMap again = call("ok", slice);
  EXPECT_TRUE(said("cache hit"));
  ASSERT_EQ(again.regions.size(), 1u);
  for (std::int64_t i = 0; i < first.map.size(); ++i) ASSERT_EQ(first.map.data<float>()[i], again.map.data<float>()[i]);

  // Another image is not cached: the server is down.
  const Image other = test_slice(36, 30);  // (an intensity offset alone gives the same windowed PNG)
  o_.model = "ok";
  o_.retries = 1;
  EXPECT_THROW(gemini_map_or_fallback(other, {}, o_, UnreachablePolicy::Fail, {}, [this](const std::string& s) { said_.push_back(s); }),
               GeminiUnreachable);
  const SemanticMap fb =
      gemini_map_or_fallback(other, {}, o_, UnreachablePolicy::Structure, {}, [this](const std::string& s) { said_.push_back(s); });
  EXPECT_EQ(fb.provider, "structure (fallback: gemini unreachable)");
  EXPECT_TRUE(said("falling back to the offline structure provider"));
  const SemanticMap direct = structure_map(other, {});
  for (std::int64_t i = 0; i < fb.map.size(); ++i) ASSERT_EQ(fb.map.data<float>()[i], direct.map.data<float>()[i]);
}

TEST_F(GeminiHttp, VertexSendsABearerTokenToTheProjectPath) {
  ::setenv("MIRFLOW_TEST_VERTEX_TOKEN", kKey.c_str(), 1);
  o_.api = GeminiApi::Vertex;
  o_.endpoint = server_->root() + "/v1";
  o_.project = "proj";
  o_.token_env = "MIRFLOW_TEST_VERTEX_TOKEN";
  call("ok", test_slice());
  const auto r = server_->request(1);
  EXPECT_EQ(r["path"], "/v1/projects/proj/locations/global/publishers/google/models/ok:generateContent");
  EXPECT_EQ(r["headers"]["authorization"], "Bearer " + kKey);
  EXPECT_FALSE(r["headers"].contains("x-goog-api-key"));
}

TEST(GeminiCredentials, MissingKeyIsAClearError) {
  ::unsetenv("GEMINI_API_KEY");
  GeminiOptions o;
  o.endpoint = "http://127.0.0.1:9/v1beta";
  try {
    gemini_map(test_slice(), {}, o, [](const std::string&) {});
    FAIL();
  } catch (const GeminiError& e) {
    EXPECT_NE(std::string(e.what()).find("GEMINI_API_KEY is not set"), std::string::npos) << e.what();
  }
}
