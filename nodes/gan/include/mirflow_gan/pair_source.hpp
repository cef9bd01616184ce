#pragma once
// Where training pairs come from: batches of (noisy, clean) patches in [−1, 1] made on the fly,
// and fixed validation slices in the image's own units.
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mirflow::gan {

struct Batch {
  torch::Tensor noisy, clean;  // N×1×p×p, both mapped by the noisy slice's range
};

struct ValidationSlice {
  std::string name;
  torch::Tensor noisy, clean;  // 1×1×H×W, image units
  double data_range = 1;       // for PSNR/SSIM: the clean volume's maximum
};

class PairSource {
 public:
  virtual ~PairSource() = default;
  // The batch of optimisation step `step` (a pure function of the source's seed and `step`, so a
  // resumed run sees the same pairs as an uninterrupted one).
  virtual Batch batch(std::int64_t step, std::int64_t size, std::int64_t patch) = 0;
  virtual const std::vector<ValidationSlice>& validation() const = 0;
  virtual std::string describe() const = 0;
};

// A CPU generator seeded by (seed, stream, step), independent of everything else.
torch::Generator seeded_generator(std::uint64_t seed, std::uint64_t stream, std::uint64_t step);

}  // namespace mirflow::gan
