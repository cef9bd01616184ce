#include "mirflow_semantic/retry_policy.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include <nlohmann/json.hpp>

namespace mirflow::semantic {

bool is_retryable_status(long status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

namespace {
std::optional<double> seconds(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}
}  // namespace

std::optional<double> server_retry_delay(const HttpResponse& response) {
  const auto it = response.headers.find("retry-after");
  if (it != response.headers.end()) {
    if (auto v = seconds(it->second); v && it->second.find_first_not_of("0123456789. ") == std::string::npos) return v;
    const std::time_t when = curl_getdate(it->second.c_str(), nullptr);
    if (when != -1) return std::max(0.0, std::difftime(when, std::time(nullptr)));
  }
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object() && body["error"].contains("details") &&
      body["error"]["details"].is_array())
    for (const auto& d : body["error"]["details"])
      if (d.is_object() && d.value("@type", std::string()) == "type.googleapis.com/google.rpc.RetryInfo" &&
          d.contains("retryDelay") && d["retryDelay"].is_string()) {
        std::string delay = d["retryDelay"];
        if (!delay.empty() && delay.back() == 's') delay.pop_back();
        if (auto v = seconds(delay)) return v;
      }
  return std::nullopt;
}

double retry_delay(int retry, std::optional<double> server_delay, double backoff_initial, double backoff_max,
                   double jitter, double u) {
  if (server_delay) return std::min(*server_delay, backoff_max);
  const double base = backoff_initial * std::pow(2.0, retry);
  return std::clamp(base * (1.0 + jitter * std::clamp(u, -1.0, 1.0)), 0.0, backoff_max);
}

}  // namespace mirflow::semantic
