// Every check that can run before anything executes, reporting all problems at once.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "mirflow/engine.hpp"

namespace mirflow {

namespace fs = std::filesystem;

namespace {

std::string suggest(const std::string& word, const std::vector<std::string>& names) {
  auto near = nearest_names(word, names);
  if (near.empty()) return "";
  std::string s = " (did you mean ";
  for (std::size_t i = 0; i < near.size(); ++i) s += (i ? ", '" : "'") + near[i] + "'";
  return s + "?)";
}

std::string port_names(const std::vector<PortSpec>& ports) {
  if (ports.empty()) return "none";
  std::string s;
  for (const auto& p : ports) s += (s.empty() ? "" : ", ") + p.name;
  return s;
}

// Checks one value against its spec; returns an error message or "" and normalises `v`.
std::string check_param(const ParamSpec& spec, ParamValue& v, const fs::path& base_dir) {
  const std::string expected = std::string("expected ") + param_type_name(spec.type);
  switch (spec.type) {
    case ParamType::Bool:
      if (!std::holds_alternative<bool>(v)) return expected + ", got " + to_string(v);
      return "";
    case ParamType::Int:
      if (!std::holds_alternative<std::int64_t>(v)) return expected + ", got " + to_string(v);
      break;
    case ParamType::Float:
      if (auto* i = std::get_if<std::int64_t>(&v)) v = static_cast<double>(*i);
      if (!std::holds_alternative<double>(v)) return expected + ", got " + to_string(v);
      break;
    case ParamType::String:
      // A number where text is expected is taken as its text: `strength = 1.5` and
      // `--set x.strength=1.5` mean the same as `strength = "1.5"`.
      if (std::holds_alternative<std::int64_t>(v) || std::holds_alternative<double>(v)) v = to_string(v);
      if (!std::holds_alternative<std::string>(v)) return expected + ", got " + to_string(v);
      return "";
    case ParamType::Path: {
      auto* s = std::get_if<std::string>(&v);
      if (!s) return expected + ", got " + to_string(v);
      if (s->empty()) return "path must not be empty";
      fs::path p(*s);
      if (p.is_relative() && !base_dir.empty()) v = (base_dir / p).lexically_normal().string();
      return "";
    }
    case ParamType::Choice: {
      auto* s = std::get_if<std::string>(&v);
      if (!s) return "expected one of " + [&] {
        std::string c;
        for (auto& x : spec.choices) c += (c.empty() ? "" : ", ") + x;
        return c;
      }() + ", got " + to_string(v);
      if (std::find(spec.choices.begin(), spec.choices.end(), *s) == spec.choices.end()) {
        std::string c;
        for (auto& x : spec.choices) c += (c.empty() ? "" : ", ") + x;
        return "'" + *s + "' is not one of " + c;
      }
      return "";
    }
    case ParamType::FloatList: {
      if (auto* d = std::get_if<double>(&v)) v = std::vector<double>{*d};
      if (auto* i = std::get_if<std::int64_t>(&v)) v = std::vector<double>{static_cast<double>(*i)};
      auto* l = std::get_if<std::vector<double>>(&v);
      if (!l) return expected + ", got " + to_string(v);
      for (double x : *l)
        if (x < spec.min || x > spec.max) {
          std::ostringstream s;
          s << "value " << x << " is outside [" << spec.min << ", " << spec.max << "]";
          return s.str();
        }
      return "";
    }
  }
  double x = std::holds_alternative<double>(v) ? std::get<double>(v) : static_cast<double>(std::get<std::int64_t>(v));
  if (std::isnan(x) || x < spec.min || x > spec.max) {
    std::ostringstream s;
    s << "value " << to_string(v) << " is outside [" << spec.min << ", " << spec.max << "]";
    if (!spec.unit.empty()) s << " " << spec.unit;
    return s.str();
  }
  return "";
}

using ErrFn = std::function<void(const SourcePos&, const std::string&, const std::string&)>;

// Checks declared values against a schema; fills defaults; reports unknown, invalid and missing
// parameters. `owner` names what the schema belongs to, `label` prefixes messages ("prior[0]: ").
Params check_params(const std::vector<ParamSpec>& specs, const std::map<std::string, ParamDecl>& decls,
                    const std::map<std::string, SourcePos>& key_pos, const SourcePos& owner_pos,
                    const std::string& node_id, const std::string& owner, const std::string& label,
                    const ErrFn& err) {
  Params out;
  std::vector<std::string> known;
  for (const auto& p : specs) known.push_back(p.name);
  for (const auto& [name, decl] : decls) {
    const ParamSpec* ps = nullptr;
    for (const auto& p : specs)
      if (p.name == name) ps = &p;
    auto kp = key_pos.count(name) ? key_pos.at(name) : decl.pos;
    if (!ps) {
      err(kp, node_id, label + "unknown parameter '" + name + "' for " + owner + suggest(name, known));
      continue;
    }
    ParamValue v = decl.value;
    std::string problem = check_param(*ps, v, decl.base_dir);
    if (!problem.empty()) {
      err(decl.pos, node_id, label + "parameter '" + name + "': " + problem);
      continue;
    }
    out.set(name, std::move(v));
  }
  for (const auto& ps : specs) {
    if (decls.count(ps.name)) continue;
    if (ps.required()) {
      err(owner_pos, node_id,
          label + "missing required parameter '" + ps.name + "' (" + param_type_name(ps.type) + ": " + ps.doc + ")");
      continue;
    }
    out.set(ps.name, ps.default_value);
  }
  return out;
}

// [[node.<slot>]] entries: the slot exists, each entry names a registered component of the
// slot's kind, and its parameters fit that component's schema.
void check_components(const NodeDecl& n, const NodeSpec& spec, const Registry& registry, ValidNode& vn,
                      const ErrFn& err) {
  for (const auto& slot : spec.components) vn.components[slot.name];  // every slot present
  for (const auto& [slot_name, entries] : n.components) {
    const ComponentSlot* slot = spec.find_component(slot_name);
    if (!slot) {
      std::vector<std::string> names;
      for (const auto& c : spec.components) names.push_back(c.name);
      for (const auto& p : spec.params) names.push_back(p.name);
      std::string have;
      for (const auto& c : spec.components) have += (have.empty() ? "" : ", ") + c.name;
      err(n.component_pos.count(slot_name) ? n.component_pos.at(slot_name) : n.pos, n.id,
          "'" + slot_name + "' is not a component slot of " + n.type + " (slots: " + (have.empty() ? "none" : have) +
              ")" + suggest(slot_name, names));
      for (std::size_t i = 0; i < entries.size(); ++i)  // reported now, so one edit fixes both
        if (entries[i].type.empty()) err(entries[i].pos, n.id, slot_name + "[" + std::to_string(i) + "]: no 'type'");
      continue;
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const ComponentDecl& d = entries[i];
      const std::string label = slot_name + "[" + std::to_string(i) + "]: ";
      const auto available = registry.component_names(slot->kind);
      std::string list;
      for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
      if (d.type.empty()) {
        err(d.pos, n.id, label + "no 'type' (one of: " + (list.empty() ? "none registered" : list) + ")");
        continue;
      }
      const ComponentType* ct = registry.find_component(slot->kind, d.type);
      if (!ct) {
        std::string msg = label + "unknown " + slot->kind + " '" + d.type + "'" + suggest(d.type, available) +
                          " (available: " + (list.empty() ? "none registered" : list) + ")";
        for (const auto& note : registry.load_notes()) msg += "\n  note: a plugin was refused: " + note;
        err(d.type_pos, n.id, msg);
        continue;
      }
      ComponentConfig cc;
      cc.type = d.type;
      cc.params = check_params(ct->params, d.params, d.param_key_pos, d.pos, n.id, slot->kind + " '" + d.type + "'",
                               label, err);
      cc.where = d.pos.file + (d.pos.line ? ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) : "") +
                 " (" + n.id + "." + slot_name + "[" + std::to_string(i) + "])";
      cc.base = ct->base;
      cc.factory = ct->make;
      vn.components[slot_name].push_back(std::move(cc));
    }
  }
}

bool types_compatible(const std::string& out, const std::string& in) {
  return out == in || in == kAnyPort || out == kAnyPort;
}

}  // namespace

ValidGraph validate(const GraphDecl& g, const Registry& registry) {
  std::vector<Diagnostic> errors;
  auto err = [&](const SourcePos& p, const std::string& node, const std::string& msg) {
    errors.push_back({p.file, p.line, p.column, node, msg});
  };

  for (const auto& d : g.problems) errors.push_back(d);
  ValidGraph vg;
  vg.decl = g;
  std::map<std::string, int> index;  // node id -> position in vg.nodes
  std::map<std::string, SourcePos> decl_pos;
  for (const auto& n : g.nodes) decl_pos.emplace(n.id, n.pos);

  for (const auto& n : g.nodes) {
    if (n.id.empty()) continue;  // reported by the parser
    if (index.count(n.id)) {
      err(n.pos, n.id, "duplicate node id (first declared at line " + std::to_string(decl_pos[n.id].line) + ")");
      continue;
    }
    if (n.id.find('.') != std::string::npos || n.id.find(' ') != std::string::npos) {
      err(n.pos, n.id, "node ids may not contain '.' or spaces");
      continue;
    }
    ValidNode vn;
    vn.id = n.id;
    vn.type = registry.find(n.type);
    if (!vn.type) {
      std::string msg = "unknown node type '" + n.type + "'" + suggest(n.type, registry.types());
      for (const auto& note : registry.load_notes()) msg += "\n  note: a plugin was refused: " + note;
      err(n.pos, n.id, msg);
    } else {
      const NodeSpec& spec = vn.type->spec;
      vn.params = check_params(spec.params, n.params, n.param_key_pos, n.pos, n.id, n.type, "", err);
      check_components(n, spec, registry, vn, err);
    }
    index[n.id] = static_cast<int>(vg.nodes.size());
    vg.nodes.push_back(std::move(vn));
  }

  // Edges: endpoints exist, ports exist, types agree, each input fed once.
  std::map<std::pair<int, int>, const EdgeDecl*> fed;
  std::set<std::pair<int, int>> targeted;
  std::vector<std::string> ids;
  for (const auto& n : vg.nodes) ids.push_back(n.id);
  for (const auto& e : g.edges) {
    auto from = index.find(e.from_node), to = index.find(e.to_node);
    bool ok = true;
    if (from == index.end()) {
      err(e.pos, e.from_node, "edge from unknown node '" + e.from_node + "'" + suggest(e.from_node, ids));
      ok = false;
    }
    if (to == index.end()) {
      err(e.pos, e.to_node, "edge to unknown node '" + e.to_node + "'" + suggest(e.to_node, ids));
      ok = false;
    }
    if (!ok) continue;
    const ValidNode& a = vg.nodes[static_cast<std::size_t>(from->second)];
    const ValidNode& b = vg.nodes[static_cast<std::size_t>(to->second)];
    if (!a.type || !b.type) continue;  // unknown type already reported
    int op = a.type->spec.output_index(e.from_port), ip = b.type->spec.input_index(e.to_port);
    if (ip >= 0) targeted.insert({to->second, ip});  // a rejected edge still means "connected" for later checks
    if (op < 0) {
      std::vector<std::string> names;
      for (auto& p : a.type->spec.outputs) names.push_back(p.name);
      err(e.pos, a.id, "no output port '" + e.from_port + "' on " + a.type->spec.type + " (outputs: " +
                           port_names(a.type->spec.outputs) + ")" + suggest(e.from_port, names));
      ok = false;
    }
    if (ip < 0) {
      std::vector<std::string> names;
      for (auto& p : b.type->spec.inputs) names.push_back(p.name);
      err(e.pos, b.id, "no input port '" + e.to_port + "' on " + b.type->spec.type + " (inputs: " +
                           port_names(b.type->spec.inputs) + ")" + suggest(e.to_port, names));
      ok = false;
    }
    if (!ok) continue;
    const auto& ot = a.type->spec.outputs[static_cast<std::size_t>(op)].type;
    const auto& it = b.type->spec.inputs[static_cast<std::size_t>(ip)].type;
    if (!types_compatible(ot, it)) {
      err(e.pos, b.id, "port type mismatch: " + a.id + "." + e.from_port + " gives '" + ot + "' but " + b.id + "." +
                           e.to_port + " takes '" + it + "'");
      continue;
    }
    auto slot = std::make_pair(to->second, ip);
    if (fed.count(slot)) {
      err(e.pos, b.id, "input '" + e.to_port + "' is already fed by the edge at line " +
                           std::to_string(fed[slot]->pos.line) + " (an input takes one edge)");
      continue;
    }
    fed[slot] = &e;
    vg.edges.push_back({from->second, op, to->second, ip});
  }

  for (std::size_t i = 0; i < vg.nodes.size(); ++i) {
    const auto& n = vg.nodes[i];
    if (!n.type) continue;
    for (std::size_t p = 0; p < n.type->spec.inputs.size(); ++p) {
      const auto& port = n.type->spec.inputs[p];
      if (port.required && !targeted.count({static_cast<int>(i), static_cast<int>(p)}))
        err(decl_pos[n.id],
            n.id, "required input '" + port.name + "' (" + port.type + ") is not connected");
    }
  }

  // The executor joins at most 6 connected inputs of one node.
  {
    std::map<int, int> connected;
    for (const auto& e : vg.edges) ++connected[e.to];
    for (const auto& [node, count] : connected)
      if (count > 6)
        err(decl_pos[vg.nodes[static_cast<std::size_t>(node)].id], vg.nodes[static_cast<std::size_t>(node)].id,
            std::to_string(count) + " connected inputs; a node may join at most 6");
  }

  // Cycles: depth-first search over the edges that survived; report each cycle once.
  {
    std::vector<std::vector<const ValidEdge*>> out(vg.nodes.size());
    for (const auto& e : vg.edges) out[static_cast<std::size_t>(e.from)].push_back(&e);
    std::vector<int> state(vg.nodes.size(), 0);  // 0 new, 1 on stack, 2 done
    std::vector<int> stack;
    std::function<void(int)> dfs = [&](int u) {
      state[static_cast<std::size_t>(u)] = 1;
      stack.push_back(u);
      for (const ValidEdge* e : out[static_cast<std::size_t>(u)]) {
        int v = e->to;
        if (state[static_cast<std::size_t>(v)] == 1) {
          std::string path;
          auto it = std::find(stack.begin(), stack.end(), v);
          for (; it != stack.end(); ++it) path += vg.nodes[static_cast<std::size_t>(*it)].id + " -> ";
          path += vg.nodes[static_cast<std::size_t>(v)].id;
          // Point at the edge that closes the cycle.
          SourcePos p;
          for (const auto& d : g.edges)
            if (d.from_node == vg.nodes[static_cast<std::size_t>(u)].id && d.to_node == vg.nodes[static_cast<std::size_t>(v)].id) p = d.pos;
          err(p, vg.nodes[static_cast<std::size_t>(v)].id, "cycle: " + path);
        } else if (state[static_cast<std::size_t>(v)] == 0) {
          dfs(v);
        }
      }
      stack.pop_back();
      state[static_cast<std::size_t>(u)] = 2;
    };
    for (std::size_t i = 0; i < vg.nodes.size(); ++i)
      if (state[i] == 0) dfs(static_cast<int>(i));
  }

  if (!errors.empty()) {
    std::stable_sort(errors.begin(), errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
    });
    throw ValidationError(errors);
  }
  return vg;
}

std::string ValidGraph::to_dot() const {
  std::ostringstream s;
  s << "digraph \"" << (decl.name.empty() ? "mirflow" : decl.name) << "\" {\n  rankdir=LR;\n  node [shape=box];\n";
  for (const auto& n : nodes) s << "  \"" << n.id << "\" [label=\"" << n.id << "\\n" << n.type->spec.type << "\"];\n";
  for (const auto& e : edges) {
    const auto& a = nodes[static_cast<std::size_t>(e.from)];
    const auto& b = nodes[static_cast<std::size_t>(e.to)];
    s << "  \"" << a.id << "\" -> \"" << b.id << "\" [label=\""
      << a.type->spec.outputs[static_cast<std::size_t>(e.from_port)].name << " → "
      << b.type->spec.inputs[static_cast<std::size_t>(e.to_port)].name << "\"];\n";
  }
  s << "}\n";
  return s.str();
}

}  // namespace mirflow
