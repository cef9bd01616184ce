#pragma once
// MRI magnitude noise, shared by noise.rician (one coil) and noise.ncchi (N coils), so that
// noise.ncchi with coils = 1 gives the very bytes of noise.rician with the same seed.
#include <mirflow/image.hpp>

#include "normal_rng.hpp"

namespace mirflow::noise {

// Writes into `out` (float32, contiguous, the shape of `in`) the sum-of-squares magnitude
//   M(x) = sqrt( Σ_{k=1..coils} | A(x)/√coils · e^{iφ} + σ·(g_k,re + i·g_k,im) |² ),
// with A(x) the input pixel (the noise-free magnitude, a negative value being a signal of phase
// φ + π), g independent N(0, 1) deviates. Uniform coil sensitivities: every coil sees the same
// share A/√coils, so the noise-free sum of squares is A² and M follows the noncentral chi
// distribution with 2·coils degrees of freedom and noncentrality A/σ (Rician for one coil).
// Only the total noncentrality matters for that distribution, so putting all signal in one
// coil would give the same statistics.
// Draw order: pixel by pixel in raster order, per pixel one polar pair per coil (real, imag).
// Non-finite inputs stay non-finite but still consume their draws, keeping the stream aligned.
void add_complex_noise_magnitude(const Image& in, Image& out, double sigma, int coils, double phase, NormalRng& rng);

}  // namespace mirflow::noise
