#include "mirflow_semantic/gemini_client.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <mirflow/atomic_file.hpp>

#include "mirflow_semantic/box_raster.hpp"
#include "mirflow_semantic/gemini_reply.hpp"
#include "mirflow_semantic/http_post.hpp"
#include "mirflow_semantic/png_window.hpp"
#include "mirflow_semantic/retry_policy.hpp"
#include "mirflow_semantic/sha256.hpp"

namespace mirflow::semantic {

namespace fs = std::filesystem;

std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "[redacted]");
  return text;
}

namespace {

// "403 PERMISSION_DENIED: <message>" from a Google error body, or the raw start of the body.
std::string server_says(const HttpResponse& r) {
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  std::string s;
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& e = j["error"];
    s = e.value("status", std::string());
    const std::string m = e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
    if (!m.empty()) s += (s.empty() ? "" : ": ") + m;
  } else {
    s = r.body;
  }
  if (s.size() > 300) s = s.substr(0, 300) + "...";
  return s.empty() ? "no message" : s;
}

std::string final_error(long status, const HttpResponse& r, const GeminiOptions& o, const std::string& url) {
  const std::string says = " (server: " + server_says(r) + ")";
  const std::string cred = o.api == GeminiApi::Developer ? std::string(kGeminiKeyEnv) : "$" + o.token_env;
  switch (status) {
    case 400: return "Gemini rejected the request as invalid (HTTP 400)" + says;
    case 401: return "Gemini did not accept the credentials (HTTP 401): check " + cred + says;
    case 403: return "Gemini denied access (HTTP 403): the credential in " + cred + " is invalid or has no access to model '" +
                     o.model + "'" + says;
    case 404: return "Gemini does not know model '" + o.model + "' at " + url + " (HTTP 404): check the model parameter" + says;
    default: return "Gemini answered HTTP " + std::to_string(status) + says;
  }
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

double uniform_pm1() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", s);
  return buf;
}

SemanticMap map_from_reply(const GeminiReply& reply, const Image& slice, const GeminiOptions& o) {
  SemanticMap m;
  m.map = rasterise_regions(reply.regions, slice.nx(), slice.ny(), o.feather);
  m.map.geometry() = slice.geometry();
  m.map.metadata() = slice.metadata();
  m.regions = reply.regions;
  m.provider = "gemini:" + o.model;
  m.confidence = reply.confidence;
  return m;
}

}  // namespace

SemanticMap gemini_map(const Image& slice, const ClinicalContext& overrides, const GeminiOptions& o, const Log& log) {
  if (slice.ndim() != 2 || slice.device() != Device::CPU)
    throw std::invalid_argument("semantic.gemini takes 2-D CPU slices (put flow.slice before it), got " + slice.describe());
  const ClinicalContext context = clinical_context(slice.metadata(), overrides);
  const Window window = auto_window(slice, context.modality);
  const std::string png = encode_png_gray8(slice, window);
  const std::string prompt = build_prompt(context, slice.nx(), slice.ny(), window.how, o.max_regions);
  const std::string body = request_body(prompt, png, o);

  fs::path cached;
  if (!o.cache_dir.empty()) {
    cached = fs::path(o.cache_dir) / (Sha256().update(o.model).update("\n", 1).update(body).hex() + ".json");
    if (fs::exists(cached)) {
      try {
        const SemanticMap m = map_from_reply(parse_reply(read_file(cached), slice.nx(), slice.ny(), o.max_regions), slice, o);
        log("cache hit " + cached.string());
        return m;
      } catch (const GeminiReplyError& e) {
        log("ignoring unreadable cache entry " + cached.string() + ": " + e.what());
      }
    }
  }

  // The credential: read now, kept in this frame, scrubbed from everything said below.
  std::string secret;
  HttpRequest request;
  request.url = endpoint_url(o);
  request.body = body;
  request.timeout_s = o.timeout_s;
  request.connect_timeout_s = o.connect_timeout_s;
  request.headers = {"Content-Type: application/json"};
  if (o.api == GeminiApi::Developer) {
    const char* key = std::getenv(kGeminiKeyEnv);
    if (!key || !*key) throw GeminiError(std::string(kGeminiKeyEnv) + " is not set: semantic.gemini needs a Gemini API key", 0);
    secret = key;
    request.headers.push_back("x-goog-api-key: " + secret);
  } else {
    if (o.project.empty()) throw GeminiError("api = \"vertex\" needs the project parameter", 0);
    const char* token = std::getenv(o.token_env.c_str());
    if (!token || !*token) throw GeminiError("$" + o.token_env + " is not set: Vertex AI needs an OAuth access token", 0);
    secret = token;
    request.headers.push_back("Authorization: Bearer " + secret);
  }
  auto say = [&](const std::string& s) { log(redact(s, secret)); };

  std::string last;
  for (int attempt = 0;; ++attempt) {
    std::optional<double> server_delay;
    try {
      const HttpResponse r = http_post(request);
      if (r.status == 200) {
        GeminiReply reply;
        try {
          reply = parse_reply(r.body, slice.nx(), slice.ny(), o.max_regions);
        } catch (const GeminiReplyError& e) {
          throw GeminiReplyError(redact(e.what(), secret));
        }
        if (!cached.empty()) {
          AtomicFile file(cached);
          std::ofstream(file.temp_path(), std::ios::binary) << r.body;
          file.commit();
        }
        return map_from_reply(reply, slice, o);
      }
      if (!is_retryable_status(r.status)) throw GeminiError(redact(final_error(r.status, r, o, request.url), secret), r.status);
      last = "HTTP " + std::to_string(r.status) + " (" + server_says(r) + ")";
      server_delay = server_retry_delay(r);
    } catch (const TransportError& e) {
      last = e.what();
    }
    if (attempt >= o.retries)
      throw GeminiUnreachable(redact("Gemini unreachable after " + std::to_string(attempt + 1) + " attempt(s) at " +
                                         request.url + "; last: " + last,
                                     secret));
    const double wait = retry_delay(attempt, server_delay, o.backoff_initial_s, o.backoff_max_s, o.jitter, uniform_pm1());
    say(last + "; retry " + std::to_string(attempt + 1) + " of " + std::to_string(o.retries) + " in " + seconds_text(wait) +
        (server_delay ? " (server asked for " + seconds_text(*server_delay) + ")" : ""));
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
}

SemanticMap gemini_map_or_fallback(const Image& slice, const ClinicalContext& overrides, const GeminiOptions& options,
                                   UnreachablePolicy policy, const StructureOptions& fallback, const Log& log) {
  try {
    return gemini_map(slice, overrides, options, log);
  } catch (const GeminiUnreachable& e) {
    if (policy == UnreachablePolicy::Fail) throw;
    log(std::string(e.what()) + "; falling back to the offline structure provider");
    SemanticMap m = structure_map(slice, fallback);
    m.provider = "structure (fallback: gemini unreachable)";
    return m;
  }
}

}  // namespace mirflow::semantic
