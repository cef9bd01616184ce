#pragma once
// What the report.capture nodes of a bench run hand to the `mirflow bench` command: every
// metrics.compare record, and the images of the one item the report shows. One Collector per
// registry (the plugin makes it when it registers), shared by the command and the nodes.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <mirflow/image.hpp>

namespace mirflow::report {

struct Record {
  std::vector<std::int64_t> order;  // the key's index at each level, root first: sorts like the stream
  std::string item;                 // the key, "ch2.nii.gz/z=90"
  std::string json;                 // the metrics.compare record as it came
};

// The images of the shown item, as the compare node saw them.
struct Panel {
  std::string item;
  Image image, reference;
  std::optional<Image> noisy;
};

struct Captured {
  std::vector<Record> records;  // sorted by order by take()
  std::optional<Panel> panel;
};

class Collector {
 public:
  void clear();
  void add(const std::string& compare, Record record);
  void set_panel(const std::string& compare, Panel panel);
  // Everything captured so far, by compare node id, records sorted; the collector is emptied.
  std::map<std::string, Captured> take();

 private:
  std::mutex mutex_;  // capture nodes of several compare nodes run at once
  std::map<std::string, Captured> by_compare_;
};

}  // namespace mirflow::report
