#pragma once
// When to try a Gemini request again, and how long to wait first.
#include <optional>

#include "mirflow_semantic/http_post.hpp"

namespace mirflow::semantic {

// 408, 429 and 5xx are worth retrying (gemini.md's error table); everything else is final.
bool is_retryable_status(long status);

// The wait the server asked for, in seconds: the Retry-After header (seconds or an HTTP date),
// else a google.rpc.RetryInfo retryDelay ("22s", "1.5s") in the error body; nothing if neither.
std::optional<double> server_retry_delay(const HttpResponse& response);

// The wait before retry number `retry` (0 for the first retry): the server's delay when it gave
// one, else backoff_initial · 2^retry with jitter, scaled by (1 + jitter·u), u in [−1, 1];
// always capped at backoff_max.
double retry_delay(int retry, std::optional<double> server_delay, double backoff_initial, double backoff_max,
                   double jitter, double u);

}  // namespace mirflow::semantic
