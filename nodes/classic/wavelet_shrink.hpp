#pragma once
// Wavelet shrinkage denoising (BayesShrink: Chang, Yu & Vetterli 2000; VisuShrink: Donoho &
// Johnstone 1994), defined as skimage.restoration.denoise_wavelet defines it for a 2-D image.
#include <optional>
#include <string>

#include "plane.hpp"

namespace mirflow::classic {

enum class ShrinkRule { Bayes, Visu };

struct WaveletShrinkOptions {
  std::string wavelet = "db2";   // "haar"/"db1" or "db2"
  ShrinkRule rule = ShrinkRule::Bayes;
  bool soft = true;              // soft (shrink) or hard (keep or kill) thresholding
  int levels = 0;                // 0: max(dwt_max_level − 3, 1), skimage's default
  std::optional<double> sigma;   // unset: mad_sigma of this transform's finest dd band
};

// BayesShrink threshold of one band: σ² / sqrt(max(mean(c²) − σ², ε)).
double bayes_threshold(const Plane& band, double sigma);

// VisuShrink (universal) threshold for an image of n pixels: σ·sqrt(2·ln n).
double universal_threshold(double sigma, std::int64_t n);

// Soft: sign(c)·max(|c| − t, 0); hard: c where |c| ≥ t, else 0 (pywt.threshold).
double shrink(double c, double t, bool soft);

// Decompose, threshold every detail band (the approximation is kept), reconstruct.
Plane wavelet_shrink(const Plane& f, const WaveletShrinkOptions& o);

}  // namespace mirflow::classic
