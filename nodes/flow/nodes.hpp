#pragma once
// The flow family: nodes that shape the stream of work items, not the pixels.
#include <map>
#include <memory>

#include <mirflow/plugin.hpp>

namespace mirflow::flow {

// Forwards its input unchanged: the same storage, no pixel copied.
class PassThrough final : public Node {
 public:
  explicit PassThrough(const NodeConfig&) {}
  static NodeSpec spec();
  void process(Context& ctx) override;
};

// Volume in, one work item per slice out (views: no pixel copied).
class Slice final : public Node {
 public:
  explicit Slice(const NodeConfig&) {}
  static NodeSpec spec();
  void process(Context& ctx) override;
};

// Slices in, their volume out once every slice of it has arrived (in any order).
class Stack final : public Node {
 public:
  explicit Stack(const NodeConfig&);
  ~Stack() override;
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  struct Partial;
  std::map<const Key*, std::unique_ptr<Partial>> partial_;
};

}  // namespace mirflow::flow
