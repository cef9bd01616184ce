#pragma once
// Sinogram files: `x.npy` (float32, shape (views, bins), C order) with a JSON sidecar `x.json`
// holding the projection geometry (schema in docs/geometry.md). The pair belongs together: a
// sinogram whose sidecar is missing, unreadable or disagrees with the array's shape is refused.
#include <filesystem>

#include "mirflow_physics/sinogram.hpp"

namespace mirflow::physics {

// x.npy -> x.json
std::filesystem::path sidecar_path(const std::filesystem::path& npy);

// Reads the pair; InputError naming the file for every problem (missing sidecar, bad JSON,
// not float32 2-D, shape disagreeing with the sidecar, truncated data).
Sinogram read_sinogram(const std::filesystem::path& npy);
// Checks the pair without reading the data (headers only): the geometry, or InputError.
ProjectionGeometry check_sinogram_file(const std::filesystem::path& npy);

// Writes the sidecar, then the array, each to a temporary name (mirflow::AtomicFile); renames
// the sidecar and then the array into place, so that a reader (which starts from the .npy)
// never sees an array without its sidecar. `npy` must end in ".npy".
void write_sinogram(const Sinogram& sinogram, const std::filesystem::path& npy);
// The same to explicit file names (the caller renames them).
void write_sinogram_files(const Sinogram& sinogram, const std::filesystem::path& npy_file,
                          const std::filesystem::path& json_file);

}  // namespace mirflow::physics
