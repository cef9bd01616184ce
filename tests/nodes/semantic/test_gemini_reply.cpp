// The reply validator on constructed generateContent bodies (each rule broken once), and the
// retry policy's delays and server hints against hand-computed values.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mirflow_semantic/gemini_reply.hpp"
#include "mirflow_semantic/gemini_request.hpp"
#include "mirflow_semantic/retry_policy.hpp"

using namespace mirflow::semantic;
using nlohmann::json;

namespace {
json region(json box, double priority = 0.5, const char* texture = "edge", const char* label = "cortex") {
  return {{"label", label}, {"box_2d", box}, {"priority", priority}, {"texture", texture}};
}
std::string body(const json& answer, const char* finish = "STOP", bool fence = false) {
  std::string text = answer.is_string() ? answer.get<std::string>() : answer.dump();
  if (fence) text = "```json\n" + text + "\n```";
  return json{{"candidates", {{{"content", {{"parts", {{{"text", "thinking...."}, {"thought", true}}, {{"text", text}}}}}},
                               {"finishReason", finish}}}}}
      .dump();
}
std::string rejection(const std::string& b) {
  try {
    parse_reply(b, 200, 100, 3);
  } catch (const GeminiReplyError& e) {
    return e.what();
  }
  return "accepted";
}
}  // namespace

TEST(GeminiReply, BoxesBecomePixelEdgesYFirst) {
  const json a{{"regions", {region({0, 250, 1000, 500}, 0.9, "lesion"), region({10, 20, 30, 40})}}, {"confidence", 0.25}};
  for (bool fence : {false, true}) {
    const GeminiReply r = parse_reply(body(a, "STOP", fence), 200, 100, 3);
    ASSERT_EQ(r.regions.size(), 2u);
    EXPECT_DOUBLE_EQ(r.regions[0].box.x0, 50);   // xmin 250/1000 · 200
    EXPECT_DOUBLE_EQ(r.regions[0].box.x1, 100);  // xmax 500
    EXPECT_DOUBLE_EQ(r.regions[0].box.y0, 0);    // ymin 0 · 100
    EXPECT_DOUBLE_EQ(r.regions[0].box.y1, 100);  // ymax 1000
    EXPECT_DOUBLE_EQ(r.regions[1].box.y0, 1);
    EXPECT_DOUBLE_EQ(r.regions[1].box.x0, 4);
    EXPECT_EQ(r.regions[0].texture, Texture::Lesion);
    EXPECT_DOUBLE_EQ(r.regions[0].priority, 0.9);
    EXPECT_DOUBLE_EQ(r.confidence, 0.25);
  }
}

TEST(GeminiReply, EachRuleIsEnforcedWithAClearMessage) {
  const auto ok = [](json regions) { return json{{"regions", regions}, {"confidence", 0.5}}; };
  const std::pair<std::string, std::string> cases[] = {
      {"not json at all", "not JSON"},
      {json{{"promptFeedback", {{"blockReason", "SAFETY"}}}}.dump(), "blocked (\"SAFETY\")"},
      {body(ok(json::array()), "MAX_TOKENS"), "truncated"},
      {body("{\"regions\": [", "STOP"), "model's text is not JSON"},
      {body(json{{"confidence", 0.5}}), "'regions' is missing"},
      {body(json{{"regions", json::array()}}), "'confidence' is missing"},
      {body(json{{"regions", json::array()}, {"confidence", 2}}), "confidence 2 is outside [0, 1]"},
      {body(ok({region({0, 0, 10, 10}), region({0, 0, 10, 10}), region({0, 0, 10, 10}), region({0, 0, 10, 10})})),
       "4 regions, more than the 3"},
      {body(ok({region({0, 0, 10})})), "regions[0]: 'box_2d' must be"},
      {body(ok({region({0, 0, 10, 1001})})), "regions[0]: xmax 1001 is outside"},
      {body(ok({region({0, -1, 10, 10})})), "xmin -1 is outside"},
      {body(ok({region({10, 0, 10, 10})})), "is empty"},
      {body(ok({region({0, 0, 10, 10}, 1.5)})), "priority 1.5 is outside"},
      {body(ok({region({0, 0, 10, 10}, 0.5, "bone")})), "unknown texture class 'bone'"},
      {body(ok({region({0, 0, 10, 10}, 0.5, "edge", "")})), "'label' is missing or empty"},
  };
  for (const auto& [b, expected] : cases) {
    const std::string why = rejection(b);
    EXPECT_NE(why.find(expected), std::string::npos) << "expected '" << expected << "' in: " << why;
  }
}

TEST(GeminiRequest, SchemaAndUrls) {
  const json s = response_schema(7);
  EXPECT_EQ(s["properties"]["regions"]["maxItems"], 7);
  EXPECT_EQ(s["properties"]["regions"]["items"]["properties"]["texture"]["enum"],
            json({"lesion", "edge", "texture", "homogeneous"}));
  GeminiOptions o;
  o.model = "m1";
  EXPECT_EQ(endpoint_url(o), "https://generativelanguage.googleapis.com/v1beta/models/m1:generateContent");
  o.api = GeminiApi::Vertex;
  o.project = "p";
  EXPECT_EQ(endpoint_url(o), "https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/m1:generateContent");
  o.location = "europe-west4";
  EXPECT_EQ(endpoint_url(o),
            "https://europe-west4-aiplatform.googleapis.com/v1/projects/p/locations/europe-west4/publishers/google/models/m1:generateContent");
  const ClinicalContext c = clinical_context({{"dicom.Modality", "CT"}, {"dicom.SeriesDescription", "LD chest"}}, {"", "CHEST", ""});
  EXPECT_EQ(c.modality, "CT");
  EXPECT_EQ(c.body_part, "CHEST");
  EXPECT_EQ(c.protocol, "LD chest");
}

TEST(RetryPolicy, DelaysDoubleWithJitterAndHonourTheServerUnderTheCap) {
  EXPECT_DOUBLE_EQ(retry_delay(0, std::nullopt, 1.0, 30, 0.25, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(retry_delay(3, std::nullopt, 1.0, 30, 0.25, 0.0), 8.0);
  EXPECT_DOUBLE_EQ(retry_delay(3, std::nullopt, 1.0, 30, 0.25, 1.0), 10.0);
  EXPECT_DOUBLE_EQ(retry_delay(3, std::nullopt, 1.0, 30, 0.25, -1.0), 6.0);
  EXPECT_DOUBLE_EQ(retry_delay(6, std::nullopt, 1.0, 30, 0.25, 0.0), 30.0);  // 64 capped
  EXPECT_DOUBLE_EQ(retry_delay(0, 22.0, 1.0, 30, 0.25, 1.0), 22.0);          // the server's, no jitter
  EXPECT_DOUBLE_EQ(retry_delay(0, 90.0, 1.0, 30, 0.25, 0.0), 30.0);          // ... but capped
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (long s : {400L, 401L, 403L, 404L, 200L}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(RetryPolicy, ServerHints) {
  HttpResponse r;
  EXPECT_FALSE(server_retry_delay(r).has_value());
  r.headers["retry-after"] = "7";
  EXPECT_DOUBLE_EQ(*server_retry_delay(r), 7.0);
  r.headers["retry-after"] = "Wed, 21 Oct 2015 07:28:00 GMT";  // in the past: retry now
  EXPECT_DOUBLE_EQ(*server_retry_delay(r), 0.0);
  r.headers.clear();
  r.body = R"({"error": {"code": 429, "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure"},
              {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "22.5s"}]}})";
  EXPECT_DOUBLE_EQ(*server_retry_delay(r), 22.5);
}
