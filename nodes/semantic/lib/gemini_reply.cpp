#include "mirflow_semantic/gemini_reply.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace mirflow::semantic {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& why) { throw GeminiReplyError("Gemini reply rejected: " + why); }

std::string strip_fence(std::string s) {
  const std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  s = s.substr(b);
  if (s.rfind("```", 0) != 0) return s;
  const std::size_t first_nl = s.find('\n');
  const std::size_t close = s.rfind("```");
  if (first_nl == std::string::npos || close <= first_nl) fail("an unterminated ``` fence around the JSON text");
  return s.substr(first_nl + 1, close - first_nl - 1);
}

std::string g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

double number_in(const json& j, const char* what, double lo, double hi, const std::string& where) {
  if (!j.is_number()) fail(where + ": " + what + " is not a number");
  const double v = j.get<double>();
  if (!(v >= lo && v <= hi))
    fail(where + ": " + what + " " + j.dump() + " is outside [" + g(lo) + ", " + g(hi) + "]");
  return v;
}

}  // namespace

GeminiReply parse_reply(const std::string& body, std::int64_t nx, std::int64_t ny, int max_regions) {
  json r;
  try {
    r = json::parse(body);
  } catch (const json::parse_error& e) {
    fail(std::string("the response body is not JSON (") + e.what() + ")");
  }
  if (!r.is_object()) fail("the response body is not a JSON object");
  GeminiReply out;
  if (r.contains("modelVersion") && r["modelVersion"].is_string()) out.model_version = r["modelVersion"];
  if (!r.contains("candidates") || !r["candidates"].is_array() || r["candidates"].empty()) {
    std::string reason = "no candidates";
    if (r.contains("promptFeedback") && r["promptFeedback"].contains("blockReason"))
      reason = "the prompt was blocked (" + r["promptFeedback"]["blockReason"].dump() + ")";
    fail(reason);
  }
  const json& c = r["candidates"][0];
  const std::string finish = c.value("finishReason", std::string());
  if (finish != "STOP")
    fail("finishReason is '" + finish + "', not STOP" + (finish == "MAX_TOKENS" ? " (the JSON is truncated)" : ""));
  std::string text;
  if (!c.contains("content") || !c["content"].contains("parts") || !c["content"]["parts"].is_array())
    fail("candidates[0].content.parts is missing");
  for (const json& p : c["content"]["parts"]) {
    if (p.value("thought", false)) continue;
    if (p.contains("text") && p["text"].is_string()) text += p["text"].get<std::string>();
  }
  json a;
  try {
    a = json::parse(strip_fence(text));
  } catch (const json::parse_error& e) {
    fail(std::string("the model's text is not JSON (") + e.what() + ")");
  }
  if (!a.is_object()) fail("the model's JSON is not an object");
  if (!a.contains("regions") || !a["regions"].is_array()) fail("'regions' is missing or not an array");
  if (!a.contains("confidence")) fail("'confidence' is missing");
  out.confidence = number_in(a["confidence"], "confidence", 0, 1, "the reply");
  const json& regions = a["regions"];
  if (static_cast<int>(regions.size()) > max_regions)
    fail(std::to_string(regions.size()) + " regions, more than the " + std::to_string(max_regions) + " asked for");
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const json& g = regions[i];
    const std::string where = "regions[" + std::to_string(i) + "]";
    if (!g.is_object()) fail(where + " is not an object");
    Region reg;
    if (!g.contains("label") || !g["label"].is_string() || g["label"].get<std::string>().empty())
      fail(where + ": 'label' is missing or empty");
    reg.label = g["label"];
    if (!g.contains("box_2d") || !g["box_2d"].is_array() || g["box_2d"].size() != 4)
      fail(where + ": 'box_2d' must be [ymin, xmin, ymax, xmax]");
    const json& b = g["box_2d"];
    const double ymin = number_in(b[0], "ymin", 0, 1000, where), xmin = number_in(b[1], "xmin", 0, 1000, where);
    const double ymax = number_in(b[2], "ymax", 0, 1000, where), xmax = number_in(b[3], "xmax", 0, 1000, where);
    if (!(ymin < ymax && xmin < xmax)) fail(where + ": box_2d " + b.dump() + " is empty (needs ymin < ymax, xmin < xmax)");
    reg.box = {xmin / 1000.0 * static_cast<double>(nx), ymin / 1000.0 * static_cast<double>(ny),
               xmax / 1000.0 * static_cast<double>(nx), ymax / 1000.0 * static_cast<double>(ny)};
    if (!g.contains("priority")) fail(where + ": 'priority' is missing");
    reg.priority = number_in(g["priority"], "priority", 0, 1, where);
    if (!g.contains("texture") || !g["texture"].is_string()) fail(where + ": 'texture' is missing");
    try {
      reg.texture = texture_from_name(g["texture"]);
    } catch (const std::invalid_argument& e) {
      fail(where + ": " + e.what());
    }
    out.regions.push_back(std::move(reg));
  }
  return out;
}

}  // namespace mirflow::semantic
