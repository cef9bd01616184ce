#pragma once
// Image-quality and segmentation metrics on mirflow::Image (any dtype, read as double).
// Definitions, constants, windows and border handling: docs/metrics.md.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <mirflow/image.hpp>

namespace mirflow::metrics {

// A dense double copy of an image: x fastest, then y, then z. ndim 2 or 3 (2-D: nz == 1).
struct Grid {
  std::int64_t nx = 0, ny = 0, nz = 1;
  int ndim = 2;
  std::vector<double> v;

  Grid() = default;
  Grid(std::int64_t nx_, std::int64_t ny_, std::int64_t nz_, int ndim_)
      : nx(nx_), ny(ny_), nz(nz_), ndim(ndim_), v(static_cast<std::size_t>(nx_ * ny_ * nz_), 0.0) {}
  std::int64_t size() const { return nx * ny * nz; }
  double& at(std::int64_t x, std::int64_t y, std::int64_t z = 0) { return v[static_cast<std::size_t>((z * ny + y) * nx + x)]; }
  double at(std::int64_t x, std::int64_t y, std::int64_t z = 0) const {
    return v[static_cast<std::size_t>((z * ny + y) * nx + x)];
  }
  Grid plane(std::int64_t z) const;  // slice z as a 2-D grid
};

// `what` names the image in error messages ("reference"). Throws InputError for CUDA images.
Grid to_grid(const Image& image, const std::string& what);
// Throws InputError unless a and b have the same ndim and shape.
void check_same_shape(const Image& a, const std::string& a_name, const Image& b, const std::string& b_name);

// The data range used when none is given. Integer dtypes follow scikit-image's PSNR: the dtype's
// maximum if the reference has no negative value, else max − min of the dtype (uint8 → 255,
// uint16 → 65535, int16 → 32767 or 65535). Floating point: the reference's own max − min
// (scikit-image would use 1 or 2, meaningless for HU or MR intensities).
double default_data_range(const Image& reference);

// Root mean squared difference, in the images' units (HU for CT). With a mask: only where mask ≠ 0.
double rmse(const Image& image, const Image& reference, const Image* mask = nullptr);

// 10·log10(R² / MSE) in dB over every pixel; +inf for identical images.
double psnr(const Image& image, const Image& reference, double data_range);

// Wang et al. 2004 SSIM as scikit-image computes it with gaussian_weights=True, sigma=1.5,
// use_sample_covariance=False: Gaussian window (σ 1.5, truncated at 3.5σ → 11 taps), 'reflect'
// borders, K1 0.01, K2 0.03, mean over the map cropped by 5 pixels on every side of every axis.
// A 3-D image is compared volumetrically (3-D window), as scikit-image does with a 3-D array.
struct SsimParts {
  double ssim = 0;  // mean SSIM over the cropped map
  double cs = 0;    // mean contrast-structure term (2σxy + C2)/(σx² + σy² + C2) over the same region
};
inline constexpr double kSsimSigma = 1.5, kSsimTruncate = 3.5, kSsimK1 = 0.01, kSsimK2 = 0.03;
inline constexpr std::int64_t kSsimWindow = 11;  // 2·int(3.5·1.5 + 0.5) + 1
SsimParts ssim_parts(const Grid& image, const Grid& reference, double data_range);
double ssim(const Image& image, const Image& reference, double data_range);

// Multi-scale SSIM (Wang, Simoncelli, Bovik 2003), 2-D: 5 scales with weights kMsSsimWeights,
// 2×2 average down-sampling (an odd last row/column is dropped). Scale j contributes its mean cs
// term, the last scale its mean SSIM, each clamped at 0 before the power. An image too small for
// 5 scales (each scale needs ≥ 11 pixels per axis) uses the scales that fit, their weights
// renormalised to sum to 1; fewer than 11 pixels is an error. A 3-D image: the mean over slices.
inline constexpr std::array<double, 5> kMsSsimWeights{0.0448, 0.2856, 0.3001, 0.2363, 0.1333};
struct MsSsim {
  double value = 0;
  int scales = 0;  // how many scales were used (5 unless the image is small)
};
MsSsim ms_ssim(const Grid& image, const Grid& reference, double data_range);
MsSsim ms_ssim(const Image& image, const Image& reference, double data_range);

// Phase congruency of a 2-D grid (Kovesi's phasecong2 as used by FSIM: 4 scales, 4 orientations,
// log-Gabor filters, minimum wavelength 6, ratio 2, σ/f0 0.55, noise compensation k = 2).
Grid phase_congruency(const Grid& plane);

// Grey-level FSIM (Zhang, Zhang, Mou, Zhang 2011). Both images are scaled by 255/data_range
// (the published constant T2 = 160 assumes 8-bit images). 3-D: the mean over slices.
double fsim(const Grid& image, const Grid& reference, double data_range);
double fsim(const Image& image, const Image& reference, double data_range);

// A box of pixel indices, half-open: lo ≤ index < hi on each axis (z ignored for 2-D images).
struct Box {
  std::array<std::int64_t, 3> lo{0, 0, 0}, hi{0, 0, 1};
};
// Box from [x0, y0, x1, y1] or [x0, y0, z0, x1, y1, z1]; checked against the image's shape.
Box box_from_list(const std::vector<double>& v, const Image& image, const std::string& what);

// Noise reduction in a homogeneous region: std(noisy) / std(denoised) over the region (population
// standard deviations). > 1 means less noise. The region is a box or the non-zero pixels of a mask.
double noise_reduction(const Image& noisy, const Image& denoised, const Box& roi);
double noise_reduction(const Image& noisy, const Image& denoised, const Image& roi_mask);

// Mean of (image − reference) in each labelled region: label value (non-zero) → bias and count.
struct RegionBias {
  double mean_difference = 0;
  std::int64_t voxels = 0;
};
std::map<std::int64_t, RegionBias> region_bias(const Image& image, const Image& reference, const Image& labels);

// Binary masks: a pixel is foreground where its value ≠ 0 (or == label when label ≠ 0).
std::vector<std::uint8_t> foreground(const Image& mask, std::int64_t label = 0);

// Dice 2|A∩B| / (|A| + |B|); two empty masks give 1.
double dice(const Image& a, const Image& b, std::int64_t label = 0);

// Surface distances between two masks, in mm (the reference's pixel spacing). The surface of a
// mask is its foreground pixels with a face neighbour (4 in 2-D, 6 in 3-D) that is background or
// outside the image. Hausdorff: the largest distance from a surface pixel of either mask to the
// other surface (symmetric). Mean surface distance: the mean of those distances over both surfaces.
// Unset when one mask is empty and the other is not; both 0 when both are empty.
struct SurfaceDistances {
  std::optional<double> hausdorff_mm, mean_mm;
};
SurfaceDistances surface_distances(const Image& a, const Image& b, std::int64_t label = 0);

// The building blocks, exposed for tests.
std::vector<std::uint8_t> surface(const std::vector<std::uint8_t>& mask, const std::array<std::int64_t, 3>& shape, int ndim);
// Exact Euclidean distance (mm) from each pixel to the nearest pixel where `seed` ≠ 0 (+inf if none).
std::vector<double> distance_to(const std::vector<std::uint8_t>& seed, const std::array<std::int64_t, 3>& shape,
                                const std::array<double, 3>& spacing);

}  // namespace mirflow::metrics
