#pragma once
// The outcome of one bench run: each method's records, mean metrics and time, and every node's
// timing; printed as a table and written as results.json.
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mirflow/engine.hpp>

#include "collector.hpp"
#include "methods.hpp"

namespace mirflow::report {

struct MethodResult {
  Method method;
  std::vector<nlohmann::ordered_json> records;  // sorted by item
  std::map<std::string, double> means;          // metric -> mean over the records (+inf PSNR stays +inf)
  double seconds = 0;                           // summed wall time of the charged nodes
  double seconds_per_item = 0;                  // seconds / records
  std::optional<Panel> panel;
};

struct BenchResult {
  std::string name;
  std::filesystem::path graph;
  std::string command;
  int threads = 0;
  double wall_seconds = 0;
  std::vector<std::string> metrics;  // table columns: every numeric metric of the records, psnr and ssim first
  std::vector<MethodResult> methods;
  std::vector<NodeReport> nodes;     // the graph's own nodes (the bench's capture sinks left out)
  std::set<std::string> shared;      // nodes charged to no method
};

// Parses the captured records, averages every numeric metric and sums the charged nodes' time.
BenchResult summarise(const std::vector<Method>& methods, std::map<std::string, Captured> captured,
                      const RunReport& run, const std::set<std::string>& capture_ids);

// The methods that charge a node (labels), for the per-node tables.
std::vector<std::string> charged_to(const BenchResult& r, const std::string& node);

std::string format_metric(const std::string& metric, double value);
std::string text_table(const BenchResult& r);
nlohmann::ordered_json to_json(const BenchResult& r);

}  // namespace mirflow::report
