#pragma once
// The metrics family: image-quality and segmentation metrics as JSON records, and their writer.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <mirflow/plugin.hpp>
#include <nlohmann/json.hpp>

namespace mirflow::metrics {

// An image against its reference: the chosen metrics as one JSON record per item.
class Compare final : public Node {
 public:
  explicit Compare(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::set<std::string> metrics_;
  bool has_range_, has_roi_;
  double data_range_;
  std::vector<double> roi_;
};

// Two binary masks: Dice, Hausdorff and mean surface distance as one JSON record per item.
class Segmentation final : public Node {
 public:
  explicit Segmentation(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::int64_t label_;
};

// Gathers the JSON records of every item and writes them, sorted by item, to one file once the
// last item of the run has arrived.
class WriteJson final : public Node {
 public:
  explicit WriteJson(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  struct Level {
    std::int64_t count = 0;
    std::set<std::int64_t> done;
  };
  void write() const;

  std::filesystem::path path_;
  std::map<std::vector<std::int64_t>, nlohmann::ordered_json> records_;  // by index path: item order
  std::map<std::string, Level> open_;  // parent key → which children have finished
};

// The item's JSON record with "item" (its key) first.
nlohmann::ordered_json item_record(const Key& key);

}  // namespace mirflow::metrics
