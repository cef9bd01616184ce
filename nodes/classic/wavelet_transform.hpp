#pragma once
// Orthogonal 2-D discrete wavelet transform with PyWavelets' conventions (mode 'symmetric':
// half-sample mirroring, d c b a | a b c d | d c b a; pywt's filter order and output lengths), so
// that coefficients, thresholds and reconstructions compare one to one with pywt/scikit-image.
#include <string>
#include <vector>

#include "plane.hpp"

namespace mirflow::classic {

struct Wavelet {
  std::string name;
  std::vector<double> dec_lo, dec_hi, rec_lo, rec_hi;  // as pywt.Wavelet(name) lists them
};

// "haar" (alias "db1") or "db2" (Daubechies with 4 taps, 2 vanishing moments); throws otherwise.
const Wavelet& wavelet_by_name(const std::string& name);

// One level's detail bands, named as pywt.dwtn names them: first letter axis 0 (y, rows),
// second letter axis 1 (x, columns); 'a' low-pass, 'd' high-pass.
struct DetailBands {
  Plane ad, da, dd;
};

struct Decomposition {
  Plane approx;                       // coarsest approximation
  std::vector<DetailBands> details;   // coarsest level first, as pywt.wavedecn returns them
};

// Largest useful level for a signal of length n (pywt.dwt_max_level): floor(log2(n / (taps - 1))).
int dwt_max_level(std::int64_t n, const Wavelet& w);

// One level of the 2-D transform (pywt.dwtn): each output is ((n + taps - 1) / 2) long per axis.
Decomposition dwt2(const Plane& in, const Wavelet& w);

// `levels` levels (pywt.wavedecn); levels >= 1.
Decomposition wavedec2(const Plane& in, const Wavelet& w, int levels);

// Inverse (pywt.waverecn): an approximation one sample longer than the next level's details is
// trimmed, as pywt does. The result may be larger than the original image; crop it to nx x ny.
Plane waverec2(const Decomposition& d, const Wavelet& w, std::int64_t nx, std::int64_t ny);

}  // namespace mirflow::classic
