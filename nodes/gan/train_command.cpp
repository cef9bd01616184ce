// `mirflow train FILE.toml [--set table.key=value]...`: trains a GAN denoiser as the file says.
#include <iostream>
#include <memory>

#include <mirflow/error.hpp>

#include "mirflow_gan/ct_pairs.hpp"
#include "mirflow_gan/mri_pairs.hpp"
#include "mirflow_gan/train_config.hpp"
#include "nodes.hpp"

namespace mirflow::gan {

int run_train_command(const Registry& registry, const std::vector<std::string>& args) {
  std::filesystem::path file;
  std::vector<std::string> overrides;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--set" && i + 1 < args.size()) {
      overrides.push_back(args[++i]);
    } else if (args[i] == "-h" || args[i] == "--help") {
      std::cout << "usage: mirflow train FILE.toml [--set table.key=value]...\n"
                   "Trains the gan.denoise generator (WGAN-GP); see docs/gan.md, graphs/train_gan_mri.toml and graphs/train_gan_ct.toml.\n";
      return 0;
    } else if (file.empty() && args[i].rfind("--", 0) != 0) {
      file = args[i];
    } else {
      std::cerr << "mirflow train: unexpected argument '" << args[i] << "'\n";
      return 2;
    }
  }
  if (file.empty()) {
    std::cerr << "mirflow train: missing the training file (usage: mirflow train FILE.toml [--set table.key=value]...)\n";
    return 2;
  }
  try {
    TrainConfig config = read_train_config(file, overrides);
    config.train.metadata["command"] = "mirflow train " + file.string();
    for (const auto& o : overrides) config.train.metadata["command"] += " --set " + o;
    std::unique_ptr<PairSource> data;
    if (config.kind == "ct_lowdose") data = std::make_unique<CtPairs>(registry, config.ct);
    else data = std::make_unique<MriPairs>(registry, config.mri);
    Trainer trainer(config.train, *data);
    trainer.run(std::cerr);
    return 0;
  } catch (const InputError& e) {
    std::cerr << "mirflow: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mirflow: error: training failed: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace mirflow::gan
