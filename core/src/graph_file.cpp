// Reads TOML graph files with toml++, keeping the source position of everything so that
// validation can point at file:line:column.
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "mirflow/engine.hpp"

namespace mirflow {

namespace fs = std::filesystem;

namespace {

SourcePos pos_of(const toml::source_region& r, const std::string& file) {
  return {file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

struct Collector {
  std::string file;
  std::vector<Diagnostic> errors;
  void error(const SourcePos& p, const std::string& node, const std::string& msg) {
    errors.push_back({p.file, p.line, p.column, node, msg});
  }
};

// TOML value -> ParamValue; nullopt (with an error) for tables and mixed arrays.
bool to_param(const toml::node& n, ParamValue& out) {
  if (auto v = n.as_boolean()) return out = v->get(), true;
  if (auto v = n.as_integer()) return out = static_cast<std::int64_t>(v->get()), true;
  if (auto v = n.as_floating_point()) return out = v->get(), true;
  if (auto v = n.as_string()) return out = v->get(), true;
  if (auto a = n.as_array()) {
    std::vector<double> xs;
    for (const auto& e : *a) {
      if (auto i = e.as_integer()) xs.push_back(static_cast<double>(i->get()));
      else if (auto f = e.as_floating_point()) xs.push_back(f->get());
      else return false;
    }
    out = std::move(xs);
    return true;
  }
  return false;
}

bool parse_edge(const std::string& text, EdgeDecl& e) {
  auto arrow = text.find("->");
  if (arrow == std::string::npos) return false;
  auto trim = [](std::string s) {
    auto b = s.find_first_not_of(" \t");
    auto en = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, en - b + 1);
  };
  auto split = [&](const std::string& side, std::string& node, std::string& port) {
    std::string s = trim(side);
    auto dot = s.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == s.size()) return false;
    node = s.substr(0, dot);
    port = s.substr(dot + 1);
    return port.find('.') == std::string::npos;
  };
  return split(text.substr(0, arrow), e.from_node, e.from_port) &&
         split(text.substr(arrow + 2), e.to_node, e.to_port);
}

void read_edges(const toml::node& n, Collector& c, GraphDecl& g) {
  const auto* arr = n.as_array();
  if (!arr) {
    c.error(pos_of(n.source(), c.file), "", "'edges' must be an array of strings \"node.port -> node.port\"");
    return;
  }
  for (const auto& e : *arr) {
    EdgeDecl edge;
    edge.pos = pos_of(e.source(), c.file);
    const auto* s = e.as_string();
    if (!s || !parse_edge(s->get(), edge)) {
      c.error(edge.pos, "", "malformed edge" + (s ? " \"" + s->get() + "\"" : std::string()) +
                                ": expected \"node.port -> node.port\"");
      continue;
    }
    g.edges.push_back(std::move(edge));
  }
}

// [[node.<slot>]] tables: each names its component with `type`; the other keys are its
// parameters, checked by validate() against the component's schema.
void read_components(const std::string& slot, const toml::array& arr, const SourcePos& slot_pos, Collector& c,
                     const fs::path& base_dir, NodeDecl& n) {
  auto& entries = n.components[slot];
  n.component_pos.emplace(slot, arr.empty() ? slot_pos : pos_of(arr.front().source(), c.file));
  for (const auto& item : arr) {
    const auto& t = *item.as_table();
    ComponentDecl d;
    d.pos = d.type_pos = pos_of(t.source(), c.file);
    const std::string label = slot + "[" + std::to_string(entries.size()) + "]";
    for (const auto& [k, v] : t) {
      const std::string key(k.str());
      SourcePos kp = pos_of(k.source(), c.file);
      if (key == "type") {
        d.type_pos = kp;
        if (!v.is_string()) c.error(kp, n.id, label + ": 'type' must be a string");
        else d.type = v.as_string()->get();
        continue;
      }
      ParamDecl p;
      p.pos = pos_of(v.source(), c.file);
      p.base_dir = base_dir;
      if (!to_param(v, p.value)) {
        c.error(p.pos, n.id, label + ": parameter '" + key + "' has an unsupported value");
        continue;
      }
      d.params[key] = std::move(p);
      d.param_key_pos[key] = kp;
    }
    entries.push_back(std::move(d));
  }
}

GraphDecl read_graph(const toml::table& root, Collector& c, const fs::path& base_dir) {
  GraphDecl g;
  for (const auto& [key, value] : root) {
    const std::string k(key.str());
    if (k == "graph") {
      const auto* t = value.as_table();
      if (!t) {
        c.error(pos_of(value.source(), c.file), "", "[graph] must be a table");
        continue;
      }
      for (const auto& [gk, gv] : *t) {
        const std::string name(gk.str());
        if (name == "name" || name == "description") {
          if (!gv.is_string()) c.error(pos_of(gv.source(), c.file), "", "'" + name + "' in [graph] must be a string");
          else (name == "name" ? g.name : g.description) = gv.as_string()->get();
        } else if (name == "edges") read_edges(gv, c, g);
        else c.error(pos_of(gk.source(), c.file), "", "unknown key '" + name + "' in [graph] (expected name, description, edges)");
      }
    } else if (k == "edges") {
      read_edges(value, c, g);
    } else if (k == "node") {
      const auto* arr = value.as_array();
      if (!arr || !arr->is_array_of_tables()) {
        c.error(pos_of(value.source(), c.file), "", "nodes are declared as [[node]] tables");
        continue;
      }
      for (const auto& item : *arr) {
        const auto& t = *item.as_table();
        NodeDecl n;
        n.pos = pos_of(t.source(), c.file);
        // id and type first (toml++ iterates keys alphabetically), so every error names the node.
        for (const char* field : {"id", "type"}) {
          const toml::node* v = t.get(field);
          if (!v) continue;
          if (!v->is_string()) {
            c.error(pos_of(v->source(), c.file), n.id, std::string("'") + field + "' must be a string");
            continue;
          }
          (std::string(field) == "id" ? n.id : n.type) = v->as_string()->get();
        }
        for (const auto& [nk, nv] : t)
          if (nk.str() == "id") n.pos = pos_of(nk.source(), c.file);
        for (const auto& [nk, nv] : t) {
          const std::string name(nk.str());
          if (name == "id" || name == "type") continue;
          SourcePos kp = pos_of(nk.source(), c.file);
          if (const auto* arr = nv.as_array(); arr && !arr->empty() && arr->is_array_of_tables()) {
            read_components(name, *arr, kp, c, base_dir, n);
            continue;
          }
          if (nv.is_table()) {
            c.error(kp, n.id, "'" + name + "' is a single table; component entries are declared as [[node." + name +
                                  "]] tables (an array of tables)");
            continue;
          }
          ParamDecl p;
          p.pos = pos_of(nv.source(), c.file);
          p.base_dir = base_dir;
          if (!to_param(nv, p.value)) {
            c.error(p.pos, n.id, "parameter '" + name + "' has an unsupported value (tables and non-numeric arrays are not parameters)");
            continue;
          }
          n.params[name] = std::move(p);
          n.param_key_pos[name] = kp;
        }
        if (n.id.empty() && !t.get("id")) c.error(n.pos, "", "[[node]] has no 'id'");
        if (n.type.empty() && !t.get("type")) c.error(n.pos, n.id, "[[node]] has no 'type'");
        g.nodes.push_back(std::move(n));
      }
    } else {
      c.error(pos_of(key.source(), c.file), "", "unknown top-level key '" + k + "' (expected [graph], [[node]], edges)");
    }
  }
  return g;
}

GraphDecl parse(const std::string& text, const std::string& file_label, const fs::path& file, const fs::path& base_dir) {
  Collector c;
  c.file = file_label;
  toml::table root;
  try {
    root = toml::parse(text, file_label);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw ValidationError({{file_label, static_cast<int>(b.line), static_cast<int>(b.column), "",
                            "TOML syntax error: " + std::string(e.description())}});
  }
  GraphDecl g = read_graph(root, c, base_dir);
  g.file = file;
  g.problems = std::move(c.errors);  // validate() reports them with everything else
  return g;
}

}  // namespace

GraphDecl parse_graph_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError("cannot read graph file " + file.string() + ": " + (fs::exists(file) ? "permission denied" : "no such file"));
  std::stringstream ss;
  ss << in.rdbuf();
  fs::path abs = fs::absolute(file).lexically_normal();
  return parse(ss.str(), file.string(), abs, abs.parent_path());
}

GraphDecl parse_graph_string(const std::string& text, const std::string& name_for_errors, const fs::path& base_dir) {
  return parse(text, name_for_errors, base_dir / name_for_errors, base_dir);
}

void apply_overrides(GraphDecl& graph, const std::vector<std::string>& overrides) {
  std::vector<Diagnostic> errors;
  for (const auto& o : overrides) {
    SourcePos pos{"--set " + o, 0, 0};
    auto eq = o.find('=');
    auto dot = o.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 || dot + 1 == eq) {
      errors.push_back({pos.file, 0, 0, "", "malformed override: expected node.key=value"});
      continue;
    }
    std::string id = o.substr(0, dot), key = o.substr(dot + 1, eq - dot - 1), text = o.substr(eq + 1);
    auto it = std::find_if(graph.nodes.begin(), graph.nodes.end(), [&](const NodeDecl& n) { return n.id == id; });
    if (it == graph.nodes.end()) {
      std::vector<std::string> ids;
      for (const auto& n : graph.nodes) ids.push_back(n.id);
      auto near = nearest_names(id, ids);
      errors.push_back({pos.file, 0, 0, id, "no node with this id in " + graph.file.string() +
                                                 (near.empty() ? std::string() : " (did you mean '" + near[0] + "'?)")});
      continue;
    }
    ParamDecl p;
    p.pos = pos;
    p.base_dir = fs::current_path();
    // A TOML value if it parses as one (3, 0.5, true, "s", [1, 2]); otherwise the bare text.
    try {
      toml::table t = toml::parse("v = " + text);
      if (!to_param(*t.get("v"), p.value)) p.value = text;
    } catch (const toml::parse_error&) {
      p.value = text;
    }
    // slot[i].key: a component entry's parameter.
    if (auto br = key.find('['); br != std::string::npos) {
      auto close = key.find("].", br);
      const std::string slot = key.substr(0, br);
      std::size_t index = 0;
      bool ok = close != std::string::npos && close > br + 1 && close + 2 < key.size();
      if (ok) {
        const std::string digits = key.substr(br + 1, close - br - 1);
        ok = digits.find_first_not_of("0123456789") == std::string::npos;
        if (ok) index = std::stoul(digits);
      }
      if (!ok) {
        errors.push_back({pos.file, 0, 0, id, "malformed override key '" + key + "': expected slot[index].key"});
        continue;
      }
      auto& entries = it->components[slot];
      if (index > entries.size()) {
        errors.push_back({pos.file, 0, 0, id, "'" + slot + "' has " + std::to_string(entries.size()) +
                                                  " entries; index " + std::to_string(index) +
                                                  " can only set an existing entry or append the next one"});
        continue;
      }
      if (index == entries.size()) {
        entries.emplace_back();
        entries.back().pos = pos;
        it->component_pos.emplace(slot, pos);
      }
      ComponentDecl& d = entries[index];
      const std::string param = key.substr(close + 2);
      if (param == "type") {
        if (const auto* s = std::get_if<std::string>(&p.value)) d.type = *s;
        else errors.push_back({pos.file, 0, 0, id, key + " must be a string"});
        d.pos = pos;
        continue;
      }
      d.params[param] = std::move(p);
      d.param_key_pos[param] = pos;
      continue;
    }
    it->params[key] = std::move(p);
    it->param_key_pos[key] = pos;
  }
  // Reported by validate() together with every other problem.
  for (auto& e : errors) graph.problems.push_back(std::move(e));
}

}  // namespace mirflow
