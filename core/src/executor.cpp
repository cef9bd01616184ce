// Runs a validated graph on a oneTBB flow graph.
//
// Per graph node:   [join (tag matching) -> merge] -> body -> broadcast -> one extractor per edge
// The body calls Node::process; extractors pick one output port and place it at the consumer's
// input slot. Fan-outs (sources, slicers) go through a Gate that emits a child item only while
// fewer than max_in_flight of its items are alive, so memory stays flat on long inputs: an item
// is alive while any copy of its key exists (the key holds a token whose release opens the gate).
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "mirflow/engine.hpp"
#include "mirflow/memory_stats.hpp"

namespace mirflow {

namespace tf = tbb::flow;
using Clock = std::chrono::steady_clock;

namespace {

struct Bundle {
  KeyPtr key;
  std::vector<std::any> ports;
};

// Shared by every part of one run; outlives the flow graph (tokens may be released late).
struct RunShared {
  std::mutex fail_mutex;
  std::atomic<bool> failed{false};
  std::string fail_node, fail_item, fail_message;
  bool fail_bad_input = false;
  tf::graph* graph = nullptr;

  std::atomic<std::int64_t> done{0}, total{0};
  std::function<void(const Progress&)> on_progress;
  std::atomic<std::int64_t> last_progress_ns{0};

  void fail(const std::string& node, const std::string& item, const std::string& msg, bool bad_input) {
    std::lock_guard lock(fail_mutex);
    if (failed.exchange(true)) return;  // the first error is the one reported
    fail_node = node, fail_item = item, fail_message = msg, fail_bad_input = bad_input;
    if (graph) graph->cancel();
  }

  void progress(bool force = false) {
    if (!on_progress) return;
    auto now = Clock::now().time_since_epoch().count();
    auto last = last_progress_ns.load();
    if (!force && now - last < 100'000'000) return;  // at most ten updates a second
    if (!last_progress_ns.compare_exchange_strong(last, now) && !force) return;
    on_progress({done.load(), total.load()});
  }
};

struct Expansion {
  KeyPtr parent;
  std::vector<std::string> labels;
  std::function<Outputs(std::int64_t)> make;
  std::size_t next = 0;
};

struct EmitRequest {
  std::shared_ptr<Expansion> expansion;
  std::int64_t index = 0;
};

// Bounds the items one fan-out node has in flight.
struct Gate : std::enable_shared_from_this<Gate> {
  std::mutex mutex;
  std::deque<std::shared_ptr<Expansion>> queue;
  std::int64_t in_flight = 0, limit = 1;
  bool closed = false;
  tf::function_node<EmitRequest>* emitter = nullptr;
  std::shared_ptr<RunShared> run;

  void add(std::shared_ptr<Expansion> e) {
    run->total += static_cast<std::int64_t>(e->labels.size());
    std::vector<EmitRequest> ready;
    {
      std::lock_guard lock(mutex);
      if (!e->labels.empty()) queue.push_back(std::move(e));
      take(ready);
    }
    send(ready);
  }

  void release() {
    run->done += 1;
    run->progress();
    std::vector<EmitRequest> ready;
    {
      std::lock_guard lock(mutex);
      --in_flight;
      take(ready);
    }
    send(ready);
  }

  std::int64_t pending() {
    std::lock_guard lock(mutex);
    std::int64_t n = 0;
    for (auto& e : queue) n += static_cast<std::int64_t>(e->labels.size() - e->next);
    return n;
  }

 private:
  void take(std::vector<EmitRequest>& ready) {
    while (!closed && !run->failed && in_flight < limit && !queue.empty()) {
      auto& e = queue.front();
      ready.push_back({e, static_cast<std::int64_t>(e->next++)});
      ++in_flight;
      if (e->next == e->labels.size()) queue.pop_front();
    }
  }
  void send(std::vector<EmitRequest>& ready) {
    for (auto& r : ready) {
      std::lock_guard lock(mutex);  // emitter is cleared under this lock at teardown
      if (!closed) emitter->try_put(std::move(r));
    }
  }
};

struct RtNode;

class ContextImpl final : public Context {
 public:
  ContextImpl(RtNode& node, const Bundle& in) : node_(node), in_(in) {}
  const std::string& node_id() const override;
  const KeyPtr& key() const override { return in_.key; }
  bool has(std::string_view port) const override;
  const std::any& input_any(std::string_view port) const override;
  void output(std::string_view port, std::any value) override;
  bool output_connected(std::string_view port) const override;
  void emit(KeyPtr key, Outputs outputs) override;
  void expand(std::vector<std::string> labels, std::function<Outputs(std::int64_t)> make) override;
  void note(std::string text) override;

  RtNode& node_;
  const Bundle& in_;
  Outputs outputs_;
  bool has_outputs_ = false;
  std::vector<std::pair<KeyPtr, Outputs>> emitted_;
  std::vector<std::shared_ptr<Expansion>> expansions_;
};

struct RtNode {
  std::string id;
  const NodeSpec* spec = nullptr;
  std::unique_ptr<Node> impl;
  std::shared_ptr<RunShared> run;
  std::shared_ptr<Gate> gate;
  std::vector<bool> output_used;  // output ports with at least one edge

  MemoryCounters counters;
  std::atomic<std::int64_t> items{0}, wall_ns{0};
  std::mutex notes_mutex;
  std::vector<std::string> notes;  // the first kKeptNotes
  std::int64_t notes_total = 0;
  static constexpr std::size_t kKeptNotes = 5;

  std::unique_ptr<tf::function_node<Bundle>> body;
  std::unique_ptr<tf::broadcast_node<Bundle>> out;
  std::unique_ptr<tf::function_node<EmitRequest>> emitter;
  std::unique_ptr<tf::graph_node> join, merge;
  std::vector<tf::receiver<Bundle>*> join_ports;  // one per connected input, in slot order
  std::vector<int> input_slots;                   // connected input port indices, in slot order

  // Outputs -> a Bundle in output-port order, checking that every connected port is present.
  Bundle pack(KeyPtr key, Outputs&& outs) {
    Bundle b{std::move(key), std::vector<std::any>(spec->outputs.size())};
    for (auto& [name, value] : outs) {
      int i = spec->output_index(name);
      if (i < 0) throw std::logic_error("node set an undeclared output '" + name + "'");
      b.ports[static_cast<std::size_t>(i)] = std::move(value);
    }
    for (std::size_t i = 0; i < b.ports.size(); ++i)
      if (output_used[i] && !b.ports[i].has_value())
        throw std::logic_error("node produced no '" + spec->outputs[i].name + "' output, which is connected");
    return b;
  }

  void process(const Bundle& in) {
    if (run->failed) return;
    ContextImpl ctx(*this, in);
    try {
      {
        CountersScope scope(&counters);
        auto t0 = Clock::now();
        impl->process(ctx);
        wall_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
      }
      if (!spec->is_source()) ++items;  // a source counts the items it emits, not its start call
      if (ctx.has_outputs_) out->try_put(pack(in.key, std::move(ctx.outputs_)));
      for (auto& [k, o] : ctx.emitted_) out->try_put(pack(std::move(k), std::move(o)));
      for (auto& e : ctx.expansions_) gate->add(std::move(e));
    } catch (const InputError& e) {
      run->fail(id, in.key ? in.key->str() : "", e.what(), true);
    } catch (const std::exception& e) {
      run->fail(id, in.key ? in.key->str() : "", e.what(), false);
    }
  }

  void emit_child(const EmitRequest& r) {
    if (run->failed) return;
    auto g = gate;
    std::shared_ptr<void> token(nullptr, [g](void*) { g->release(); });
    const auto& e = *r.expansion;
    KeyPtr key = Key::child(e.parent, e.labels[static_cast<std::size_t>(r.index)], r.index,
                            static_cast<std::int64_t>(e.labels.size()), std::move(token));
    try {
      Outputs outs;
      {
        CountersScope scope(&counters);
        auto t0 = Clock::now();
        outs = e.make(r.index);
        wall_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
      }
      if (spec->is_source()) ++items;
      out->try_put(pack(key, std::move(outs)));
    } catch (const InputError& ex) {
      run->fail(id, key->str(), ex.what(), true);
    } catch (const std::exception& ex) {
      run->fail(id, key->str(), ex.what(), false);
    }
  }
};

const std::string& ContextImpl::node_id() const { return node_.id; }

bool ContextImpl::has(std::string_view port) const {
  int i = node_.spec->input_index(port);
  return i >= 0 && static_cast<std::size_t>(i) < in_.ports.size() && in_.ports[static_cast<std::size_t>(i)].has_value();
}

const std::any& ContextImpl::input_any(std::string_view port) const {
  int i = node_.spec->input_index(port);
  if (i < 0) throw std::logic_error("node asked for undeclared input '" + std::string(port) + "'");
  const auto& a = in_.ports[static_cast<std::size_t>(i)];
  if (!a.has_value()) throw std::logic_error("input '" + std::string(port) + "' is not connected");
  return a;
}

void ContextImpl::output(std::string_view port, std::any value) {
  outputs_[std::string(port)] = std::move(value);
  has_outputs_ = true;
}

bool ContextImpl::output_connected(std::string_view port) const {
  const int i = node_.spec->output_index(port);
  if (i < 0) throw std::logic_error("node asked about undeclared output '" + std::string(port) + "'");
  return node_.output_used[static_cast<std::size_t>(i)];
}

void ContextImpl::emit(KeyPtr key, Outputs outputs) { emitted_.emplace_back(std::move(key), std::move(outputs)); }

void ContextImpl::note(std::string text) {
  std::lock_guard lock(node_.notes_mutex);
  ++node_.notes_total;
  if (node_.notes.size() < RtNode::kKeptNotes) node_.notes.push_back((in_.key ? in_.key->str() : std::string("run")) + ": " + text);
}

void ContextImpl::expand(std::vector<std::string> labels, std::function<Outputs(std::int64_t)> make) {
  auto e = std::make_shared<Expansion>();
  e->parent = in_.key;
  e->labels = std::move(labels);
  e->make = std::move(make);
  expansions_.push_back(std::move(e));
}

// ---- joins of N inputs by key tag -------------------------------------------------------------
template <std::size_t> using BundleAt = Bundle;

struct TagOf {
  tf::tag_value operator()(const Bundle& b) const { return b.key->tag(); }
};

template <std::size_t... Is>
void make_join(tf::graph& g, RtNode& n, std::index_sequence<Is...>) {
  using Tuple = std::tuple<BundleAt<Is>...>;
  using Join = tf::join_node<Tuple, tf::tag_matching>;
  auto join = std::make_unique<Join>(g, ((void)Is, TagOf{})...);
  const std::size_t n_in = n.spec->inputs.size();
  auto merge = std::make_unique<tf::function_node<Tuple, Bundle, tf::lightweight>>(
      g, tf::unlimited, [n_in](const Tuple& t) {
        Bundle b{std::get<0>(t).key, std::vector<std::any>(n_in)};
        auto take = [&](const Bundle& part) {
          for (std::size_t q = 0; q < n_in; ++q)
            if (part.ports[q].has_value()) b.ports[q] = part.ports[q];
        };
        (take(std::get<Is>(t)), ...);
        return b;
      });
  tf::make_edge(*join, *merge);
  tf::make_edge(*merge, *n.body);
  n.join_ports = {&tf::input_port<Is>(*join)...};
  n.join = std::move(join);
  n.merge = std::move(merge);
}

void build_join(tf::graph& g, RtNode& n, std::size_t count) {
  switch (count) {
    case 2: return make_join(g, n, std::make_index_sequence<2>{});
    case 3: return make_join(g, n, std::make_index_sequence<3>{});
    case 4: return make_join(g, n, std::make_index_sequence<4>{});
    case 5: return make_join(g, n, std::make_index_sequence<5>{});
    case 6: return make_join(g, n, std::make_index_sequence<6>{});
    default: throw InputError("node '" + n.id + "' has " + std::to_string(count) + " connected inputs; at most 6 are supported");
  }
}

}  // namespace

// ---- the run --------------------------------------------------------------------------------------
RunReport run(const ValidGraph& vg, const RunOptions& options) {
  const int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const int in_flight = options.max_in_flight > 0 ? options.max_in_flight : 2 * threads + 2;

  auto shared = std::make_shared<RunShared>();
  shared->on_progress = options.on_progress;
  auto t_start = Clock::now();
  RunReport report;

  {
    tf::graph g;
    shared->graph = &g;
    // Declared after the graph so that they are destroyed before it.
    std::vector<std::unique_ptr<RtNode>> nodes;
    std::vector<std::unique_ptr<tf::graph_node>> extractors;

    // 1. Instantiate node implementations (errors here are bad input: nothing has run yet).
    for (const auto& vn : vg.nodes) {
      auto n = std::make_unique<RtNode>();
      n->id = vn.id;
      n->spec = &vn.type->spec;
      n->run = shared;
      n->output_used.assign(n->spec->outputs.size(), false);
      try {
        CountersScope scope(&n->counters);
        n->impl = vn.type->factory(NodeConfig{vn.id, vn.params, vn.components});
      } catch (const std::exception& e) {
        throw InputError("node '" + vn.id + "' (" + vn.type->spec.type + "): " + e.what());
      }
      nodes.push_back(std::move(n));
    }
    for (const auto& e : vg.edges) nodes[static_cast<std::size_t>(e.from)]->output_used[static_cast<std::size_t>(e.from_port)] = true;

    // 2. Flow-graph nodes: body, broadcast, gate emitter, and a join where inputs meet.
    for (auto& np : nodes) {
      RtNode* n = np.get();
      const std::size_t conc = n->spec->concurrency == Concurrency::Serial ? tf::serial : tf::unlimited;
      n->body = std::make_unique<tf::function_node<Bundle>>(g, conc, [n](const Bundle& b) { n->process(b); });
      n->out = std::make_unique<tf::broadcast_node<Bundle>>(g);
      n->gate = std::make_shared<Gate>();
      n->gate->limit = in_flight;
      n->gate->run = shared;
      // Emissions of a source run serially (readers need not be thread-safe); a slicer's in parallel.
      n->emitter = std::make_unique<tf::function_node<EmitRequest>>(
          g, n->spec->is_source() ? tf::serial : tf::unlimited, [n](const EmitRequest& r) { n->emit_child(r); });
      n->gate->emitter = n->emitter.get();
      for (std::size_t p = 0; p < n->spec->inputs.size(); ++p)
        for (const auto& e : vg.edges)
          if (nodes[static_cast<std::size_t>(e.to)].get() == n && e.to_port == static_cast<int>(p))
            n->input_slots.push_back(static_cast<int>(p));
      if (n->input_slots.size() > 1) build_join(g, *n, n->input_slots.size());
    }

    // 3. One extractor per edge: producer output port -> consumer input slot.
    for (const auto& e : vg.edges) {
      RtNode& a = *nodes[static_cast<std::size_t>(e.from)];
      RtNode& b = *nodes[static_cast<std::size_t>(e.to)];
      const std::size_t p = static_cast<std::size_t>(e.from_port), q = static_cast<std::size_t>(e.to_port);
      const std::size_t n_in = b.spec->inputs.size();
      auto x = std::make_unique<tf::function_node<Bundle, Bundle, tf::lightweight>>(
          g, tf::unlimited, [p, q, n_in](const Bundle& in) {
            Bundle r{in.key, std::vector<std::any>(n_in)};
            r.ports[q] = in.ports[p];
            return r;
          });
      tf::make_edge(*a.out, *x);
      if (b.join_ports.empty()) {
        tf::make_edge(*x, *b.body);
      } else {
        auto slot = std::find(b.input_slots.begin(), b.input_slots.end(), e.to_port) - b.input_slots.begin();
        tf::make_edge(*x, *b.join_ports[static_cast<std::size_t>(slot)]);
      }
      extractors.push_back(std::move(x));
    }

    // 4. Start the sources, wait, and tear down in an order that lets late tokens find closed gates.
    // The same root for every graph: keys (and the seeds derived from their tags) do not change
    // when a graph is renamed.
    KeyPtr root = Key::root("run");
    for (auto& n : nodes)
      if (n->spec->is_source()) n->body->try_put(Bundle{root, {}});
    // A watcher turns an external cancel request into a graph cancellation.
    std::atomic<bool> finished{false};
    std::thread watcher;
    if (options.cancel)
      watcher = std::thread([&] {
        while (!finished.load()) {
          if (options.cancel->load()) {
            shared->fail("", "", "cancelled", false);
            break;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      });
    g.wait_for_all();
    finished = true;
    if (watcher.joinable()) watcher.join();

    std::int64_t stuck = 0;
    std::string stuck_at;
    for (auto& n : nodes) {
      std::lock_guard lock(n->gate->mutex);
      n->gate->closed = true;
    }
    for (auto& n : nodes) {
      std::int64_t p = n->gate->pending() + n->gate->in_flight;
      if (p > 0 && stuck_at.empty()) stuck_at = n->id;
      stuck += p;
    }
    for (auto& n : nodes) n->impl.reset();  // releases any keys a node kept

    shared->progress(true);
    if (shared->failed) {
      RunError err(shared->fail_node, shared->fail_item, shared->fail_message);
      err.set_bad_input(shared->fail_bad_input);
      throw err;
    }
    if (stuck > 0)
      throw RunError(stuck_at, "", std::to_string(stuck) +
                                       " work items never finished: an item was dropped on one branch of a join, or "
                                       "a gathering node received fewer items than were announced");
    report.wall_seconds = std::chrono::duration<double>(Clock::now() - t_start).count();
    for (auto& np : nodes) {
      auto& n = *np;
      report.nodes.push_back({n.id, n.spec->type, n.items.load(), static_cast<double>(n.wall_ns.load()) * 1e-9,
                              n.counters.allocated_bytes.load(), n.counters.copied_bytes.load(), n.notes,
                              n.notes_total});
    }
  }
  return report;
}

}  // namespace mirflow
