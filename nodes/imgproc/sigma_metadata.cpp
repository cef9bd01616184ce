#include "mirflow_imgproc/sigma_metadata.hpp"

#include <charconv>
#include <stdexcept>

namespace mirflow::imgproc {

std::optional<double> metadata_number(const Image& image, const std::string& key) {
  const auto it = image.metadata().find(key);
  if (it == image.metadata().end()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || end != it->second.data() + it->second.size())
    throw std::invalid_argument("metadata " + key + " = '" + it->second + "' is not a number");
  return v;
}

std::string number_text(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

}  // namespace mirflow::imgproc
