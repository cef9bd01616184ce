// noise.mri_motion: rigid in-plane motion between phase-encode lines → ghosting along y.
#include <cmath>
#include <complex>
#include <numeric>
#include <vector>

#include <mirflow/error.hpp>
#include <mirflow_physics/cartesian_mri.hpp>
#include <mirflow_physics/complex_image.hpp>

#include "nodes.hpp"
#include "normal_rng.hpp"
#include "pixels.hpp"
#include "poisson_rng.hpp"

namespace mirflow::noise {

namespace pm = mirflow::physics;

MriMotion::MriMotion(const NodeConfig& c)
    : fraction_(c.params.get_float("fraction")), max_shift_(c.params.get_float("max_shift_px")),
      magnitude_(c.params.get_bool("magnitude")), seed_(static_cast<std::uint64_t>(c.params.get_int("seed"))) {
  if (!std::isfinite(fraction_)) throw InputError("parameter 'fraction' must be a number in [0, 1]");
  if (!std::isfinite(max_shift_)) throw InputError("parameter 'max_shift_px' must be a finite number ≥ 0");
}

NodeSpec MriMotion::spec() {
  return NodeSpec("noise.mri_motion",
                  "Rigid-motion ghosting: in the centred orthonormal k-space of a 2-D slice, a random subset of the "
                  "phase-encode lines (rows, along y) gets the linear phase of a random in-plane shift; inverse FFT")
      .input("image", kImagePort, "2-D slice (any real dtype) or a complex image (mirflow.complex = interleaved)")
      .output("image", kImagePort,
              "the corrupted slice: float32 magnitude (magnitude = true) or the complex image; same geometry; "
              "metadata noise.model = mri_motion, noise.motion_lines (lines moved), noise.seed")
      .param(ParamSpec::Float("fraction", 0.1, "fraction of the phase-encode lines acquired at a moved position").range(0, 1))
      .param(ParamSpec::Float("max_shift_px", 2.0,
                              "each moved line's shift (x and y) is uniform in [−max_shift_px, max_shift_px]")
                 .range(0, 1e4)
                 .in_unit("pixels"))
      .param(ParamSpec::Bool("magnitude", true, "output |image| (true) or the complex image (false)"))
      .param(ParamSpec::Int("seed", 0, "random seed; each work item draws from its own stream seeded by (seed, item key), "
                                       "so the same seed gives the same bytes whatever the thread schedule"));
}

void MriMotion::process(Context& ctx) {
  const Image& in = ctx.image("image");
  if (in.ndim() == 3 && in.nz() > 1)
    throw InputError("noise.mri_motion takes 2-D slices; got " + in.describe() + " (put a flow.slice node before it)");
  if (in.device() != Device::CPU) throw InputError("noise.mri_motion needs a CPU image, got " + in.describe());
  Image x;
  if (pm::is_complex(in)) {
    x = pm::allocate_complex(pm::complex_nx(in), in.ny());
    std::complex<float>* z = pm::complex_data(x);
    for (std::int64_t y = 0; y < in.ny(); ++y)
      for (std::int64_t i = 0; i < pm::complex_nx(in); ++i)
        z[y * pm::complex_nx(in) + i] = {float(in.value(2 * i, y)), float(in.value(2 * i + 1, y))};
  } else {
    x = pm::allocate_complex(in.nx(), in.ny());
    std::complex<float>* z = pm::complex_data(x);
    visit_pixels(in, [&](std::int64_t i, double v) { z[i] = {static_cast<float>(v), 0.f}; });
  }
  const std::int64_t nx = pm::complex_nx(x), ny = x.ny();
  pm::CartesianMri op(nx, ny);
  Image k = op.apply(x);
  std::complex<float>* kd = pm::complex_data(k);

  // The moved lines: the first `count` of a seeded Fisher–Yates shuffle of 0 .. ny−1.
  NormalRng rng(seed_, ctx.key()->tag());
  const auto count = static_cast<std::int64_t>(std::llround(fraction_ * static_cast<double>(ny)));
  std::vector<std::int64_t> lines(static_cast<std::size_t>(ny));
  std::iota(lines.begin(), lines.end(), 0);
  constexpr double two_pi = 6.283185307179586476925286766559;
  for (std::int64_t n = 0; n < count; ++n) {
    const auto j = n + std::min<std::int64_t>(ny - n - 1, static_cast<std::int64_t>(uniform01(rng) * double(ny - n)));
    std::swap(lines[static_cast<std::size_t>(n)], lines[static_cast<std::size_t>(j)]);
    const std::int64_t row = lines[static_cast<std::size_t>(n)];
    const double sx = max_shift_ * rng.uniform_pm1(), sy = max_shift_ * rng.uniform_pm1();
    // Centred layout: DC at (nx/2, ny/2). A shift s multiplies k-space by e^{−2πi k·s/N}.
    const double fy = static_cast<double>(row - ny / 2) * sy / static_cast<double>(ny);
    for (std::int64_t i = 0; i < nx; ++i) {
      const double ph = -two_pi * (static_cast<double>(i - nx / 2) * sx / static_cast<double>(nx) + fy);
      const std::complex<double> w(std::cos(ph), std::sin(ph));
      std::complex<float>& v = kd[row * nx + i];
      const std::complex<double> r = std::complex<double>(v) * w;
      v = {static_cast<float>(r.real()), static_cast<float>(r.imag())};
    }
  }
  Image y = op.adjoint(k);
  Image out = magnitude_ ? pm::magnitude(y) : y;
  out.geometry() = in.geometry();
  Metadata md = in.metadata();
  md.erase(pm::kComplexKey);
  if (!magnitude_) md[pm::kComplexKey] = pm::kComplexInterleaved;
  md["noise.model"] = "mri_motion";
  md["noise.motion_lines"] = std::to_string(count);
  md["noise.seed"] = std::to_string(static_cast<std::int64_t>(seed_));
  out.metadata() = std::move(md);
  ctx.output("image", std::move(out));
}

}  // namespace mirflow::noise
