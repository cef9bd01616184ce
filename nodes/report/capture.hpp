#pragma once
// report.capture: the sink `mirflow bench` adds beside every metrics.compare node. It receives
// what the compare node receives (image, reference, noisy) and the record it produced, and
// hands them to the bench command's Collector. Not meant for hand-written graphs: under
// `mirflow run` it keeps its records in memory and nothing reads them.
#include <memory>

#include <mirflow/node.hpp>

#include "collector.hpp"

namespace mirflow::report {

class Capture final : public Node {
 public:
  Capture(const NodeConfig& c, std::shared_ptr<Collector> collector);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::shared_ptr<Collector> collector_;
  std::string compare_, item_;
};

}  // namespace mirflow::report
