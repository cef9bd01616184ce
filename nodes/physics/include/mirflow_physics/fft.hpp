#pragma once
// The one FFT wrapper of mirflow (FFTW, single precision). Plans are made once (FFTW_ESTIMATE)
// under a process-wide lock (FFTW's planner is not thread-safe) and then executed concurrently
// on per-call buffers from fft_buffer (FFTW's alignment). Transforms are unnormalised, as FFTW's.
#include <complex>
#include <cstddef>
#include <memory>

namespace mirflow::physics {

struct FftFree {
  void operator()(void* p) const;
};
template <class T> using FftBuffer = std::unique_ptr<T[], FftFree>;
FftBuffer<float> fft_real_buffer(std::size_t n);                 // zeroed
FftBuffer<std::complex<float>> fft_complex_buffer(std::size_t n);  // zeroed

// Real ↔ half-complex 1-D transforms of length n (n/2 + 1 complex outputs).
class RealFft1d {
 public:
  explicit RealFft1d(int n);
  ~RealFft1d();
  RealFft1d(const RealFft1d&) = delete;
  RealFft1d& operator=(const RealFft1d&) = delete;
  int size() const { return n_; }
  void forward(float* in, std::complex<float>* out) const;   // buffers from fft_*_buffer
  void inverse(std::complex<float>* in, float* out) const;   // destroys `in`

 private:
  int n_;
  void* fwd_ = nullptr;
  void* inv_ = nullptr;
};

// Real ↔ half-complex 2-D transforms of an ny×nx real array (x fastest): ny × (nx/2 + 1)
// complex outputs (the other half is their conjugate mirror). Half the work of ComplexFft2d for
// real data.
class RealFft2d {
 public:
  RealFft2d(int nx, int ny);
  ~RealFft2d();
  RealFft2d(const RealFft2d&) = delete;
  RealFft2d& operator=(const RealFft2d&) = delete;
  int half_nx() const { return nx_ / 2 + 1; }
  void forward(float* in, std::complex<float>* out) const;  // buffers from fft_*_buffer
  void inverse(std::complex<float>* in, float* out) const;  // destroys `in`

 private:
  int nx_, ny_;
  void* fwd_ = nullptr;
  void* inv_ = nullptr;
};

// Complex 2-D transforms of an ny×nx array (x fastest), forward (e^{-i}) and inverse (e^{+i}).
class ComplexFft2d {
 public:
  ComplexFft2d(int nx, int ny);
  ~ComplexFft2d();
  ComplexFft2d(const ComplexFft2d&) = delete;
  ComplexFft2d& operator=(const ComplexFft2d&) = delete;
  void forward(std::complex<float>* in, std::complex<float>* out) const;
  void inverse(std::complex<float>* in, std::complex<float>* out) const;

 private:
  int nx_, ny_;
  void* fwd_ = nullptr;
  void* inv_ = nullptr;
};

}  // namespace mirflow::physics
