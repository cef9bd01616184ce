#include "mirflow/error.hpp"

namespace mirflow {

std::string Diagnostic::str() const {
  std::string s;
  if (!file.empty()) {
    s.append(file);
    if (line > 0) s.append(":").append(std::to_string(line)).append(":").append(std::to_string(column));
    s.append(": ");
  }
  if (!node.empty()) s.append("node '").append(node).append("': ");
  s.append(message);
  return s;
}

static std::string join(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) {
    if (!s.empty()) s.push_back('\n');
    s.append(d.str());
  }
  return s;
}

ValidationError::ValidationError(std::vector<Diagnostic> diagnostics)
    : InputError(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

RunError::RunError(std::string node, std::string item, const std::string& message)
    : std::runtime_error(node.empty() ? message
                                      : "node '" + node + "'" + (item.empty() ? "" : ", item '" + item + "'") + ": " + message),
      node_(std::move(node)), item_(std::move(item)), reason_(message) {}

}  // namespace mirflow
