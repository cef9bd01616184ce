#include "mirflow_gan/model_file.hpp"

#include <mirflow/atomic_file.hpp>
#include <mirflow/error.hpp>

namespace mirflow::gan {

namespace {
const char* kMetaPrefix = "meta_";
}

void save_generator(const std::filesystem::path& file, Generator& generator,
                    const std::map<std::string, std::string>& metadata) {
  torch::serialize::OutputArchive archive;
  archive.write("mirflow_gan_format", torch::tensor(kModelFormat));
  archive.write("width", torch::tensor(generator->options().width));
  archive.write("levels", torch::tensor(generator->options().levels));
  std::string keys;
  for (const auto& [k, v] : metadata) {
    archive.write(kMetaPrefix + k, c10::IValue(v));
    keys += (keys.empty() ? "" : "\n") + k;
  }
  archive.write("meta_keys", c10::IValue(keys));
  torch::serialize::OutputArchive weights;
  generator->save(weights);
  archive.write("generator", weights);
  AtomicFile out(file);
  archive.save_to(out.temp_path().string());
  out.commit();
}

GeneratorFile load_generator(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) throw InputError(file.string() + ": model file not found");
  const std::string what = file.string() + ": not a mirflow GAN model file (format " + std::to_string(kModelFormat) +
                           ", LibTorch " + TORCH_VERSION + "): ";
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file.string());
    torch::Tensor format, width, levels;
    if (!archive.try_read("mirflow_gan_format", format)) throw InputError(what + "no mirflow_gan_format entry");
    if (format.item<std::int64_t>() != kModelFormat)
      throw InputError(what + "it has format " + std::to_string(format.item<std::int64_t>()));
    archive.read("width", width);
    archive.read("levels", levels);
    GeneratorFile out;
    out.generator = Generator(GeneratorOptions{width.item<std::int64_t>(), levels.item<std::int64_t>()});
    torch::serialize::InputArchive weights;
    archive.read("generator", weights);
    out.generator->load(weights);
    out.generator->eval();
    c10::IValue keys;
    archive.read("meta_keys", keys);
    std::string all = keys.toStringRef();
    for (std::size_t start = 0; start < all.size();) {
      std::size_t end = all.find('\n', start);
      if (end == std::string::npos) end = all.size();
      const std::string k = all.substr(start, end - start);
      c10::IValue v;
      archive.read(kMetaPrefix + k, v);
      out.metadata[k] = v.toStringRef();
      start = end + 1;
    }
    return out;
  } catch (const c10::Error& e) {
    throw InputError(what + e.what_without_backtrace());
  } catch (const std::invalid_argument& e) {
    throw InputError(what + e.what());
  }
}

}  // namespace mirflow::gan
