#pragma once
// One HTTPS POST through libcurl: the only network code in mirflow.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace mirflow::semantic {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; may hold credentials: never logged or echoed
  std::string body;
  double timeout_s = 60;             // whole transfer
  double connect_timeout_s = 10;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case; the last value wins
};

// The server could not be reached or did not answer in time (no HTTP status at all).
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& message, bool timed_out) : std::runtime_error(message), timed_out_(timed_out) {}
  bool timed_out() const { return timed_out_; }

 private:
  bool timed_out_;
};

// Sends the request and returns whatever HTTP status came back (errors included). Throws
// TransportError when no response arrived (DNS, refused connection, TLS, timeout).
HttpResponse http_post(const HttpRequest& request);

}  // namespace mirflow::semantic
