#pragma once
// What semantic.gemini sends: the endpoint, the clinical-context prompt, the response schema and
// the generateContent body (see /work/shared/docs/gemini.md for the API facts).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include <mirflow/image.hpp>

namespace mirflow::semantic {

enum class GeminiApi { Developer, Vertex };

struct GeminiOptions {
  GeminiApi api = GeminiApi::Developer;
  std::string endpoint;             // base URL; empty: Google's (below)
  std::string model = "gemini-3.6-flash";
  std::string project, location = "global";  // Vertex AI only
  std::string token_env = "GOOGLE_OAUTH_ACCESS_TOKEN";  // Vertex AI: the env var with the bearer token
  double timeout_s = 60, connect_timeout_s = 10;
  int retries = 4;                  // attempts after the first, for 408, 429, 5xx and no response
  double backoff_initial_s = 1.0, backoff_max_s = 30.0, jitter = 0.25;
  double temperature = 0.5;
  int max_regions = 25;
  double feather = 4.0;             // pixels, the ramp width of the boxes' edges in M
  std::string cache_dir;            // empty: no cache
};

// The developer key's environment variable; the only place a developer key is read from.
inline constexpr const char* kGeminiKeyEnv = "GEMINI_API_KEY";

// Developer: {endpoint or https://generativelanguage.googleapis.com/v1beta}/models/{model}:generateContent
// Vertex:    {endpoint or https://{location}-aiplatform.googleapis.com/v1 (global: aiplatform.googleapis.com)}
//            /projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent
std::string endpoint_url(const GeminiOptions& o);

// What the prompt says about the image: parameters first, then metadata (dicom.Modality,
// dicom.BodyPartExamined, dicom.SeriesDescription / dicom.ProtocolName, or plain modality,
// body_part, protocol keys); empty when unknown.
struct ClinicalContext {
  std::string modality, body_part, protocol;
};
ClinicalContext clinical_context(const Metadata& md, const ClinicalContext& overrides);

std::string build_prompt(const ClinicalContext& c, std::int64_t nx, std::int64_t ny, const std::string& window_how,
                         int max_regions);

// {regions: [{label, box_2d: [ymin, xmin, ymax, xmax] (0–1000), priority (0–1), texture}], confidence}
nlohmann::json response_schema(int max_regions);

// The generateContent body: the prompt and the PNG (base64, inlineData) in one user turn,
// generationConfig with temperature, responseMimeType application/json and the schema.
std::string request_body(const std::string& prompt, const std::string& png_bytes, const GeminiOptions& o);

}  // namespace mirflow::semantic
