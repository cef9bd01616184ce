// The mirflow command line: run, validate, nodes, --version.
// Exit codes: 0 success, 2 bad input (graph, parameters, files), 1 failure while running.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "mirflow/abi.hpp"
#include "mirflow/engine.hpp"

namespace mirflow_cli { int convert(int argc, char** argv); }  // convert.cpp: mirflow convert IN OUT

namespace {

// Ctrl-C cancels the run cleanly (writers leave no partial file); a second one kills.
std::atomic<bool> interrupted{false};
extern "C" void on_sigint(int) {
  interrupted = true;
  std::signal(SIGINT, SIG_DFL);
}

constexpr int kBadInput = 2;
constexpr int kRunFailed = 1;

const char* kUsage = R"(usage:
  mirflow run GRAPH [--set node.key=value]... [--stats] [--threads N] [--max-in-flight N] [--quiet]
  mirflow validate GRAPH [--set node.key=value]... [--dot]
  mirflow nodes [--describe TYPE]
  mirflow convert IN OUT   (reader and writer chosen by the paths: DICOM folder or .dcm, .nii[.gz], .npy, .png)
  mirflow COMMAND ARGS...   (a command a plugin provides, such as `mirflow train GRAPH`)
  mirflow --version

Exit codes: 0 success, 2 bad input (graph, parameters, files), 1 failure while running.
Plugins are searched in $MIRFLOW_PLUGIN_PATH and next to the mirflow binary.
)";

struct Args {
  std::string command, graph, describe;
  std::vector<std::string> sets;
  bool stats = false, dot = false, quiet = false;
  int threads = 0, max_in_flight = 0;
};

[[noreturn]] void usage_error(const std::string& msg) {
  std::cerr << "mirflow: " << msg << "\n\n" << kUsage;
  std::exit(kBadInput);
}

int parse_int(const std::string& flag, const std::string& v) {
  try {
    std::size_t used = 0;
    int x = std::stoi(v, &used);
    if (used != v.size() || x < 0) throw std::invalid_argument(v);
    return x;
  } catch (const std::exception&) {
    usage_error(flag + " needs a non-negative integer, got '" + v + "'");
  }
}

Args parse_args(int argc, char** argv) {
  Args a;
  std::vector<std::string> rest(argv + 1, argv + argc);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const std::string& s = rest[i];
    auto value = [&](const std::string& flag) -> std::string {
      if (s.size() > flag.size() && s[flag.size()] == '=') return s.substr(flag.size() + 1);
      if (i + 1 >= rest.size()) usage_error(flag + " needs a value");
      return rest[++i];
    };
    auto is = [&](const std::string& flag) { return s == flag || s.rfind(flag + "=", 0) == 0; };
    if (s == "--version" || s == "-V") a.command = "version";
    else if (s == "--help" || s == "-h") a.command = "help";
    else if (is("--set")) a.sets.push_back(value("--set"));
    else if (s == "--stats") a.stats = true;
    else if (s == "--dot") a.dot = true;
    else if (s == "--quiet" || s == "-q") a.quiet = true;
    else if (is("--threads")) a.threads = parse_int("--threads", value("--threads"));
    else if (is("--max-in-flight")) a.max_in_flight = parse_int("--max-in-flight", value("--max-in-flight"));
    else if (is("--describe")) a.describe = value("--describe");
    else if (!s.empty() && s[0] == '-') usage_error("unknown option " + s);
    else if (a.command.empty()) a.command = s;
    else if (a.graph.empty()) a.graph = s;
    else usage_error("unexpected argument " + s);
  }
  return a;
}

std::string type_name(const mirflow::ParamSpec& p) {
  if (p.type == mirflow::ParamType::Choice) {
    std::string s = "one of";
    for (const auto& c : p.choices) s += " " + c;
    return s;
  }
  return mirflow::param_type_name(p.type);
}

void print_params(const std::vector<mirflow::ParamSpec>& params, const char* indent) {
  for (const auto& p : params) {
    std::cout << indent << p.name << " (" << type_name(p);
    if (!p.unit.empty()) std::cout << ", " << p.unit;
    if (p.required()) std::cout << ", required";
    else if (p.is_optional()) std::cout << ", optional";
    else std::cout << ", default " << mirflow::to_string(p.default_value);
    if (std::isfinite(p.min) || std::isfinite(p.max))
      std::cout << ", range [" << p.min << ", " << p.max << "]";
    std::cout << "): " << p.doc << "\n";
  }
}

void describe(const mirflow::NodeType& t, const mirflow::Registry& reg) {
  const auto& s = t.spec;
  std::cout << s.type << " — " << s.doc << "\n";
  std::cout << "  runs: " << (s.concurrency == mirflow::Concurrency::Serial ? "serially (stateful)" : "in parallel")
            << "; plugin: " << t.origin << "\n";
  std::cout << "  inputs:" << (s.inputs.empty() ? " none (a source)" : "") << "\n";
  for (const auto& p : s.inputs)
    std::cout << "    " << p.name << " (" << p.type << (p.required ? "" : ", optional") << "): " << p.doc << "\n";
  std::cout << "  outputs:" << (s.outputs.empty() ? " none (a sink)" : "") << "\n";
  for (const auto& p : s.outputs) std::cout << "    " << p.name << " (" << p.type << "): " << p.doc << "\n";
  std::cout << "  parameters:" << (s.params.empty() ? " none" : "") << "\n";
  print_params(s.params, "    ");
  for (const auto& slot : s.components) {
    std::cout << "  [[node." << slot.name << "]] entries (" << slot.kind << "): " << slot.doc << "\n";
    for (const auto& name : reg.component_names(slot.kind)) {
      const auto* c = reg.find_component(slot.kind, name);
      std::cout << "    type = \"" << name << "\" — " << c->doc << " (plugin: " << c->origin << ")\n";
      print_params(c->params, "      ");
    }
  }
}

// A bar on a terminal, plain lines otherwise (every 10 %).
struct ProgressPrinter {
  bool tty = ::isatty(2);
  std::mutex m;
  std::int64_t last_decile = -1;
  bool drew = false;
  void operator()(const mirflow::Progress& p) {
    std::lock_guard lock(m);
    if (p.total <= 0) return;
    const double f = static_cast<double>(p.done) / static_cast<double>(p.total);
    if (tty) {
      const int width = 30, fill = static_cast<int>(f * width);
      std::fprintf(stderr, "\r[%.*s%*s] %lld/%lld items", fill, "##############################", width - fill, "",
                   static_cast<long long>(p.done), static_cast<long long>(p.total));
      drew = true;
    } else {
      std::int64_t decile = static_cast<std::int64_t>(f * 10);
      if (decile != last_decile) {
        last_decile = decile;
        std::fprintf(stderr, "progress: %lld/%lld items\n", static_cast<long long>(p.done), static_cast<long long>(p.total));
      }
    }
  }
  void finish() {
    if (tty && drew) std::fprintf(stderr, "\n");
  }
};

mirflow::ValidGraph load(const Args& a, mirflow::Registry& reg) {
  if (a.graph.empty()) usage_error(a.command + " needs a graph file");
  mirflow::load_plugins(reg);
  mirflow::GraphDecl decl = mirflow::parse_graph_file(a.graph);
  mirflow::apply_overrides(decl, a.sets);
  return mirflow::validate(decl, reg);
}

int main_impl(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "convert") return mirflow_cli::convert(argc - 2, argv + 2);
  // A command a plugin provides gets every argument after its name, untouched.
  static const char* const kBuiltin[] = {"run", "validate", "nodes", "version", "help", "convert"};
  if (argc >= 2 && argv[1][0] != '-' &&
      std::none_of(std::begin(kBuiltin), std::end(kBuiltin), [&](const char* b) { return std::strcmp(b, argv[1]) == 0; })) {
    mirflow::Registry reg;
    mirflow::load_plugins(reg);
    if (const auto* cmd = reg.find_command(argv[1])) {
      for (const auto& note : reg.load_notes()) std::cerr << "warning: " << note << "\n";
      return cmd->run(std::vector<std::string>(argv + 2, argv + argc));
    }
    std::string known;
    for (const auto& c : reg.commands()) known += " " + c;
    usage_error("unknown command '" + std::string(argv[1]) + "'" +
                (known.empty() ? std::string() : " (plugin commands:" + known + ")"));
  }
  Args a = parse_args(argc, argv);
  if (a.command == "version") {
    std::cout << "mirflow " << mirflow::version() << " (plugin ABI " << MIRFLOW_ABI_VERSION << ")\n";
    return 0;
  }
  if (a.command.empty() || a.command == "help") {
    std::cout << kUsage;
    return a.command.empty() ? kBadInput : 0;
  }
  mirflow::Registry reg;
  if (a.command == "nodes") {
    mirflow::load_plugins(reg);
    for (const auto& note : reg.load_notes()) std::cerr << "warning: " << note << "\n";
    if (!a.describe.empty()) {
      const auto* t = reg.find(a.describe);
      if (!t) {
        std::string msg = "unknown node type '" + a.describe + "'";
        auto near = reg.nearest(a.describe);
        if (!near.empty()) msg += " (did you mean '" + near[0] + "'?)";
        throw mirflow::InputError(msg);
      }
      describe(*t, reg);
      return 0;
    }
    for (const auto& name : reg.types()) std::cout << name << "  " << reg.find(name)->spec.doc << "\n";
    for (const auto& name : reg.commands())
      std::cout << "command: mirflow " << name << "  " << reg.find_command(name)->doc << "\n";
    return 0;
  }
  if (a.command == "validate") {
    auto vg = load(a, reg);
    if (a.dot) std::cout << vg.to_dot();
    else std::cout << a.graph << ": ok (" << vg.nodes.size() << " nodes, " << vg.edges.size() << " edges)\n";
    return 0;
  }
  if (a.command == "run") {
    auto vg = load(a, reg);
    for (const auto& note : reg.load_notes()) std::cerr << "warning: " << note << "\n";
    ProgressPrinter printer;
    mirflow::RunOptions opt;
    opt.threads = a.threads;
    opt.max_in_flight = a.max_in_flight;
    opt.cancel = &interrupted;
    std::signal(SIGINT, on_sigint);
    if (!a.quiet) opt.on_progress = [&printer](const mirflow::Progress& p) { printer(p); };
    mirflow::RunReport report;
    try {
      report = mirflow::run(vg, opt);
    } catch (...) {
      printer.finish();
      throw;
    }
    printer.finish();
    if (a.stats) std::cout << report.table();
    return 0;
  }
  usage_error("unknown command '" + a.command + "'");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return main_impl(argc, argv);
  } catch (const mirflow::RunError& e) {
    std::cerr << "mirflow: error: " << e.what() << "\n";
    return e.bad_input() ? kBadInput : kRunFailed;
  } catch (const mirflow::InputError& e) {
    std::cerr << "mirflow: error: " << e.what() << "\n";
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "mirflow: error: " << e.what() << "\n";
    return kRunFailed;
  }
}
