#pragma once
// CT units. Sinogram values are line integrals of the linear attenuation coefficient µ: µ in
// 1/mm times length in mm, dimensionless. Images from FBP are µ in 1/mm. Hounsfield units:
//   HU = 1000·(µ − µ_water)/µ_water,  µ = µ_water·(1 + HU/1000),  µ_water = 0.0192 /mm
// (the project's convention, docs/data.md; air −1000 HU ↦ µ = 0).
#include <mirflow/image.hpp>

namespace mirflow::physics {

inline constexpr double kMuWater = 0.0192;  // 1/mm

constexpr double hu_to_mu(double hu, double mu_water = kMuWater) { return mu_water * (1.0 + hu / 1000.0); }
constexpr double mu_to_hu(double mu, double mu_water = kMuWater) { return 1000.0 * (mu - mu_water) / mu_water; }

// Pixelwise conversions into new float32 images (geometry and metadata kept).
Image hu_to_mu(const Image& hu, double mu_water = kMuWater);
Image mu_to_hu(const Image& mu, double mu_water = kMuWater);

}  // namespace mirflow::physics
