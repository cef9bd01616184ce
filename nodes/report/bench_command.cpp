// `mirflow bench GRAPH ...`: runs an ordinary graph whose methods each feed a metrics.compare
// node, with a report.capture sink added beside every compare node, then prints the metrics
// table and writes DIR/results.json and DIR/report.html (default DIR: out/bench/<graph name>/).
#include "bench_command.hpp"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>

#include <mirflow/atomic_file.hpp>
#include <mirflow/engine.hpp>
#include <mirflow/error.hpp>

#include "html_report.hpp"
#include "methods.hpp"
#include "results.hpp"

namespace mirflow::report {

namespace fs = std::filesystem;

namespace {

const char* kUsage =
    "usage: mirflow bench GRAPH [--set node.key=value]... [--out DIR] [--threads N] [--item KEY] [--window LO,HI] [--quiet]\n"
    "Runs GRAPH, whose methods each feed a metrics.compare node (image: the method's output, reference: the\n"
    "ground truth, optional noisy), prints mean metrics and each method's time, and writes DIR/results.json\n"
    "and DIR/report.html (default DIR: out/bench/<graph name>/). --item KEY: the item shown in the report\n"
    "(default: the middle one); --window LO,HI: its intensity window (default: the reference's 1st-99th\n"
    "percentile). See docs/bench.md.\n";

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct BenchArgs {
  fs::path graph, out;
  std::vector<std::string> sets;
  int threads = 0;
  std::string item;
  std::optional<std::pair<double, double>> window;
  bool quiet = false, help = false;
};

double parse_double(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw Usage(flag + " needs numbers, got '" + text + "'");
}

BenchArgs parse_args(const std::vector<std::string>& args) {
  BenchArgs a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& s = args[i];
    auto is = [&](const std::string& flag) { return s == flag || s.rfind(flag + "=", 0) == 0; };
    auto value = [&](const std::string& flag) -> std::string {
      if (s.size() > flag.size() && s[flag.size()] == '=') return s.substr(flag.size() + 1);
      if (i + 1 >= args.size()) throw Usage(flag + " needs a value");
      return args[++i];
    };
    if (s == "-h" || s == "--help") a.help = true;
    else if (s == "--quiet" || s == "-q") a.quiet = true;
    else if (is("--set")) a.sets.push_back(value("--set"));
    else if (is("--out")) a.out = value("--out");
    else if (is("--item")) a.item = value("--item");
    else if (is("--threads")) {
      const std::string v = value("--threads");
      try {
        std::size_t used = 0;
        a.threads = std::stoi(v, &used);
        if (used != v.size() || a.threads < 0) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        throw Usage("--threads needs a non-negative integer, got '" + v + "'");
      }
    } else if (is("--window")) {
      const std::string v = value("--window");
      const auto comma = v.find(',');
      if (comma == std::string::npos) throw Usage("--window needs LO,HI, got '" + v + "'");
      a.window = {parse_double("--window", v.substr(0, comma)), parse_double("--window", v.substr(comma + 1))};
      if (!(a.window->second > a.window->first)) throw Usage("--window needs LO < HI, got '" + v + "'");
    } else if (!s.empty() && s[0] == '-') throw Usage("unknown option " + s);
    else if (a.graph.empty()) a.graph = s;
    else throw Usage("unexpected argument " + s);
  }
  if (a.graph.empty() && !a.help) throw Usage("missing the graph file");
  return a;
}

// Progress lines on stderr at every tenth, as `mirflow run` prints them off a terminal.
struct ProgressLines {
  std::mutex m;
  std::int64_t last = -1;
  void operator()(const Progress& p) {
    std::lock_guard lock(m);
    if (p.total <= 0) return;
    const std::int64_t decile = p.done * 10 / p.total;
    if (decile == last) return;
    last = decile;
    std::fprintf(stderr, "progress: %lld/%lld items\n", static_cast<long long>(p.done), static_cast<long long>(p.total));
  }
};

void write_atomically(const fs::path& target, const std::string& text) {
  AtomicFile file(target);
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + file.temp_path().string());
  }
  file.commit();
}

// Adds a report.capture sink beside every compare node: fed by the compare node's own sources
// and by its json output. Returns the sinks' ids.
std::set<std::string> add_captures(GraphDecl& decl, const std::vector<Method>& methods, const std::string& item) {
  std::set<std::string> ids, captures;
  for (const auto& n : decl.nodes) ids.insert(n.id);
  const SourcePos pos{"<mirflow bench>", 0, 0};
  const fs::path here = fs::current_path();
  for (const auto& m : methods) {
    std::string id = "bench_capture_" + m.compare;
    while (ids.count(id)) id += "_";
    ids.insert(id);
    captures.insert(id);
    NodeDecl n;
    n.id = id;
    n.type = "report.capture";
    n.pos = pos;
    n.params["compare"] = ParamDecl{ParamValue(m.compare), pos, here};
    n.params["item"] = ParamDecl{ParamValue(item), pos, here};
    decl.nodes.push_back(std::move(n));
    decl.edges.push_back(EdgeDecl{m.image.node, m.image.port, id, "image", pos});
    decl.edges.push_back(EdgeDecl{m.reference.node, m.reference.port, id, "reference", pos});
    if (m.noisy) decl.edges.push_back(EdgeDecl{m.noisy->node, m.noisy->port, id, "noisy", pos});
    decl.edges.push_back(EdgeDecl{m.compare, "json", id, "json", pos});
  }
  return captures;
}

int run_bench(const Registry& registry, Collector& collector, const BenchArgs& a, const std::string& command) {
  GraphDecl decl = parse_graph_file(a.graph);
  apply_overrides(decl, a.sets);
  // The graph as `mirflow run` sees it: its own problems are reported before anything is added.
  const ValidGraph user = validate(decl, registry);
  const std::string name = !decl.name.empty() ? decl.name : a.graph.stem().string();
  std::vector<Method> methods = find_methods(user, a.graph.string());
  const std::set<std::string> shared = charge_nodes(user, methods);
  const std::set<std::string> captures = add_captures(decl, methods, a.item);
  const ValidGraph graph = validate(decl, registry);

  RunOptions options;
  options.threads = a.threads;
  ProgressLines progress;
  if (!a.quiet) options.on_progress = [&progress](const Progress& p) { progress(p); };
  collector.clear();
  const RunReport run_report = run(graph, options);
  auto captured = collector.take();

  BenchResult result = summarise(methods, std::move(captured), run_report, captures);
  result.name = name;
  result.graph = fs::absolute(a.graph);
  result.command = command;
  result.threads = a.threads;
  result.shared = shared;
  if (!a.item.empty()) {
    bool found = false;
    for (const auto& m : result.methods) found = found || m.panel.has_value();
    if (!found) {
      std::string items;
      std::size_t shown = 0;
      for (const auto& rec : result.methods.front().records) {
        if (shown++ == 8) {
          items += ", ...";
          break;
        }
        items += (items.empty() ? "" : ", ") + rec.value("item", std::string());
      }
      throw InputError("--item '" + a.item + "': no such item (items: " + items + ")");
    }
  }

  const Panels panels = make_panels(result, a.window);
  nlohmann::ordered_json j = to_json(result);
  j["panel"] = {{"item", panels.item},
                {"window", {panels.lo, panels.hi}},
                {"difference_scale", {0.0, panels.diff_max}},
                {"figures", nlohmann::ordered_json::array()}};
  for (const auto& f : panels.figures) j["panel"]["figures"].push_back(f.caption);

  const fs::path out = a.out.empty() ? fs::path("out") / "bench" / name : a.out;
  std::cout << text_table(result);
  write_atomically(out / "results.json", j.dump(2) + "\n");
  write_atomically(out / "report.html", html_report(result, panels));
  std::cout << "wrote " << (out / "results.json").string() << " and " << (out / "report.html").string() << "\n";
  return 0;
}

int bench(const Registry& registry, Collector& collector, const std::vector<std::string>& args) {
  BenchArgs a;
  try {
    a = parse_args(args);
  } catch (const Usage& e) {
    std::cerr << "mirflow bench: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (a.help) {
    std::cout << kUsage;
    return 0;
  }
  std::string command = "mirflow bench";
  for (const auto& s : args) command += " " + s;
  try {
    return run_bench(registry, collector, a, command);
  } catch (const RunError& e) {
    std::cerr << "mirflow: error: " << e.what() << "\n";
    return e.bad_input() ? 2 : 1;
  } catch (const InputError& e) {
    std::cerr << "mirflow: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mirflow: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

void add_bench_command(Registry& registry, std::shared_ptr<Collector> collector) {
  // The CLI's registry outlives every command it runs; the graph's node types come from it.
  const Registry* r = &registry;
  registry.add_command(CommandType{
      "bench", "compare the methods of a graph: mirflow bench GRAPH [--set node.key=value]... [--out DIR]",
      [r, collector](const std::vector<std::string>& args) { return bench(*r, *collector, args); }, {}});
}

}  // namespace mirflow::report
