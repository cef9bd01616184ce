#include <cstdio>

#include "mirflow/engine.hpp"

#ifndef MIRFLOW_VERSION
#define MIRFLOW_VERSION "0.0.0"
#endif

namespace mirflow {

std::string version() { return MIRFLOW_VERSION; }

static std::string human_bytes(std::int64_t b) {
  char buf[32];
  if (b < 1024) std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(b));
  else if (b < 1024 * 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024);
  else if (b < 1024LL * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(b) / (1024 * 1024));
  else std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(b) / (1024.0 * 1024 * 1024));
  return buf;
}

std::string RunReport::table() const {
  std::string s;
  char line[256];
  std::snprintf(line, sizeof line, "%-16s %-22s %8s %10s %12s %12s\n", "node", "type", "items", "wall s", "allocated",
                "copied");
  s += line;
  for (const auto& n : nodes) {
    std::snprintf(line, sizeof line, "%-16s %-22s %8lld %10.3f %12s %12s\n", n.id.c_str(), n.type.c_str(),
                  static_cast<long long>(n.items), n.wall_seconds, human_bytes(n.allocated_bytes).c_str(),
                  human_bytes(n.copied_bytes).c_str());
    s += line;
  }
  std::snprintf(line, sizeof line, "total wall time %.3f s\n", wall_seconds);
  s += line;
  for (const auto& n : nodes) {
    if (n.notes_total == 0) continue;
    s += "notes from " + n.id + " (" + std::to_string(n.notes_total) + "):\n";
    for (const auto& t : n.notes) s += "  " + t + "\n";
    if (n.notes_total > static_cast<std::int64_t>(n.notes.size()))
      s += "  ... and " + std::to_string(n.notes_total - static_cast<std::int64_t>(n.notes.size())) + " more\n";
  }
  return s;
}

}  // namespace mirflow
