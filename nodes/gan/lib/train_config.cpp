#include "mirflow_gan/train_config.hpp"

#include <set>
#include <sstream>

#include <toml++/toml.h>

#include <mirflow/error.hpp>

namespace mirflow::gan {

namespace fs = std::filesystem;

namespace {

class Reader {
 public:
  Reader(toml::table& root, fs::path file) : root_(root), file_(std::move(file)) {}

  std::string where(const toml::node* n) const {
    std::ostringstream s;
    s << file_.string();
    if (n && n->source().begin) s << ":" << n->source().begin.line << ":" << n->source().begin.column;
    return s.str();
  }
  [[noreturn]] void fail(const toml::node* n, const std::string& msg) const { throw InputError(where(n) + ": " + msg); }

  // The table `name` (empty if absent); every key must be in `known`.
  toml::table* table(const std::string& name, const std::set<std::string>& known) {
    toml::node* n = root_.get(name);
    if (!n) return nullptr;
    toml::table* t = n->as_table();
    if (!t) fail(n, "'" + name + "' must be a table");
    for (auto& [k, v] : *t)
      if (!known.count(std::string(k.str()))) fail(&v, "unknown key '" + name + "." + std::string(k.str()) + "'");
    return t;
  }
  double number(toml::table* t, const char* key, double def, double lo, double hi) {
    if (!t || !t->get(key)) return def;
    const toml::node* n = t->get(key);
    double v;
    if (auto i = n->value_exact<std::int64_t>()) v = static_cast<double>(*i);
    else if (auto d = n->value_exact<double>()) v = *d;
    else fail(n, std::string("'") + key + "' must be a number");
    if (!(v >= lo && v <= hi)) {
      std::ostringstream s;
      s << "'" << key << "' = " << v << " is outside [" << lo << ", " << hi << "]";
      fail(n, s.str());
    }
    return v;
  }
  std::int64_t integer(toml::table* t, const char* key, std::int64_t def, std::int64_t lo, std::int64_t hi) {
    if (!t || !t->get(key)) return def;
    const toml::node* n = t->get(key);
    auto i = n->value_exact<std::int64_t>();
    if (!i) fail(n, std::string("'") + key + "' must be an integer");
    if (*i < lo || *i > hi) fail(n, std::string("'") + key + "' = " + std::to_string(*i) + " is out of range");
    return *i;
  }
  bool boolean(toml::table* t, const char* key, bool def) {
    if (!t || !t->get(key)) return def;
    auto b = t->get(key)->value_exact<bool>();
    if (!b) fail(t->get(key), std::string("'") + key + "' must be true or false");
    return *b;
  }
  std::string string(toml::table* t, const char* key, const std::string& def) {
    if (!t || !t->get(key)) return def;
    auto s = t->get(key)->value_exact<std::string>();
    if (!s) fail(t->get(key), std::string("'") + key + "' must be a string");
    return *s;
  }
  fs::path path(toml::table* t, const char* key) {
    const std::string s = string(t, key, "");
    if (s.empty()) return {};
    const fs::path p(s);
    return p.is_absolute() ? p : fs::absolute(file_.parent_path() / p).lexically_normal();
  }
  std::vector<double> numbers(toml::table* t, const char* key, std::vector<double> def) {
    if (!t || !t->get(key)) return def;
    const toml::array* a = t->get(key)->as_array();
    if (!a || a->empty()) fail(t->get(key), std::string("'") + key + "' must be a non-empty array of numbers");
    std::vector<double> out;
    for (const auto& e : *a) {
      if (auto i = e.value_exact<std::int64_t>()) out.push_back(static_cast<double>(*i));
      else if (auto d = e.value_exact<double>()) out.push_back(*d);
      else fail(&e, std::string("'") + key + "' must contain numbers only");
    }
    return out;
  }
  std::vector<fs::path> paths(toml::table* t, const char* key) {
    std::vector<fs::path> out;
    if (!t || !t->get(key)) return out;
    const toml::array* a = t->get(key)->as_array();
    if (!a) fail(t->get(key), std::string("'") + key + "' must be an array of paths");
    for (const auto& e : *a) {
      auto s = e.value_exact<std::string>();
      if (!s) fail(&e, std::string("'") + key + "' must contain strings only");
      const fs::path p(*s);
      const fs::path abs = p.is_absolute() ? p : fs::absolute(file_.parent_path() / p).lexically_normal();
      if (!fs::exists(abs)) fail(&e, abs.string() + " not found");
      out.push_back(abs);
    }
    return out;
  }

 private:
  toml::table& root_;
  fs::path file_;
};

void apply_override(toml::table& root, const std::string& text) {
  const auto eq = text.find('='), dot = text.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq)
    throw InputError("--set " + text + ": expected table.key=value");
  const std::string table = text.substr(0, dot), key = text.substr(dot + 1, eq - dot - 1);
  toml::table value;
  try {
    value = toml::parse("v = " + text.substr(eq + 1));
  } catch (const toml::parse_error&) {
    value = toml::table{{"v", text.substr(eq + 1)}};  // a bare word is a string
  }
  if (!root.get(table)) root.insert(table, toml::table{});
  toml::table* t = root.get(table)->as_table();
  if (!t) throw InputError("--set " + text + ": '" + table + "' is not a table");
  t->insert_or_assign(key, *value.get("v"));
}

}  // namespace

TrainConfig read_train_config(const fs::path& file_in, const std::vector<std::string>& overrides) {
  const fs::path file = fs::absolute(file_in);
  if (!fs::exists(file)) throw InputError(file.string() + ": training file not found");
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream s;
    s << file.string() << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    throw InputError(s.str());
  }
  for (const auto& o : overrides) apply_override(root, o);
  Reader r(root, file);
  for (auto& [k, v] : root)
    if (!std::set<std::string>{"data", "model", "loss", "train"}.count(std::string(k.str())))
      r.fail(&v, "unknown table '" + std::string(k.str()) + "' (expected data, model, loss, train)");

  TrainConfig c;
  toml::table* data = r.table("data", {"kind", "train", "validation", "sigmas", "validation_sigma",
                                       "validation_slices", "min_content", "rotate_deg", "scale_min", "scale_max",
                                       "elastic_px", "brightness", "contrast", "gamma_min", "gamma_max", "planes",
                                       "content_crops", "content_level",
                                       // ct_lowdose
                                       "nx", "pixel_size", "views", "bins", "i0s", "validation_i0", "phantoms",
                                       "realizations", "validation_phantoms", "phantom_seed", "validation_seed"});
  // Every table's keys are checked before any value is read: a typo is reported first.
  toml::table* model = r.table("model", {"width", "levels", "critic_width"});
  toml::table* loss = r.table("loss", {"adversarial", "perceptual", "ssim", "tv", "l1", "gradient_penalty",
                                       "perceptual_network"});
  toml::table* tr = r.table("train", {"iterations", "batch", "accumulate", "patches", "lr_generator", "lr_critic",
                                      "lr_min_fraction", "restart_period", "restart_mult", "ema", "seed", "threads",
                                      "output", "checkpoint", "resume", "checkpoint_every", "validate_every",
                                      "progress_every"});
  c.kind = r.string(data, "kind", "mri_rician");
  if (c.kind != "mri_rician" && c.kind != "ct_lowdose")
    r.fail(data ? data->get("kind") : nullptr, "data.kind must be \"mri_rician\" or \"ct_lowdose\"");
  // Keys of the other kind are refused: a CT file with MRI volumes (or the reverse) is a mistake.
  const std::set<std::string> mri_only{"train", "validation", "sigmas", "validation_sigma", "validation_slices",
                                       "min_content", "rotate_deg", "scale_min", "scale_max", "elastic_px",
                                       "brightness", "contrast", "gamma_min", "gamma_max", "planes",
                                       "content_crops", "content_level"};
  const std::set<std::string> ct_only{"nx", "pixel_size", "views", "bins", "i0s", "validation_i0", "phantoms", "realizations",
                                      "validation_phantoms", "phantom_seed", "validation_seed"};
  if (data)
    for (auto& [k, v] : *data) {
      const std::string key(k.str());
      if ((c.kind == "ct_lowdose" && mri_only.count(key)) || (c.kind == "mri_rician" && ct_only.count(key)))
        r.fail(&v, "'data." + key + "' does not apply to data.kind = \"" + c.kind + "\"");
    }
  if (c.kind == "ct_lowdose") {
    CtPairOptions& ct = c.ct;
    ct.nx = r.integer(data, "nx", ct.nx, 16, 4096);
    ct.pixel_size = r.number(data, "pixel_size", ct.pixel_size, 1e-3, 100);
    ct.views = r.integer(data, "views", ct.views, 1, 100000);
    ct.bins = r.integer(data, "bins", ct.bins, 0, 100000);
    ct.i0s = r.numbers(data, "i0s", ct.i0s);
    for (double i0 : ct.i0s)
      if (!(i0 > 0)) r.fail(data->get("i0s"), "data.i0s must be positive photon counts");
    ct.validation_i0 = r.number(data, "validation_i0", ct.validation_i0, 1, 1e15);
    ct.phantoms = r.integer(data, "phantoms", ct.phantoms, 1, 100000);
    ct.realizations = r.integer(data, "realizations", ct.realizations, 1, 1000);
    ct.validation_phantoms = r.integer(data, "validation_phantoms", ct.validation_phantoms, 0, 10000);
    ct.phantom_seed = static_cast<std::uint64_t>(r.integer(data, "phantom_seed", 1000, 0, 1000000000000000));
    ct.validation_seed = static_cast<std::uint64_t>(r.integer(data, "validation_seed", 9000, 0, 1000000000000000));
    if (ct.phantom_seed == ct.validation_seed)
      r.fail(data->get("validation_seed"), "data.validation_seed must differ from data.phantom_seed (a phantom-level split)");
  } else {
    c.mri.train = r.paths(data, "train");
    c.mri.validation = r.paths(data, "validation");
    if (c.mri.train.empty()) r.fail(data, "data.train must list at least one volume");
    for (const auto& v : c.mri.validation)
      for (const auto& t : c.mri.train)
        if (fs::equivalent(v, t)) r.fail(data->get("validation"), v.string() + " is both a training and a validation volume");
    c.mri.sigmas = r.numbers(data, "sigmas", c.mri.sigmas);
    c.mri.validation_sigma = r.number(data, "validation_sigma", c.mri.validation_sigma, 0, 1);
    c.mri.validation_slices = r.integer(data, "validation_slices", c.mri.validation_slices, 0, 10000);
    c.mri.min_content = r.number(data, "min_content", c.mri.min_content, 0, 1);
    if (toml::node* n = data ? data->get("planes") : nullptr) {
      const toml::array* a = n->as_array();
      if (!a || a->empty()) r.fail(n, "'data.planes' must be a non-empty array of plane names");
      c.mri.planes.clear();
      for (const auto& e : *a) {
        const auto name = e.value_exact<std::string>();
        if (!name) r.fail(&e, "'data.planes' must contain strings only");
        try {
          c.mri.planes.push_back(plane_from_name(*name));
        } catch (const InputError& err) {
          r.fail(&e, std::string("data.planes: ") + err.what());
        }
      }
    }
    c.mri.content_crops = r.number(data, "content_crops", c.mri.content_crops, 0, 1);
    c.mri.content_level = r.number(data, "content_level", c.mri.content_level, 0, 1);
    AugmentOptions& a = c.mri.augment;
    a.rotate_deg = r.number(data, "rotate_deg", a.rotate_deg, 0, 180);
    a.scale_min = r.number(data, "scale_min", a.scale_min, 0.1, 10);
    a.scale_max = r.number(data, "scale_max", a.scale_max, a.scale_min, 10);
    a.elastic_px = r.number(data, "elastic_px", a.elastic_px, 0, 100);
    a.brightness = r.number(data, "brightness", a.brightness, 0, 1);
    a.contrast = r.number(data, "contrast", a.contrast, 0, 1);
    a.gamma_min = r.number(data, "gamma_min", a.gamma_min, 0.1, 10);
    a.gamma_max = r.number(data, "gamma_max", a.gamma_max, a.gamma_min, 10);
  }

  TrainOptions& t = c.train;
  t.generator.width = r.integer(model, "width", t.generator.width, 1, 512);
  t.generator.levels = r.integer(model, "levels", t.generator.levels, 1, 8);
  t.critic.width = r.integer(model, "critic_width", t.critic.width, 1, 1024);

  LossWeights& w = t.weights;
  w.adversarial = r.number(loss, "adversarial", w.adversarial, 0, 1e6);
  w.perceptual = r.number(loss, "perceptual", w.perceptual, 0, 1e6);
  w.ssim = r.number(loss, "ssim", w.ssim, 0, 1e6);
  w.tv = r.number(loss, "tv", w.tv, 0, 1e6);
  w.l1 = r.number(loss, "l1", w.l1, 0, 1e6);
  w.gradient_penalty = r.number(loss, "gradient_penalty", w.gradient_penalty, 0, 1e6);
  t.perceptual = r.path(loss, "perceptual_network");

  t.iterations = r.integer(tr, "iterations", t.iterations, 1, 100000000);
  t.batch = r.integer(tr, "batch", t.batch, 1, 4096);
  t.accumulate = r.integer(tr, "accumulate", t.accumulate, 1, 4096);
  std::vector<double> patches(t.patches.begin(), t.patches.end());
  patches = r.numbers(tr, "patches", patches);
  t.patches.clear();
  for (double p : patches) {
    if (p < 16 || p > 4096 || p != static_cast<double>(static_cast<std::int64_t>(p)))
      r.fail(tr->get("patches"), "train.patches must be integers in [16, 4096]");
    t.patches.push_back(static_cast<std::int64_t>(p));
  }
  t.lr_generator = r.number(tr, "lr_generator", t.lr_generator, 0, 1);
  t.lr_critic = r.number(tr, "lr_critic", t.lr_critic, 0, 1);
  t.lr_min_fraction = r.number(tr, "lr_min_fraction", t.lr_min_fraction, 0, 1);
  t.restart_period = r.integer(tr, "restart_period", t.restart_period, 1, 100000000);
  t.restart_mult = r.number(tr, "restart_mult", t.restart_mult, 1, 100);
  t.ema = r.number(tr, "ema", t.ema, 0, 1);
  t.seed = static_cast<std::uint64_t>(r.integer(tr, "seed", 0, 0, INT64_MAX));
  c.mri.seed = t.seed;
  c.ct.seed = t.seed;
  t.threads = static_cast<int>(r.integer(tr, "threads", 0, 0, 1024));
  t.output = r.path(tr, "output");
  t.checkpoint = r.path(tr, "checkpoint");
  t.resume = r.boolean(tr, "resume", t.resume);
  t.checkpoint_every = r.integer(tr, "checkpoint_every", t.checkpoint_every, 1, 100000000);
  t.validate_every = r.integer(tr, "validate_every", t.validate_every, 1, 100000000);
  t.progress_every = r.integer(tr, "progress_every", t.progress_every, 1, 100000000);
  if (t.output.empty()) r.fail(tr, "train.output (the model file to write) is required");
  return c;
}

}  // namespace mirflow::gan
