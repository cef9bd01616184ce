#pragma once
#include <any>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "mirflow/error.hpp"
#include "mirflow/image.hpp"
#include "mirflow/key.hpp"
#include "mirflow/params.hpp"

namespace mirflow {

// Port types are names compared when edges are connected. The core defines two; a plugin may
// use any other name (its payload is whatever C++ type the producer and consumer agree on).
inline constexpr const char* kImagePort = "image";  // payload: mirflow::Image
inline constexpr const char* kJsonPort = "json";    // payload: std::string holding JSON text
inline constexpr const char* kAnyPort = "any";      // accepts every type (pass-through, sinks)

struct PortSpec {
  std::string name;
  std::string type;
  bool required = true;
  std::string doc;
};

enum class Concurrency { Parallel, Serial };

// A place where a node takes a list of plugin components of one kind (an ADMM node's priors).
// In TOML each entry is a table of the slot's name inside the node, naming its component:
//   [[node.prior]]
//   type = "tv"
//   beta = 0.02
struct ComponentSlot {
  std::string name;  // "prior"
  std::string kind;  // the component kind it accepts, "ir.prior"
  std::string doc;
};

// Everything a node type declares, in one place.
struct NodeSpec {
  std::string type;  // family.name
  std::string doc;   // one line
  Concurrency concurrency = Concurrency::Parallel;
  std::vector<PortSpec> inputs, outputs;
  std::vector<ParamSpec> params;
  std::vector<ComponentSlot> components;

  NodeSpec(std::string type_name, std::string one_line_doc) : type(std::move(type_name)), doc(std::move(one_line_doc)) {}
  NodeSpec& input(std::string name, std::string port_type, std::string port_doc, bool required = true);
  NodeSpec& output(std::string name, std::string port_type, std::string port_doc);
  NodeSpec& param(ParamSpec p);
  NodeSpec& serial() { concurrency = Concurrency::Serial; return *this; }
  NodeSpec& component(std::string slot, std::string kind, std::string slot_doc);

  const ParamSpec* find_param(std::string_view name) const;
  const ComponentSlot* find_component(std::string_view slot) const;
  int input_index(std::string_view name) const;   // -1 if absent
  int output_index(std::string_view name) const;  // -1 if absent
  bool is_source() const { return inputs.empty(); }
};

using Outputs = std::map<std::string, std::any>;

// What a node sees while it processes one work item.
class Context {
 public:
  virtual ~Context() = default;
  virtual const std::string& node_id() const = 0;
  virtual const KeyPtr& key() const = 0;
  virtual bool has(std::string_view port) const = 0;
  virtual const std::any& input_any(std::string_view port) const = 0;
  // Sets an output of the current item; emitted under key() when process() returns.
  virtual void output(std::string_view port, std::any value) = 0;
  // Whether an output port feeds anything, so a node may skip work that only that port needs
  // (ir.admm's residual map). True when the context cannot tell.
  virtual bool output_connected(std::string_view port) const {
    (void)port;
    return true;
  }
  // Emits a complete set of outputs under another key (a gathering node emits its parent's key).
  virtual void emit(KeyPtr key, Outputs outputs) = 0;
  // Fans out one child item per label (a source's files, a volume's slices). `make(i)` runs
  // lazily, when the bound on items in flight allows, so memory stays flat on long inputs.
  virtual void expand(std::vector<std::string> labels, std::function<Outputs(std::int64_t)> make) = 0;
  // A remark on the current item that a user should see (a slice passed through because it holds
  // no measurable noise): `mirflow run --stats` lists them under the table. Contexts that keep no
  // report (tests, front ends) may ignore it.
  virtual void note(std::string text) { (void)text; }

  template <class T> const T& input(std::string_view port) const {
    const std::any& a = input_any(port);
    if (const T* p = std::any_cast<T>(&a)) return *p;
    throw std::runtime_error("input '" + std::string(port) + "' carries " + a.type().name() + ", expected " +
                             typeid(T).name());
  }
  // An image with one value per pixel in host memory, which is what nearly every node computes
  // on. A colour image is refused here (the engine adds the node's name), so no node quietly
  // works on its first component; so is an image in device memory, which a host node would read
  // through a device pointer.
  const Image& image(std::string_view port) const { return on_host(port, image_any_device(port)); }
  // One value per pixel, in host or device memory: for the nodes that run on either (gpu.*,
  // gan.* with device = "cuda").
  const Image& image_any_device(std::string_view port) const {
    const Image& im = input<Image>(port);
    if (im.components() != 1)
      throw InputError("input '" + std::string(port) + "': got a colour image (" +
                       im.describe() + "); this node takes one value per pixel. Convert it first with a " +
                       "colour.to_gray node");
    return im;
  }
  // Any host image, colour included: for the nodes that handle components (writers, flow, conversion).
  const Image& image_any_components(std::string_view port) const { return on_host(port, input<Image>(port)); }

 private:
  static const Image& on_host(std::string_view port, const Image& im) {
    if (im.device() != Device::CPU)
      throw InputError("input '" + std::string(port) + "': got an image in " + device_name(im.device()) +
                       " memory (" + im.describe() + "); this node takes host images. Copy it back first " +
                       "with a gpu.download node");
    return im;
  }
};

// A node instance. Constructed once per graph node from validated parameters (load models,
// open files there, and throw InputError on bad input); process() runs once per work item.
class Node {
 public:
  virtual ~Node() = default;
  virtual void process(Context& ctx) = 0;
};

// One validated entry of a component slot, as a node's constructor receives it.
struct ComponentConfig {
  std::string type;   // the component's name ("tv")
  Params params;      // validated, defaults filled in
  std::string where;  // "graph.toml:31:1 (prior[0])", for error messages
  std::string base;   // the C++ base type the kind's factories return (checked by make)
  std::function<std::shared_ptr<void>(const Params&)> factory;

  // A new instance of the component. T must be the kind's base type (the type the component
  // was registered with); anything else throws instead of casting blindly.
  template <class T> std::shared_ptr<T> make() const {
    if (base != typeid(T).name())
      throw std::logic_error("component '" + type + "' (" + where + ") is a " + base + ", not a " + typeid(T).name());
    return std::static_pointer_cast<T>(factory(params));
  }
};

// What a factory receives: the node id, its validated parameters and its component entries
// (slot name -> entries in declaration order; every declared slot is present, maybe empty).
struct NodeConfig {
  std::string id;
  Params params;
  std::map<std::string, std::vector<ComponentConfig>> components;
};

using NodeFactory = std::function<std::unique_ptr<Node>(const NodeConfig&)>;

}  // namespace mirflow
