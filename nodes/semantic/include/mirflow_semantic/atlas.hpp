#pragma once
// The offline atlas provider: a label volume (an atlas registered to the image) and a priority
// per label give M directly: M(x) = priority(label(x)).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "mirflow_semantic/semantic_map.hpp"

namespace mirflow::semantic {

struct AtlasOptions {
  std::map<std::int64_t, double> priorities;  // label -> priority in [0, 1]
  double default_priority = 0.5;              // labels > 0 not listed
  double background_priority = 0.0;           // label 0
  std::map<std::int64_t, std::string> names;  // label -> name for the regions ("label 17" if absent)
  Texture texture = Texture::Texture;         // texture class given to every region
};

// Reads an atlas name list: lines "<label> <name> [anything]" (mricron's aal.txt style);
// blank lines and lines starting with '#' are skipped. Throws InputError naming the file and line.
std::map<std::int64_t, std::string> read_label_names(const std::filesystem::path& file);

// Labels are rounded to integers (float label images happen). One region per label present
// whose priority is positive, boxed over all its voxels in x and y. Throws std::invalid_argument
// for a non-CPU image.
SemanticMap atlas_map(const Image& labels, const AtlasOptions& options);

}  // namespace mirflow::semantic
