// Node types used by the engine tests and the engine benchmark. Real nodes with real work,
// small enough that a test can predict every output exactly.
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include <mirflow/error.hpp>
#include <mirflow/plugin.hpp>

namespace {

using namespace mirflow;

std::atomic<std::int64_t> alive{0}, peak{0};

// `count` items; item i is an nx×ny float32 image filled with i. Tracks how many of its
// images are alive at once and writes the peak to `peak_file` when destroyed.
class Source final : public Node {
 public:
  explicit Source(const NodeConfig& c)
      : count_(c.params.get_int("count")), nx_(c.params.get_int("nx")), ny_(c.params.get_int("ny")),
        peak_file_(c.params.has("peak_file") ? c.params.get_string("peak_file") : "") {
    alive = 0, peak = 0;
  }
  ~Source() override {
    if (!peak_file_.empty()) std::ofstream(peak_file_) << peak.load() << "\n";
  }
  static NodeSpec spec() {
    return NodeSpec("test.source", "count float32 images, image i filled with i")
        .output("image", kImagePort, "item i")
        .param(ParamSpec::Int("count", 10, "items").range(0, 1e9))
        .param(ParamSpec::Int("nx", 4, "width").range(1, 1e5))
        .param(ParamSpec::Int("ny", 4, "height").range(1, 1e5))
        .param(ParamSpec::String("peak_file", "", "where to write the peak number of live images").optional());
  }
  void process(Context& ctx) override {
    std::vector<std::string> labels;
    for (std::int64_t i = 0; i < count_; ++i) labels.push_back("item=" + std::to_string(i));
    const std::int64_t nx = nx_, ny = ny_;
    ctx.expand(std::move(labels), [nx, ny](std::int64_t i) -> Outputs {
      const std::size_t bytes = static_cast<std::size_t>(nx * ny) * sizeof(float);
      float* p = new float[static_cast<std::size_t>(nx * ny)];
      for (std::int64_t k = 0; k < nx * ny; ++k) p[k] = static_cast<float>(i);
      std::int64_t now = ++alive;
      for (std::int64_t prev = peak.load(); now > prev && !peak.compare_exchange_weak(prev, now);) {
      }
      auto storage = Storage::wrap(p, bytes, Device::CPU, [](void* q) {
        delete[] static_cast<float*>(q);
        --alive;
      });
      return {{"image", std::any(Image::view(storage, 0, DType::F32, {nx, ny, 1}, 2))}};
    });
  }

 private:
  std::int64_t count_, nx_, ny_;
  std::string peak_file_;
};

// Forwards its input after a random pause (seeded by the item index), to shuffle completion order.
class Delay final : public Node {
 public:
  explicit Delay(const NodeConfig& c) : max_us_(c.params.get_int("max_us")), seed_(c.params.get_int("seed")) {}
  static NodeSpec spec() {
    return NodeSpec("test.delay", "forwards after a random pause")
        .input("image", kImagePort, "in")
        .output("image", kImagePort, "the same image")
        .param(ParamSpec::Int("max_us", 1000, "longest pause").range(0, 1e7).in_unit("µs"))
        .param(ParamSpec::Int("seed", 1, "random seed"));
  }
  void process(Context& ctx) override {
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed_) * 1000003u + ctx.key()->tag());
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % static_cast<std::uint64_t>(max_us_ + 1)));
    ctx.output("image", ctx.input_any("image"));
  }

 private:
  std::int64_t max_us_, seed_;
};

// out = a·wa + b·wb, pixel by pixel (allocates its output).
class Combine final : public Node {
 public:
  explicit Combine(const NodeConfig& c) : wa_(c.params.get_float("wa")), wb_(c.params.get_float("wb")) {}
  static NodeSpec spec() {
    return NodeSpec("test.combine", "a·wa + b·wb")
        .input("a", kImagePort, "first")
        .input("b", kImagePort, "second")
        .output("image", kImagePort, "sum")
        .param(ParamSpec::Float("wa", 1.0, "weight of a"))
        .param(ParamSpec::Float("wb", 1.0, "weight of b"));
  }
  void process(Context& ctx) override {
    const Image& a = ctx.image("a");
    const Image& b = ctx.image("b");
    if (a.shape() != b.shape()) throw std::invalid_argument("shape mismatch");
    Image out = Image::allocate(DType::F32, a.shape(), a.ndim());
    for (std::int64_t y = 0; y < a.ny(); ++y)
      for (std::int64_t x = 0; x < a.nx(); ++x)
        out.at<float>(x, y) = static_cast<float>(wa_ * a.value(x, y) + wb_ * b.value(x, y));
    ctx.output("image", out);
  }

 private:
  double wa_, wb_;
};

// Multiplies by `factor` (allocates), optionally failing on item `fail_at`.
class Scale final : public Node {
 public:
  explicit Scale(const NodeConfig& c) : factor_(c.params.get_float("factor")), fail_at_(c.params.get_int("fail_at")) {}
  static NodeSpec spec() {
    return NodeSpec("test.scale", "multiplies by factor; throws on item index fail_at")
        .input("image", kImagePort, "in")
        .output("image", kImagePort, "scaled")
        .param(ParamSpec::Float("factor", 2.0, "factor"))
        .param(ParamSpec::Int("fail_at", -1, "item index that throws (-1: none)"));
  }
  void process(Context& ctx) override {
    if (ctx.key()->index() == fail_at_) throw std::runtime_error("deliberate failure");
    const Image& a = ctx.image("image");
    Image out = Image::allocate(DType::F32, a.shape(), a.ndim());
    for (std::int64_t y = 0; y < a.ny(); ++y)
      for (std::int64_t x = 0; x < a.nx(); ++x) out.at<float>(x, y) = static_cast<float>(factor_ * a.value(x, y));
    ctx.output("image", out);
  }

 private:
  double factor_;
  std::int64_t fail_at_;
};

// Two outputs; `a` is 1 everywhere when `b` has an edge, else 0, and `b` is made only when it
// has one (what Context::output_connected is for).
class Tee final : public Node {
 public:
  explicit Tee(const NodeConfig&) {}
  static NodeSpec spec() {
    return NodeSpec("test.tee", "a: 1 if b is connected, else 0; b: the input, only when connected")
        .input("image", kImagePort, "in")
        .output("a", kImagePort, "1 or 0")
        .output("b", kImagePort, "the input");
  }
  void process(Context& ctx) override {
    const Image& in = ctx.image("image");
    const bool b = ctx.output_connected("b");
    Image a = Image::allocate(DType::F32, in.shape(), in.ndim());
    for (std::int64_t i = 0; i < a.size(); ++i) a.data<float>()[i] = b ? 1.f : 0.f;
    ctx.output("a", a);
    if (b) ctx.output("b", in);
  }
};

// Busy work (a fixed number of floating-point operations per item), then forwards.
class Burn final : public Node {
 public:
  explicit Burn(const NodeConfig& c) : iterations_(c.params.get_int("iterations")) {}
  static NodeSpec spec() {
    return NodeSpec("test.burn", "spends a fixed amount of CPU per item, then forwards it")
        .input("image", kImagePort, "in")
        .output("image", kImagePort, "the same image")
        .param(ParamSpec::Int("iterations", 10000, "work per item").range(0, 1e12));
  }
  void process(Context& ctx) override {
    volatile double x = 1.0;
    for (std::int64_t i = 0; i < iterations_; ++i) x = x * 1.0000001 + 1e-9;
    ctx.output("image", ctx.input_any("image"));
  }

 private:
  std::int64_t iterations_;
};

// Appends "<key>\t<sum of pixels>" per item to `path` (one line per item, any order).
class Record final : public Node {
 public:
  explicit Record(const NodeConfig& c) : out_(c.params.get_string("path")) {
    if (!out_) throw InputError("cannot write " + c.params.get_string("path"));
  }
  static NodeSpec spec() {
    return NodeSpec("test.record", "writes each item's key and pixel sum to a text file")
        .input("image", kImagePort, "in")
        .param(ParamSpec::String("path", "", "text file"))
        .serial();
  }
  void process(Context& ctx) override {
    const Image& a = ctx.image("image");
    double sum = 0;
    for (std::int64_t z = 0; z < a.nz(); ++z)
      for (std::int64_t y = 0; y < a.ny(); ++y)
        for (std::int64_t x = 0; x < a.nx(); ++x) sum += a.value(x, y, z);
    out_ << ctx.key()->str() << "\t" << sum << "\n";
  }

 private:
  std::ofstream out_;
};

// Emits a JSON text (a port of another type, for port-type checks).
class JsonSource final : public Node {
 public:
  explicit JsonSource(const NodeConfig&) {}
  static NodeSpec spec() { return NodeSpec("test.json_source", "one JSON item").output("json", kJsonPort, "{}"); }
  void process(Context& ctx) override {
    ctx.expand({"only"}, [](std::int64_t) -> Outputs { return {{"json", std::any(std::string("{}"))}}; });
  }
};

}  // namespace

// Components: pixel maps of kind "test.pixel_map", applied by test.chain in declaration order.
struct PixelMap {
  virtual ~PixelMap() = default;
  virtual double operator()(double v) const = 0;
};
struct Affine final : PixelMap {
  double a, b;
  Affine(double a_, double b_) : a(a_), b(b_) {}
  double operator()(double v) const override { return a * v + b; }
};
struct Clamp final : PixelMap {
  double lo, hi;
  Clamp(double l, double h) : lo(l), hi(h) {}
  double operator()(double v) const override { return std::min(std::max(v, lo), hi); }
};

class Chain final : public Node {
 public:
  explicit Chain(const NodeConfig& c) {
    for (const auto& step : c.components.at("step")) steps_.push_back(step.make<PixelMap>());
  }
  static NodeSpec spec() {
    return NodeSpec("test.chain", "applies its [[node.step]] pixel maps in order")
        .input("image", kImagePort, "in")
        .output("image", kImagePort, "mapped")
        .component("step", "test.pixel_map", "pixel maps, applied in order");
  }
  void process(Context& ctx) override {
    const Image& a = ctx.image("image");
    Image out = Image::allocate(DType::F32, a.shape(), a.ndim());
    for (std::int64_t y = 0; y < a.ny(); ++y)
      for (std::int64_t x = 0; x < a.nx(); ++x) {
        double v = a.value(x, y);
        for (const auto& s : steps_) v = (*s)(v);
        out.at<float>(x, y) = static_cast<float>(v);
      }
    ctx.output("image", out);
  }

 private:
  std::vector<std::shared_ptr<PixelMap>> steps_;
};

MIRFLOW_PLUGIN("testnodes", registry) {
  registry.add_component<PixelMap>("test.pixel_map", "affine", "a·v + b",
                                   {ParamSpec::Float("a", 1.0, "slope"), ParamSpec::Float("b", 0.0, "offset")},
                                   [](const Params& p) { return std::make_shared<Affine>(p.get_float("a"), p.get_float("b")); });
  registry.add_component<PixelMap>("test.pixel_map", "clamp", "clamps to [lo, hi]",
                                   {ParamSpec::Float("lo", 0.0, "lower bound"), ParamSpec::Float("hi", 1.0, "upper bound").range(-1e9, 1e9)},
                                   [](const Params& p) { return std::make_shared<Clamp>(p.get_float("lo"), p.get_float("hi")); });
  registry.add<Chain>();
  registry.add_command({"test-echo", "prints its arguments, one per line; exit code = their count",
                        [](const std::vector<std::string>& args) {
                          for (const auto& a : args) std::printf("%s\n", a.c_str());
                          return static_cast<int>(args.size());
                        },
                        {}});
  registry.add<Source>();
  registry.add<Delay>();
  registry.add<Combine>();
  registry.add<Scale>();
  registry.add<Tee>();
  registry.add<Burn>();
  registry.add<Record>();
  registry.add<JsonSource>();
}
