// Throughput of the CT operators on a 512×512 image with 720 views over 180° (parallel beam,
// 725 bins: the sizes skimage's radon uses for circle=False) and the same image in a fan beam
// (arc detector, 720 views over 360°): forward projection, exact adjoint, FBP (ramp), each with
// 1 and 2 oneTBB threads (global_control). bench/physics/run.sh compares with scikit-image.
//
//   bench_projectors [--benchmark_format=json --benchmark_out=ours.json ...]
#include <benchmark/benchmark.h>

#include <tbb/global_control.h>

#include "mirflow_physics/fbp.hpp"
#include "mirflow_physics/phantom.hpp"
#include "mirflow_physics/projector.hpp"

using namespace mirflow;
using namespace mirflow::physics;

namespace {

constexpr std::int64_t kN = 512, kViews = 720;

ProjectionGeometry geometry(Beam beam) {
  ProjectionGeometry g;
  g.beam = beam;
  g.angles_deg = angle_span(0.0, beam == Beam::Parallel ? 180.0 : 360.0, kViews);
  g.image_nx = g.image_ny = kN;
  if (beam == Beam::Fan) {
    g.detector = DetectorShape::Arc;
    g.source_to_isocenter = 541.0, g.source_to_detector = 949.0;
  }
  g.bin_spacing = default_bin_spacing(g);
  g.bins = default_bins(g);
  return g;
}

struct Data {
  ProjectionGeometry g;
  std::unique_ptr<RayProjector> op;
  Image image, sinogram;
  explicit Data(Beam beam) : g(geometry(beam)), op(make_projector(g)), image(shepp_logan(kN, kN)) { sinogram = op->apply(image); }
};

Data& data(Beam beam) {
  static Data parallel(Beam::Parallel), fan(Beam::Fan);
  return beam == Beam::Parallel ? parallel : fan;
}

void label(benchmark::State& state, const Data& d) {
  state.counters["threads"] = double(state.range(0));
  state.counters["views"] = double(d.g.views());
  state.counters["bins"] = double(d.g.bins);
  state.counters["views/s"] = benchmark::Counter(double(d.g.views()), benchmark::Counter::kIsIterationInvariantRate);
}

template <Beam B> void Forward(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, std::size_t(state.range(0)));
  Data& d = data(B);
  Image out = d.op->range().allocate();
  for (auto _ : state) {
    d.op->apply_into(d.image, out);
    benchmark::DoNotOptimize(out.data<float>());
  }
  label(state, d);
}

template <Beam B> void Adjoint(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, std::size_t(state.range(0)));
  Data& d = data(B);
  Image out = d.op->domain().allocate();
  for (auto _ : state) {
    d.op->adjoint_into(d.sinogram, out);
    benchmark::DoNotOptimize(out.data<float>());
  }
  label(state, d);
}

template <Beam B> void Fbp(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, std::size_t(state.range(0)));
  Data& d = data(B);
  const Sinogram s{d.sinogram, d.g};
  for (auto _ : state) benchmark::DoNotOptimize(fbp(s).data<float>());
  label(state, d);
}

}  // namespace

BENCHMARK(Forward<Beam::Parallel>)->Name("parallel/forward")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(Adjoint<Beam::Parallel>)->Name("parallel/adjoint")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(Fbp<Beam::Parallel>)->Name("parallel/fbp")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(Forward<Beam::Fan>)->Name("fan_arc/forward")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(Adjoint<Beam::Fan>)->Name("fan_arc/adjoint")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(Fbp<Beam::Fan>)->Name("fan_arc/fbp")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
