#include <cstdlib>
#include <iostream>
#include <mutex>

#include <mirflow/error.hpp>

#include "mirflow_semantic/gemini_reply.hpp"
#include "nodes.hpp"

namespace mirflow::semantic {

namespace {
// $XDG_CACHE_HOME/mirflow/gemini, else ~/.cache/mirflow/gemini, else a folder in the temp dir.
std::string default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/mirflow/gemini";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/mirflow/gemini";
  return (std::filesystem::temp_directory_path() / "mirflow-gemini-cache").string();
}
}  // namespace

Gemini::Gemini(const NodeConfig& config) : id_(config.id) {
  const Params& p = config.params;
  GeminiOptions& o = options_;
  o.api = p.get_string("api") == "vertex" ? GeminiApi::Vertex : GeminiApi::Developer;
  o.endpoint = p.get_string("endpoint");
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  o.model = p.get_string("model");
  if (o.model.empty() || o.model.find_first_of("/?#: ") != std::string::npos)
    throw InputError("model '" + o.model + "' is not a model id (e.g. gemini-3.6-flash)");
  o.project = p.get_string("project");
  o.location = p.get_string("location");
  o.token_env = p.get_string("token_env");
  if (o.api == GeminiApi::Vertex && o.project.empty()) throw InputError("api = \"vertex\" needs the project parameter");
  o.timeout_s = p.get_float("timeout");
  o.connect_timeout_s = p.get_float("connect_timeout");
  o.retries = static_cast<int>(p.get_int("retries"));
  o.backoff_initial_s = p.get_float("backoff_initial");
  o.backoff_max_s = p.get_float("backoff_max");
  o.jitter = p.get_float("jitter");
  o.temperature = p.get_float("temperature");
  o.max_regions = static_cast<int>(p.get_int("max_regions"));
  o.feather = p.get_float("feather");
  if (p.get_bool("cache")) o.cache_dir = p.has("cache_dir") ? p.get_path("cache_dir").string() : default_cache_dir();
  overrides_ = {p.get_string("modality"), p.get_string("body_part"), p.get_string("protocol")};
  policy_ = p.get_string("on_unreachable") == "structure" ? UnreachablePolicy::Structure : UnreachablePolicy::Fail;
}

NodeSpec Gemini::spec() {
  NodeSpec s("semantic.gemini",
             "Preservation map from Google Gemini (network; opt-in): regions found in a windowed PNG of each 2-D slice.");
  s.input("image", kImagePort, "2-D slice (put flow.slice before it for volumes), any dtype");
  provider_outputs(s);
  s.param(ParamSpec::Choice("api", {"developer", "vertex"}, "developer",
                            "Gemini Developer API (key from GEMINI_API_KEY) or Vertex AI (bearer token from $token_env)"))
      .param(ParamSpec::String("endpoint", "",
                               "base URL; empty: https://generativelanguage.googleapis.com/v1beta (developer) or "
                               "https://{location}-aiplatform.googleapis.com/v1 (vertex)"))
      .param(ParamSpec::String("model", GeminiOptions{}.model, "model id (they change often: see docs/semantic.md)"))
      .param(ParamSpec::String("project", "", "Vertex AI project id"))
      .param(ParamSpec::String("location", "global", "Vertex AI location"))
      .param(ParamSpec::String("token_env", GeminiOptions{}.token_env, "Vertex AI: environment variable holding the OAuth access token"))
      .param(ParamSpec::Float("timeout", 60, "whole-request time limit").range(0.01, 3600).in_unit("s"))
      .param(ParamSpec::Float("connect_timeout", 10, "connection time limit").range(0.01, 600).in_unit("s"))
      .param(ParamSpec::Int("retries", 4, "retries after the first attempt, for 408, 429, 5xx and no response").range(0, 20))
      .param(ParamSpec::Float("backoff_initial", 1.0, "first retry delay (doubles each retry, with jitter)").range(0, 600).in_unit("s"))
      .param(ParamSpec::Float("backoff_max", 30.0, "cap on any retry delay, the server's Retry-After included").range(0, 3600).in_unit("s"))
      .param(ParamSpec::Float("jitter", 0.25, "relative random spread of the backoff delays").range(0, 1))
      .param(ParamSpec::Float("temperature", 0.5, "sampling temperature").range(0, 2))
      .param(ParamSpec::Int("max_regions", 25, "most regions asked for").range(1, 200))
      .param(ParamSpec::Float("feather", 4.0, "width of the linear ramp at box edges in M").range(0, 1000).in_unit("pixels"))
      .param(ParamSpec::Bool("cache", true, "reuse stored replies for the same image, prompt and model (reproducible, offline reruns)"))
      .param(ParamSpec::Path("cache_dir", "reply cache folder (unset: $XDG_CACHE_HOME/mirflow/gemini or ~/.cache/mirflow/gemini)").optional())
      .param(ParamSpec::Choice("on_unreachable", {"fail", "structure"}, "fail",
                               "when Gemini cannot be reached after all retries: fail, or use semantic.structure's map"))
      .param(ParamSpec::String("modality", "", "for the prompt; empty: from metadata (dicom.Modality, modality)"))
      .param(ParamSpec::String("body_part", "", "for the prompt; empty: from metadata (dicom.BodyPartExamined, body_part)"))
      .param(ParamSpec::String("protocol", "", "for the prompt; empty: from metadata (dicom.ProtocolName, dicom.SeriesDescription, protocol)"));
  return s;
}

void Gemini::process(Context& ctx) {
  const Image& in = ctx.image("image");
  if (in.ndim() != 2 || in.device() != Device::CPU)
    throw InputError("semantic.gemini takes 2-D CPU slices (put flow.slice before it), got " + in.describe());
  const std::string prefix = "mirflow: node '" + id_ + "' (semantic.gemini), item '" + ctx.key()->str() + "': ";
  const Log log = [&prefix](const std::string& line) {
    static std::mutex m;
    const std::lock_guard<std::mutex> lock(m);
    std::cerr << prefix << line << '\n';
  };
  SemanticMap map;
  try {
    map = gemini_map_or_fallback(in, overrides_, options_, policy_, fallback_, log);
  } catch (const GeminiError& e) {
    throw InputError(e.what());  // credentials, model, request: the user must change something
  }
  set_provider_outputs(ctx, std::move(map));
}

}  // namespace mirflow::semantic
