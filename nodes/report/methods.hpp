#pragma once
// The methods of a bench graph and the nodes each one is charged for.
//
// Every metrics.compare node X is one row. Its method is named after the node feeding X.image.
// Its time is the summed wall time of the nodes upstream of X.image (that node included) that
// are not shared: a node is shared when it is upstream of X.reference or X.noisy (the input, the
// noise simulation when noisy is connected), or, in a graph with two or more rows, upstream of
// every row's image (the simulation all methods start from, such as a CT sinogram and its noise)
// without being some row's image source (FBP stays FBP's when FBP + BM3D builds on it).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <mirflow/engine.hpp>

namespace mirflow::report {

struct Source {
  std::string node, port;
};

struct Method {
  std::string compare;              // the metrics.compare node's id
  std::string label;                // the image source's node id (plus the compare id when ambiguous)
  Source image, reference;          // what feeds X.image and X.reference
  std::optional<Source> noisy;      // what feeds X.noisy, when connected
  std::set<std::string> charged;    // node ids whose wall time is the method's
};

// Every metrics.compare node of `graph`, in declaration order. Throws InputError when none.
std::vector<Method> find_methods(const ValidGraph& graph, const std::string& graph_name);

// The ids of the nodes upstream of `node` in `graph`, `node` included.
std::set<std::string> upstream(const ValidGraph& graph, const std::string& node);

// Fills each method's `charged` set (rule above); returns the shared nodes: those feeding some
// compare node that no row is charged for.
std::set<std::string> charge_nodes(const ValidGraph& graph, std::vector<Method>& methods);

}  // namespace mirflow::report
