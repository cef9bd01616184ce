#include "mirflow_physics/fft.hpp"

#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include <fftw3.h>

namespace mirflow::physics {

namespace {
// FFTW's planner (and plan destruction) is not thread-safe. fftwf_make_planner_thread_safe()
// protects it against other FFTW users in the process too; our own lock covers the rest.
std::mutex& planner_mutex() {
  static std::mutex m;
  static std::once_flag once;
  std::call_once(once, [] { fftwf_make_planner_thread_safe(); });
  return m;
}

template <class T> FftBuffer<T> make_buffer(std::size_t n) {
  void* p = fftwf_malloc(std::max<std::size_t>(n, 1) * sizeof(T));
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, std::max<std::size_t>(n, 1) * sizeof(T));
  return FftBuffer<T>(static_cast<T*>(p));
}

fftwf_complex* cx(std::complex<float>* p) { return reinterpret_cast<fftwf_complex*>(p); }
}  // namespace

void FftFree::operator()(void* p) const { fftwf_free(p); }
FftBuffer<float> fft_real_buffer(std::size_t n) { return make_buffer<float>(n); }
FftBuffer<std::complex<float>> fft_complex_buffer(std::size_t n) { return make_buffer<std::complex<float>>(n); }

RealFft1d::RealFft1d(int n) : n_(n) {
  if (n < 1) throw std::invalid_argument("FFT length must be positive");
  auto in = fft_real_buffer(std::size_t(n));
  auto out = fft_complex_buffer(std::size_t(n / 2 + 1));
  std::lock_guard<std::mutex> lock(planner_mutex());
  fwd_ = fftwf_plan_dft_r2c_1d(n, in.get(), cx(out.get()), FFTW_ESTIMATE);
  inv_ = fftwf_plan_dft_c2r_1d(n, cx(out.get()), in.get(), FFTW_ESTIMATE);
  if (!fwd_ || !inv_) throw std::runtime_error("FFTW could not plan a real FFT of length " + std::to_string(n));
}

RealFft1d::~RealFft1d() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  if (fwd_) fftwf_destroy_plan(static_cast<fftwf_plan>(fwd_));
  if (inv_) fftwf_destroy_plan(static_cast<fftwf_plan>(inv_));
}

void RealFft1d::forward(float* in, std::complex<float>* out) const {
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(fwd_), in, cx(out));
}
void RealFft1d::inverse(std::complex<float>* in, float* out) const {
  fftwf_execute_dft_c2r(static_cast<fftwf_plan>(inv_), cx(in), out);
}

RealFft2d::RealFft2d(int nx, int ny) : nx_(nx), ny_(ny) {
  if (nx < 1 || ny < 1) throw std::invalid_argument("FFT sizes must be positive");
  auto in = fft_real_buffer(std::size_t(nx) * std::size_t(ny));
  auto out = fft_complex_buffer(std::size_t(nx / 2 + 1) * std::size_t(ny));
  std::lock_guard<std::mutex> lock(planner_mutex());
  fwd_ = fftwf_plan_dft_r2c_2d(ny, nx, in.get(), cx(out.get()), FFTW_ESTIMATE);
  inv_ = fftwf_plan_dft_c2r_2d(ny, nx, cx(out.get()), in.get(), FFTW_ESTIMATE);
  if (!fwd_ || !inv_)
    throw std::runtime_error("FFTW could not plan a real " + std::to_string(nx) + "×" + std::to_string(ny) + " FFT");
}

RealFft2d::~RealFft2d() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  if (fwd_) fftwf_destroy_plan(static_cast<fftwf_plan>(fwd_));
  if (inv_) fftwf_destroy_plan(static_cast<fftwf_plan>(inv_));
}

void RealFft2d::forward(float* in, std::complex<float>* out) const {
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(fwd_), in, cx(out));
}
void RealFft2d::inverse(std::complex<float>* in, float* out) const {
  fftwf_execute_dft_c2r(static_cast<fftwf_plan>(inv_), cx(in), out);
}

ComplexFft2d::ComplexFft2d(int nx, int ny) : nx_(nx), ny_(ny) {
  if (nx < 1 || ny < 1) throw std::invalid_argument("FFT sizes must be positive");
  auto a = fft_complex_buffer(std::size_t(nx) * std::size_t(ny));
  auto b = fft_complex_buffer(std::size_t(nx) * std::size_t(ny));
  std::lock_guard<std::mutex> lock(planner_mutex());
  fwd_ = fftwf_plan_dft_2d(ny, nx, cx(a.get()), cx(b.get()), FFTW_FORWARD, FFTW_ESTIMATE);
  inv_ = fftwf_plan_dft_2d(ny, nx, cx(a.get()), cx(b.get()), FFTW_BACKWARD, FFTW_ESTIMATE);
  if (!fwd_ || !inv_) throw std::runtime_error("FFTW could not plan a " + std::to_string(nx) + "×" + std::to_string(ny) + " FFT");
}

ComplexFft2d::~ComplexFft2d() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  if (fwd_) fftwf_destroy_plan(static_cast<fftwf_plan>(fwd_));
  if (inv_) fftwf_destroy_plan(static_cast<fftwf_plan>(inv_));
}

void ComplexFft2d::forward(std::complex<float>* in, std::complex<float>* out) const {
  fftwf_execute_dft(static_cast<fftwf_plan>(fwd_), cx(in), cx(out));
}
void ComplexFft2d::inverse(std::complex<float>* in, std::complex<float>* out) const {
  fftwf_execute_dft(static_cast<fftwf_plan>(inv_), cx(in), cx(out));
}

}  // namespace mirflow::physics
