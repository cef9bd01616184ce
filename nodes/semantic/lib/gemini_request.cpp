#include "mirflow_semantic/gemini_request.hpp"

#include <sstream>

#include "mirflow_semantic/base64.hpp"

namespace mirflow::semantic {

std::string endpoint_url(const GeminiOptions& o) {
  if (o.api == GeminiApi::Developer) {
    const std::string base = o.endpoint.empty() ? "https://generativelanguage.googleapis.com/v1beta" : o.endpoint;
    return base + "/models/" + o.model + ":generateContent";
  }
  std::string base = o.endpoint;
  if (base.empty())
    base = o.location == "global" ? "https://aiplatform.googleapis.com/v1"
                                  : "https://" + o.location + "-aiplatform.googleapis.com/v1";
  return base + "/projects/" + o.project + "/locations/" + o.location + "/publishers/google/models/" + o.model +
         ":generateContent";
}

namespace {
std::string first_of(const Metadata& md, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    const auto it = md.find(k);
    if (it != md.end() && !it->second.empty()) return it->second;
  }
  return "";
}
}  // namespace

ClinicalContext clinical_context(const Metadata& md, const ClinicalContext& overrides) {
  ClinicalContext c;
  c.modality = !overrides.modality.empty() ? overrides.modality : first_of(md, {"dicom.Modality", "modality"});
  c.body_part = !overrides.body_part.empty() ? overrides.body_part : first_of(md, {"dicom.BodyPartExamined", "body_part"});
  c.protocol = !overrides.protocol.empty()
                   ? overrides.protocol
                   : first_of(md, {"dicom.ProtocolName", "dicom.SeriesDescription", "protocol"});
  return c;
}

std::string build_prompt(const ClinicalContext& c, std::int64_t nx, std::int64_t ny, const std::string& window_how,
                         int max_regions) {
  std::ostringstream p;
  p << "You assist a denoising and reconstruction pipeline for medical images. The image is one "
    << (c.modality.empty() ? "medical" : c.modality) << " slice";
  if (!c.body_part.empty()) p << " of the " << c.body_part;
  if (!c.protocol.empty()) p << " (protocol: " << c.protocol << ")";
  p << ", " << nx << " x " << ny << " pixels, shown as 8-bit grayscale with the window: " << window_how << ".\n"
    << "Find at most " << max_regions
    << " regions whose fine detail a denoiser must preserve, and regions where smoothing is safe:\n"
       "- lesion: focal findings, nodules, spots or anything suspicious;\n"
       "- edge: organ and tissue boundaries, vessel walls, cortical borders;\n"
       "- texture: fine structure such as trabecular bone, lung parenchyma, cortical folding;\n"
       "- homogeneous: uniform tissue or background where smoothing is safe.\n"
       "For each region give a short anatomical label, box_2d as [ymin, xmin, ymax, xmax] normalised to 0-1000 "
       "with the origin at the top-left, a priority from 0 (smooth freely) to 1 (must be preserved exactly) and the "
       "texture class. Give your overall confidence from 0 to 1. Describe structure only; do not diagnose.";
  return p.str();
}

nlohmann::json response_schema(int max_regions) {
  using nlohmann::json;
  const json region{
      {"type", "OBJECT"},
      {"properties",
       {{"label", {{"type", "STRING"}}},
        {"box_2d", {{"type", "ARRAY"}, {"items", {{"type", "INTEGER"}}}, {"minItems", 4}, {"maxItems", 4}}},
        {"priority", {{"type", "NUMBER"}}},
        {"texture", {{"type", "STRING"}, {"enum", {"lesion", "edge", "texture", "homogeneous"}}}}}},
      {"required", {"label", "box_2d", "priority", "texture"}},
      {"propertyOrdering", {"label", "box_2d", "priority", "texture"}}};
  return json{{"type", "OBJECT"},
              {"properties",
               {{"regions", {{"type", "ARRAY"}, {"items", region}, {"maxItems", max_regions}}},
                {"confidence", {{"type", "NUMBER"}}}}},
              {"required", {"regions", "confidence"}},
              {"propertyOrdering", {"regions", "confidence"}}};
}

std::string request_body(const std::string& prompt, const std::string& png_bytes, const GeminiOptions& o) {
  using nlohmann::json;
  const json body{
      {"contents",
       {{{"role", "user"},
         {"parts", {{{"inlineData", {{"mimeType", "image/png"}, {"data", base64_encode(png_bytes)}}}}, {{"text", prompt}}}}}}},
      {"generationConfig",
       {{"temperature", o.temperature},
        {"responseMimeType", "application/json"},
        {"responseSchema", response_schema(o.max_regions)}}}};
  return body.dump();
}

}  // namespace mirflow::semantic
