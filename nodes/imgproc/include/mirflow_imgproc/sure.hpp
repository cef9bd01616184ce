#pragma once
// Monte-Carlo SURE (Ramani, Blu and Unser, IEEE TIP 17(9), 2008): an unbiased estimate of a
// denoiser's mean squared error on one noisy image with white Gaussian noise of known σ, with no
// clean reference, for any denoiser treated as a black box:
//   SURE = ‖y − D(y)‖²/N − σ² + 2σ²/N · div D(y),
//   div D(y) ≈ bᵀ(D(y + εb) − D(y)) / ε, b a random ±1 probe.
// Used to choose each denoiser's strength per image (strength = "sure" in the graphs).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mirflow::imgproc {

// The denoiser at one strength: input samples → output samples of the same size.
using StrengthDenoiser = std::function<std::vector<double>(const std::vector<double>& y, double strength)>;

struct SurePoint {
  double strength = 0;
  double risk = 0;  // SURE: estimated mean squared error per sample
};

struct SureChoice {
  double strength = 0;
  double risk = 0;
  std::vector<double> output;    // D(y) at the chosen strength, the scored samples only (no extra run)
  std::vector<SurePoint> curve;  // every strength tried, in the order tried
};

struct SureOptions {
  double lo = 0.5, hi = 2.0;  // the bracket of strengths searched
  int evaluations = 6;        // strengths tried (each costs two denoiser runs)
  double epsilon = 0.01;      // probe step, in units of σ
  std::uint64_t seed = 20081;
  // The samples SURE scores, [scored_offset, scored_offset + scored_size) of y (size 0: all). The
  // probe perturbs only these: their risk needs the divergence of their outputs with respect to
  // their own inputs (Stein's lemma, the other samples fixed), so a slab of slices can be
  // denoised whole while only its centre slice is scored.
  std::size_t scored_offset = 0, scored_size = 0;
};

// The `strength` parameter of the denoising nodes as text: "sure" (nullopt: choose by SURE) or a
// factor > 0. Throws std::invalid_argument for anything else.
std::optional<double> parse_strength(const std::string& text);

// The ±1 probe for y.size() samples (the same seed gives the same probe).
std::vector<double> sure_probe(std::size_t n, std::uint64_t seed);

// SURE of D at one strength, given D(y), D(y + εσ·b) and b.
double mc_sure(const std::vector<double>& y, const std::vector<double>& dy, const std::vector<double>& dy_probe,
               const std::vector<double>& probe, double eps, double sigma);

// Golden-section search for the minimum of risk(strength) over [lo, hi] on log(strength), with
// `evaluations` calls of risk; returns the best strength tried.
double golden_search_log(double lo, double hi, int evaluations, const std::function<double(double)>& risk);

// The strength in [lo, hi] with the lowest SURE: golden-section search on log(strength) (the
// risk of a denoiser is unimodal in its strength for the denoisers here), the best point tried.
// `denoise` receives all of y (perturbed in the scored window) and returns an output of y's size.
SureChoice choose_strength_sure(const std::vector<double>& y, double sigma, const StrengthDenoiser& denoise,
                                const SureOptions& options = {});

}  // namespace mirflow::imgproc
