// CPU against CUDA on the problems: the Joseph projector pair on a 512×512 image with 720
// parallel views over 180°, ADMM with TV on that CT problem (per iteration: CG steps with the
// circulant preconditioner, 10 iterations per run), and 256×256 TV denoising (A = identity) run
// to the solver's tolerance. The CPU cases use every core oneTBB sees; the CUDA ones report an
// error row where no device is present.
//
//   bench_gpu [--benchmark_format=json --benchmark_out=gpu.json]
#include <benchmark/benchmark.h>

#include <memory>
#include <random>

#include "mirflow_gpu/device.hpp"
#include "mirflow_ir/priors.hpp"
#include "mirflow_ir/reconstruct.hpp"
#include "mirflow_physics/device_kernels.hpp"
#include "mirflow_physics/phantom.hpp"
#include "mirflow_physics/projector.hpp"

using namespace mirflow;

namespace {

const bool kHaveDevice = gpu::install();

physics::ProjectionGeometry ct_geometry() {
  physics::ProjectionGeometry g;
  g.angles_deg = physics::angle_span(0.0, 180.0, 720);
  g.image_nx = g.image_ny = 512;
  g.bin_spacing = physics::default_bin_spacing(g);
  g.bins = physics::default_bins(g);
  return g;
}

struct Ct {
  std::shared_ptr<const physics::LinearOperator> A = physics::make_projector(ct_geometry());
  Image image = physics::shepp_logan(512, 512);
  Image sinogram = A->apply(image);
};
const Ct& ct() {
  static const Ct c;
  return c;
}

bool skip_without_device(benchmark::State& state, Device d) {
  if (d == Device::CUDA && !kHaveDevice) {
    state.SkipWithError("no CUDA device on this machine");
    return true;
  }
  return false;
}

void sync(Device d) {
  if (d == Device::CUDA) gpu::synchronize();
}

void BM_Forward(benchmark::State& state, Device d) {
  if (skip_without_device(state, d)) return;
  const Image x = physics::to_device(ct().image, d);
  Image y = ct().A->range().allocate(d);
  for (auto _ : state) {
    ct().A->apply_into(x, y);
    sync(d);
  }
}

void BM_Adjoint(benchmark::State& state, Device d) {
  if (skip_without_device(state, d)) return;
  const Image y = physics::to_device(ct().sinogram, d);
  Image x = ct().A->domain().allocate(d);
  for (auto _ : state) {
    ct().A->adjoint_into(y, x);
    sync(d);
  }
}

// 10 ADMM iterations of CT TV (setup, preconditioner probe and the transfers included).
void BM_AdmmCtTv10(benchmark::State& state, Device d) {
  if (skip_without_device(state, d)) return;
  ir::ReconstructionSpec s;
  s.A = ct().A;
  s.b = ct().sinogram;
  s.priors.push_back({std::make_shared<ir::TvRegulariser>(), 0.05});
  s.admm.rho = 1e-3, s.admm.balance_rho = false;
  s.admm.max_iterations = 10, s.admm.abs_tol = 0, s.admm.rel_tol = 0;
  s.admm.cg_max_iterations = 20, s.admm.cg_rel_tol = 1e-4;
  s.admm.circulant_preconditioner = true, s.admm.record_objective = false;
  s.device = d;
  int cg = 0;
  for (auto _ : state) cg = ir::reconstruct(s).stats.cg_iterations;
  state.counters["cg_steps"] = cg;
}

// 256² TV denoising to the default tolerances.
void BM_TvDenoise256(benchmark::State& state, Device d) {
  if (skip_without_device(state, d)) return;
  const physics::Space im = physics::centred_space(256, 256, 1.0, 1.0);
  Image b = physics::shepp_logan(256, 256);
  std::mt19937 rng(7);
  std::normal_distribution<float> n(0.f, 0.05f);
  for (std::int64_t i = 0; i < b.size(); ++i) b.data<float>()[i] += n(rng);
  ir::ReconstructionSpec s;
  s.A = std::make_shared<physics::IdentityOperator>(im);
  s.b = b;
  s.priors.push_back({std::make_shared<ir::TvRegulariser>(), 0.05});
  s.admm.max_iterations = 500;
  s.device = d;
  int iterations = 0;
  for (auto _ : state) iterations = ir::reconstruct(s).stats.iterations;
  state.counters["iterations"] = iterations;
}

}  // namespace

BENCHMARK_CAPTURE(BM_Forward, cpu, Device::CPU)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Forward, cuda, Device::CUDA)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Adjoint, cpu, Device::CPU)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Adjoint, cuda, Device::CUDA)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_AdmmCtTv10, cpu, Device::CPU)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_AdmmCtTv10, cuda, Device::CUDA)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(3);
BENCHMARK_CAPTURE(BM_TvDenoise256, cpu, Device::CPU)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK_CAPTURE(BM_TvDenoise256, cuda, Device::CUDA)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

BENCHMARK_MAIN();
