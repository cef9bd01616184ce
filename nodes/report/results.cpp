#include "results.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include <mirflow/error.hpp>

namespace mirflow::report {

namespace {

// Keys of a metrics.compare record that are not metrics (docs/metrics.md).
bool is_metric(const std::string& key, const nlohmann::ordered_json& value) {
  if (key == "item" || key == "data_range") return false;
  return value.is_number() || (key == "psnr" && value.is_null());  // null PSNR: identical images, +inf
}

double metric_value(const std::string& key, const nlohmann::ordered_json& value) {
  if (value.is_null()) return key == "psnr" ? std::numeric_limits<double>::infinity() : std::nan("");
  return value.get<double>();
}

std::string fixed(double v, int decimals) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

nlohmann::ordered_json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

std::string format_metric(const std::string& metric, double value) {
  if (metric == "psnr") return fixed(value, 2);
  if (std::fabs(value) >= 100) return fixed(value, 1);  // RMSE in HU
  return fixed(value, 4);
}

BenchResult summarise(const std::vector<Method>& methods, std::map<std::string, Captured> captured,
                      const RunReport& run, const std::set<std::string>& capture_ids) {
  BenchResult r;
  r.wall_seconds = run.wall_seconds;
  for (const auto& n : run.nodes)
    if (!capture_ids.count(n.id)) r.nodes.push_back(n);
  std::vector<std::string> seen;
  for (const auto& m : methods) {
    MethodResult mr;
    mr.method = m;
    Captured& c = captured[m.compare];
    std::map<std::string, std::pair<double, std::int64_t>> sums;
    for (const auto& rec : c.records) {
      nlohmann::ordered_json j;
      try {
        j = nlohmann::ordered_json::parse(rec.json);
      } catch (const std::exception& e) {
        throw RunError(m.compare, rec.item, std::string("the record is not JSON: ") + e.what());
      }
      for (const auto& [key, value] : j.items()) {
        if (!is_metric(key, value)) continue;
        if (std::find(seen.begin(), seen.end(), key) == seen.end()) seen.push_back(key);
        auto& s = sums[key];
        s.first += metric_value(key, value);
        s.second += 1;
      }
      mr.records.push_back(std::move(j));
    }
    for (const auto& [key, s] : sums) mr.means[key] = s.first / static_cast<double>(s.second);
    for (const auto& n : run.nodes)
      if (m.charged.count(n.id)) mr.seconds += n.wall_seconds;
    mr.seconds_per_item = mr.records.empty() ? 0.0 : mr.seconds / static_cast<double>(mr.records.size());
    mr.panel = std::move(c.panel);
    r.methods.push_back(std::move(mr));
  }
  // psnr and ssim first (the columns everyone reads), then the others in the records' order.
  for (const char* first : {"psnr", "ssim"})
    if (std::find(seen.begin(), seen.end(), first) != seen.end()) r.metrics.push_back(first);
  for (const auto& k : seen)
    if (std::find(r.metrics.begin(), r.metrics.end(), k) == r.metrics.end()) r.metrics.push_back(k);
  return r;
}

std::vector<std::string> charged_to(const BenchResult& r, const std::string& node) {
  std::vector<std::string> out;
  for (const auto& m : r.methods)
    if (m.method.charged.count(node)) out.push_back(m.method.label);
  return out;
}

std::string text_table(const BenchResult& r) {
  std::vector<std::string> header{"method", "items"};
  for (const auto& k : r.metrics) header.push_back(k == "psnr" ? "psnr dB" : k);
  header.push_back("time s");
  header.push_back("s/item");
  std::vector<std::vector<std::string>> rows{header};
  for (const auto& m : r.methods) {
    std::vector<std::string> row{m.method.label, std::to_string(m.records.size())};
    for (const auto& k : r.metrics) {
      auto it = m.means.find(k);
      row.push_back(it == m.means.end() ? "-" : format_metric(k, it->second));
    }
    row.push_back(fixed(m.seconds, 4));
    row.push_back(fixed(m.seconds_per_item, 4));
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::ostringstream out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      // The method column is left-aligned, numbers right-aligned.
      const std::string pad(width[i] - row[i].size(), ' ');
      out << (i == 0 ? row[i] + pad : pad + row[i]) << (i + 1 < row.size() ? "  " : "\n");
    }
  }
  return out.str();
}

nlohmann::ordered_json to_json(const BenchResult& r) {
  nlohmann::ordered_json j;
  j["name"] = r.name;
  j["graph"] = r.graph.string();
  j["command"] = r.command;
  j["threads"] = r.threads;
  j["wall_seconds"] = r.wall_seconds;
  j["time_rule"] =
      "a method's seconds = summed wall time (over work items and threads) of the nodes upstream of its "
      "metrics.compare image, shared nodes excluded: those upstream of the reference or noisy input, and those "
      "upstream of every row's image that are no row's image source";
  j["metrics"] = r.metrics;
  j["methods"] = nlohmann::ordered_json::array();
  for (const auto& m : r.methods) {
    nlohmann::ordered_json mj;
    mj["method"] = m.method.label;
    mj["compare"] = m.method.compare;
    mj["image"] = m.method.image.node + "." + m.method.image.port;
    mj["reference"] = m.method.reference.node + "." + m.method.reference.port;
    mj["noisy"] = m.method.noisy ? nlohmann::ordered_json(m.method.noisy->node + "." + m.method.noisy->port)
                                 : nlohmann::ordered_json(nullptr);
    mj["charged_nodes"] = m.method.charged;
    mj["items"] = m.records.size();
    mj["seconds"] = m.seconds;
    mj["seconds_per_item"] = m.seconds_per_item;
    nlohmann::ordered_json means = nlohmann::ordered_json::object();
    for (const auto& k : r.metrics)
      if (m.means.count(k)) means[k] = number_or_null(m.means.at(k));
    mj["means"] = means;
    mj["records"] = m.records;
    j["methods"].push_back(mj);
  }
  j["shared_nodes"] = r.shared;
  j["nodes"] = nlohmann::ordered_json::array();
  for (const auto& n : r.nodes) {
    j["nodes"].push_back({{"id", n.id},
                          {"type", n.type},
                          {"items", n.items},
                          {"wall_seconds", n.wall_seconds},
                          {"allocated_bytes", n.allocated_bytes},
                          {"copied_bytes", n.copied_bytes},
                          {"charged_to", charged_to(r, n.id)}});
  }
  return j;
}

}  // namespace mirflow::report
