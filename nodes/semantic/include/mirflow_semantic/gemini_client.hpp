#pragma once
// semantic.gemini's work: one 2-D slice → a generateContent call (cached, retried) → a
// validated SemanticMap. The credential is read from the environment at call time and never
// appears in a log line, an error message or a file.
#include <functional>
#include <stdexcept>
#include <string>

#include "mirflow_semantic/gemini_request.hpp"
#include "mirflow_semantic/semantic_map.hpp"
#include "mirflow_semantic/structure.hpp"

namespace mirflow::semantic {

// A final answer from the server (400, 401, 403, 404, other 4xx) or a missing credential:
// retrying cannot help; `status` is the HTTP status (0 for a missing credential).
class GeminiError : public std::runtime_error {
 public:
  GeminiError(const std::string& message, long status) : std::runtime_error(message), status_(status) {}
  long status() const { return status_; }

 private:
  long status_;
};

// No usable answer after every attempt: no response, time-outs, or 408/429/5xx each time.
class GeminiUnreachable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Log = std::function<void(const std::string&)>;

// Replaces every occurrence of `secret` in `text` with "[redacted]".
std::string redact(std::string text, const std::string& secret);

// The map of a 2-D CPU slice from Gemini: cache first (when options.cache_dir is set; a file
// named by the SHA-256 of the model and the whole request body, i.e. image, prompt, schema and
// generation settings), else the API with retries. M rasterises the reply's boxes (feathered),
// provider "gemini:<model>", confidence the model's own. Throws GeminiError, GeminiUnreachable,
// GeminiReplyError (gemini_reply.hpp) or std::invalid_argument for a bad image.
SemanticMap gemini_map(const Image& slice, const ClinicalContext& overrides, const GeminiOptions& options, const Log& log);

enum class UnreachablePolicy { Fail, Structure };

// gemini_map, except that when Gemini is unreachable and the policy is Structure, the offline
// structure provider answers instead; the log says so and the provider field reads
// "structure (fallback: gemini unreachable)".
SemanticMap gemini_map_or_fallback(const Image& slice, const ClinicalContext& overrides, const GeminiOptions& options,
                                   UnreachablePolicy policy, const StructureOptions& fallback, const Log& log);

}  // namespace mirflow::semantic
