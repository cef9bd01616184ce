#pragma once
// What semantic.gemini accepts back: a generateContent response, checked before any of it is used.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "mirflow_semantic/semantic_map.hpp"

namespace mirflow::semantic {

// The reply is not what was asked for: malformed JSON, a blocked prompt, a finishReason other
// than STOP, or a violation of the response schema. Retrying the same request will not help.
class GeminiReplyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GeminiReply {
  std::vector<Region> regions;  // boxes converted to pixel edges of an nx × ny image
  double confidence = 0;
  std::string model_version;    // modelVersion, when the server said
};

// Parses a 200 response body. box_2d [ymin, xmin, ymax, xmax] in 0–1000 becomes
// x0 = xmin/1000·nx, y0 = ymin/1000·ny, x1 = xmax/1000·nx, y1 = ymax/1000·ny. Checks: candidates
// present (else the promptFeedback.blockReason), finishReason STOP, the text (thought parts
// skipped, a ```json fence stripped) parses as JSON, regions is an array of at most
// max_regions objects with a non-empty label, four numbers 0 <= ymin < ymax <= 1000 and
// 0 <= xmin < xmax <= 1000, priority in [0, 1], texture one of the four classes; confidence in
// [0, 1]. Throws GeminiReplyError saying which rule failed where.
GeminiReply parse_reply(const std::string& body, std::int64_t nx, std::int64_t ny, int max_regions);

}  // namespace mirflow::semantic
