#include "strength.hpp"

#include <algorithm>

#include <mirflow/error.hpp>
#include <mirflow_imgproc/robust.hpp>
#include <mirflow_imgproc/sigma_metadata.hpp>
#include <mirflow_imgproc/sure.hpp>

#include "slicewise.hpp"

namespace mirflow::classic {
namespace {

std::vector<double> flatten(const std::vector<Plane>& slab) {
  std::vector<double> v;
  for (const Plane& p : slab) v.insert(v.end(), p.v.begin(), p.v.end());
  return v;
}

std::vector<Plane> unflatten(const std::vector<double>& v, std::int64_t nx, std::int64_t ny) {
  std::vector<Plane> slab(v.size() / static_cast<std::size_t>(nx * ny), Plane(nx, ny));
  for (std::size_t k = 0; k < slab.size(); ++k)
    std::copy_n(v.begin() + std::ptrdiff_t(k * slab[k].v.size()), slab[k].v.size(), slab[k].v.begin());
  return slab;
}

// The SURE-chosen factor for one slab; `centre` is the slice of the slab SURE scores (a 3-D
// filter's outer slices lack neighbours, so only the centre is a fair sample of the volume).
double sure_factor(const std::vector<Plane>& slab, std::size_t centre, double sigma, const SlabFilter& filter) {
  const std::int64_t nx = slab[centre].nx, ny = slab[centre].ny;
  imgproc::SureOptions o;
  o.scored_size = static_cast<std::size_t>(nx * ny);
  o.scored_offset = centre * o.scored_size;
  return imgproc::choose_strength_sure(flatten(slab), sigma, [&](const std::vector<double>& y, double f) {
    return flatten(filter(unflatten(y, nx, ny), f));
  }, o).strength;
}

}  // namespace

ParamSpec strength_param() {
  return ParamSpec::String("strength", "1",
                           "\"sure\": the factor on the nominal strength in [0.5, 2] with the lowest Monte-Carlo "
                           "SURE (per 2-D slice; for a volume the median over three sample slices); needs Gaussian "
                           "noise of the σ used (after noise.rician_vst for MRI); or a fixed factor > 0");
}

Strength strength_from(const NodeConfig& c) {
  try {
    const std::optional<double> f = imgproc::parse_strength(c.params.get_string("strength"));
    return f ? Strength{false, *f} : Strength{true, 1.0};
  } catch (const std::invalid_argument& e) {
    throw InputError("node " + c.id + ": parameter " + e.what());
  }
}

Image denoise_volume(const Image& in, double sigma, const Strength& strength, int slab_radius,
                     const SlabFilter& filter, const char* what) {
  if (in.device() != Device::CPU) throw InputError(std::string(what) + " needs a CPU image, got " + in.describe());
  std::vector<Plane> slices;
  for (std::int64_t z = 0; z < in.nz(); ++z) slices.push_back(read_plane(in, z));
  double factor = strength.factor;
  std::string used = imgproc::number_text(factor);
  std::vector<Plane> result;
  if (!(sigma > 0)) {
    result = slices;
    used.clear();
  } else if (strength.sure) {
    // Sample slices: a quarter, half and three quarters of the way through the slices with signal
    // (slice mean above the median slice mean), or the only slice.
    std::vector<double> means;
    for (const Plane& p : slices) {
      double s = 0;
      for (double v : p.v) s += v;
      means.push_back(s / double(p.v.size()));
    }
    const double cut = imgproc::median(means);
    std::vector<std::int64_t> signal;
    for (std::int64_t z = 0; z < in.nz(); ++z)
      if (means[std::size_t(z)] >= cut) signal.push_back(z);
    std::vector<std::int64_t> samples;
    if (signal.size() <= 3) samples = signal;
    else
      for (double q : {0.25, 0.5, 0.75}) samples.push_back(signal[std::size_t(q * double(signal.size() - 1) + 0.5)]);
    std::vector<double> factors;
    for (std::int64_t z : samples) {
      const std::int64_t lo = std::max<std::int64_t>(0, z - slab_radius), hi = std::min(in.nz() - 1, z + slab_radius);
      const std::vector<Plane> slab(slices.begin() + lo, slices.begin() + hi + 1);
      factors.push_back(sure_factor(slab, std::size_t(z - lo), sigma, filter));
    }
    factor = imgproc::median(factors);
    used.clear();
    for (double f : factors) used += (used.empty() ? "" : ",") + imgproc::number_text(f);
    if (factors.size() > 1) used += " (median " + imgproc::number_text(factor) + ")";
    result = filter(slices, factor);
  } else {
    result = filter(slices, factor);
  }
  Image out = Image::allocate(DType::F32, in.shape(), in.ndim());
  out.geometry() = in.geometry();
  out.metadata() = in.metadata();
  for (std::int64_t z = 0; z < in.nz(); ++z)
    for (std::int64_t y = 0; y < in.ny(); ++y)
      for (std::int64_t x = 0; x < in.nx(); ++x)
        out.at<float>(x, y, z) = static_cast<float>(result[std::size_t(z)](x, y));
  if (!used.empty()) out.metadata()["denoise.strength"] = used;
  return out;
}

Image denoise_slices(const Image& in, double sigma, const Strength& strength, const FactorFilter& filter,
                     const char* what) {
  return denoise_volume(in, sigma, strength, 0, [&](const std::vector<Plane>& slab, double f) {
    std::vector<Plane> out;
    for (const Plane& p : slab) out.push_back(filter(p, f));
    return out;
  }, what);
}

}  // namespace mirflow::classic
