#pragma once
// Complex images (MRI k-space and complex MR images).
//
// A complex nx×ny image is a 2-D float32 Image of (2·nx)×ny floats: each row holds nx
// interleaved (re, im) pairs, the memory layout of std::complex<float> and of a NumPy
// complex64 array of shape (ny, nx) in C order. Its metadata carries
// kComplexKey = "interleaved" so that nodes and writers can tell it from a real image of twice
// the width; geometry().spacing[0] is the spacing of complex pixels (not of floats).
#include <complex>
#include <cstdint>

#include <mirflow/image.hpp>

namespace mirflow::physics {

inline constexpr const char* kComplexKey = "mirflow.complex";
inline constexpr const char* kComplexInterleaved = "interleaved";

Image allocate_complex(std::int64_t nx, std::int64_t ny);
bool is_complex(const Image& im);                        // carries the tag
std::int64_t complex_nx(const Image& im);                // nx() / 2
std::complex<float>* complex_data(const Image& im);      // contiguous float32 image
Image to_complex(const Image& real);                     // imaginary part 0
Image real_part(const Image& complex_image);             // float32 nx×ny
Image imag_part(const Image& complex_image);
Image magnitude(const Image& complex_image);             // |z|

}  // namespace mirflow::physics
