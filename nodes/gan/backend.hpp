#pragma once
// The gan family in two files, because LibTorch takes about a second to load and most graphs do
// not use it:
//   mirflow_gan.so               the plugin: node declarations and the `train` command, no LibTorch;
//   libmirflow_gan_nodes.so      the backend next to it: node classes and training, with LibTorch,
//                                loaded the first time a gan node is built or `mirflow train` runs.
// The backend exports one C function returning this table.
#include <memory>
#include <string>
#include <vector>

#include <mirflow/node.hpp>
#include <mirflow/registry.hpp>

namespace mirflow::gan {

constexpr int kBackendVersion = 1;  // bump when the table changes

struct Backend {
  int version;
  std::unique_ptr<Node> (*make_denoise)(const NodeConfig&);
  std::unique_ptr<Node> (*make_torchscript)(const NodeConfig&);
  // `mirflow train ARGS...`; the registry provides the reader and noise nodes of the data source.
  int (*train)(const Registry&, const std::vector<std::string>& args);
};

// The backend's file name, looked for in the plugin's own directory.
inline constexpr const char* kBackendFile = "libmirflow_gan_nodes.so";
inline constexpr const char* kBackendEntry = "mirflow_gan_backend";

}  // namespace mirflow::gan
