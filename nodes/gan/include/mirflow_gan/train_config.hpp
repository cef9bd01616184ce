#pragma once
// The training file (`mirflow train file.toml`): [data], [model], [loss] and [train] tables.
// Relative paths resolve against the file's folder; unknown keys and wrong types are errors with
// file:line:column. `overrides` are `table.key=value` (a TOML value) applied before reading.
#include <filesystem>
#include <string>
#include <vector>

#include "mirflow_gan/ct_pairs.hpp"
#include "mirflow_gan/mri_pairs.hpp"
#include "mirflow_gan/trainer.hpp"

namespace mirflow::gan {

struct TrainConfig {
  std::string kind;  // "mri_rician" or "ct_lowdose"
  MriPairOptions mri;  // kind mri_rician
  CtPairOptions ct;    // kind ct_lowdose
  TrainOptions train;
};

TrainConfig read_train_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

}  // namespace mirflow::gan
