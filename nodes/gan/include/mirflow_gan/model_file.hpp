#pragma once
// Model files: one LibTorch archive (torch::serialize, LibTorch 1.13) holding the generator's
// architecture (width, levels), its weights (the EMA weights after training) and text metadata.
// Written through mirflow::AtomicFile, so a failed save leaves no partial file.
#include <filesystem>
#include <map>
#include <string>

#include "mirflow_gan/generator.hpp"

namespace mirflow::gan {

inline constexpr std::int64_t kModelFormat = 1;

struct GeneratorFile {
  Generator generator{nullptr};
  std::map<std::string, std::string> metadata;
};

void save_generator(const std::filesystem::path& file, Generator& generator,
                    const std::map<std::string, std::string>& metadata = {});
// Throws mirflow::InputError naming the file when it is missing, unreadable, corrupt or not a
// mirflow GAN model. The generator comes back in eval mode.
GeneratorFile load_generator(const std::filesystem::path& file);

}  // namespace mirflow::gan
