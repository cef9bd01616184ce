#include "collector.hpp"

#include <algorithm>

namespace mirflow::report {

void Collector::clear() {
  std::lock_guard lock(mutex_);
  by_compare_.clear();
}

void Collector::add(const std::string& compare, Record record) {
  std::lock_guard lock(mutex_);
  by_compare_[compare].records.push_back(std::move(record));
}

void Collector::set_panel(const std::string& compare, Panel panel) {
  std::lock_guard lock(mutex_);
  by_compare_[compare].panel = std::move(panel);
}

std::map<std::string, Captured> Collector::take() {
  std::lock_guard lock(mutex_);
  std::map<std::string, Captured> out;
  out.swap(by_compare_);
  for (auto& [id, c] : out)
    std::sort(c.records.begin(), c.records.end(), [](const Record& a, const Record& b) { return a.order < b.order; });
  return out;
}

}  // namespace mirflow::report
