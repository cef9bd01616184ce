#pragma once
// Runs another family's node (a reader, a noise simulator) outside a graph, so that training
// makes its pairs with exactly the code a graph would run: the node is built from the registry
// with its schema's defaults plus the given parameters, and process() sees a Context that hands
// it the inputs and collects its outputs (a source's fan-out is expanded at once).
#include <any>
#include <map>
#include <memory>
#include <string>

#include <mirflow/registry.hpp>

namespace mirflow::gan {

class NodeRunner {
 public:
  // Throws std::runtime_error when `type` is not registered (its plugin was not loaded) and
  // InputError when a parameter is unknown or the constructor refuses it.
  NodeRunner(const Registry& registry, const std::string& type, const std::map<std::string, ParamValue>& params);
  // One work item under a key labelled `item` (seeded nodes derive their stream from it).
  Outputs run(const std::string& item, const Outputs& inputs = {});

 private:
  std::string type_;
  std::unique_ptr<Node> node_;
};

}  // namespace mirflow::gan
