#include "mirflow_gan/trainer.hpp"

#include <cmath>
#include <cstdio>

#include <mirflow/atomic_file.hpp>
#include <mirflow/error.hpp>

#include "mirflow_gan/intensity.hpp"
#include "mirflow_gan/losses.hpp"
#include "mirflow_gan/model_file.hpp"

namespace mirflow::gan {

namespace {
torch::optim::AdamOptions adam(double lr) {
  // β1 = 0.5, β2 = 0.999: the usual choice for GANs (momentum 0.9 oscillates against the critic).
  return torch::optim::AdamOptions(lr).betas({0.5, 0.999});
}
void set_lr(torch::optim::Adam& opt, double lr) {
  for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}
}  // namespace

Trainer::Trainer(TrainOptions o, PairSource& data) : o_(std::move(o)), data_(data) {
  if (o_.iterations < 1 || o_.batch < 1 || o_.accumulate < 1 || o_.patches.empty())
    throw InputError("training: iterations, batch and accumulate must be >= 1 and patches non-empty");
  if (o_.threads > 0) at::set_num_threads(o_.threads);
  torch::manual_seed(o_.seed);
  g_ = Generator(o_.generator);
  ema_ = Generator(o_.generator);
  copy_weights(*ema_, *g_);
  for (auto& p : ema_->parameters()) p.requires_grad_(false);
  d_ = Discriminator(o_.critic);
  opt_g_ = std::make_unique<torch::optim::Adam>(g_->parameters(), adam(o_.lr_generator));
  opt_d_ = std::make_unique<torch::optim::Adam>(d_->parameters(), adam(o_.lr_critic));
  if (!o_.perceptual.empty()) perceptual_ = PerceptualLoss(o_.perceptual);
}

std::int64_t Trainer::patch_size(std::int64_t step) const {
  const auto n = static_cast<std::int64_t>(o_.patches.size());
  return o_.patches[static_cast<std::size_t>(std::min(n - 1, step * n / o_.iterations))];
}

double Trainer::learning_rate_factor(std::int64_t step) const {
  double period = static_cast<double>(o_.restart_period), t = static_cast<double>(step);
  while (t >= period) {
    t -= period;
    period *= o_.restart_mult;
  }
  return o_.lr_min_fraction + (1 - o_.lr_min_fraction) * 0.5 * (1 + std::cos(M_PI * t / period));
}

void Trainer::set_learning_rates() {
  const double f = learning_rate_factor(step_);
  set_lr(*opt_g_, o_.lr_generator * f);
  set_lr(*opt_d_, o_.lr_critic * f);
}

bool Trainer::critic_needed() const {
  return o_.weights.adversarial > 0 || (o_.weights.perceptual > 0 && o_.perceptual.empty());
}

StepLosses Trainer::step() {
  set_learning_rates();
  g_->train();
  d_->train();
  const std::int64_t patch = patch_size(step_);
  const double k = static_cast<double>(o_.accumulate);
  std::vector<Batch> batches;
  for (std::int64_t i = 0; i < o_.accumulate; ++i)
    batches.push_back(data_.batch(step_ * o_.accumulate + i, o_.batch, patch));
  torch::Generator gen = seeded_generator(o_.seed, 2, static_cast<std::uint64_t>(step_));
  StepLosses out;

  if (critic_needed()) {
    opt_d_->zero_grad();
    for (const Batch& b : batches) {
      torch::Tensor fake;
      {
        torch::NoGradGuard no_grad;
        fake = g_->forward(b.noisy);
      }
      const torch::Tensor wasserstein = d_->forward(fake).score().mean() - d_->forward(b.clean).score().mean();
      const torch::Tensor gp = gradient_penalty(d_, b.clean, fake, torch::rand({b.clean.size(0)}, gen));
      ((wasserstein + o_.weights.gradient_penalty * gp) / k).backward();
      out.critic += wasserstein.item<double>() / k;
      out.gradient_penalty += gp.item<double>() / k;
    }
    opt_d_->step();
  }

  opt_g_->zero_grad();
  const LossWeights& w = o_.weights;
  for (const Batch& b : batches) {
    const torch::Tensor fake = g_->forward(b.noisy);
    torch::Tensor loss = torch::zeros({});
    auto term = [&](double weight, const std::function<torch::Tensor()>& f, double& record) {
      if (weight <= 0) return;
      const torch::Tensor v = f();
      record += v.item<double>() / k;
      loss = loss + weight * v;
    };
    term(w.adversarial, [&] { return -d_->forward(fake).score().mean(); }, out.adversarial);
    term(w.perceptual, [&] { return perceptual_(fake, b.clean, d_); }, out.perceptual);
    term(w.ssim, [&] { return ssim_loss(fake, b.clean, 2.0); }, out.ssim);
    term(w.tv, [&] { return tv_loss(fake); }, out.tv);
    term(w.l1, [&] { return torch::l1_loss(fake, b.clean); }, out.l1);
    (loss / k).backward();
    out.generator += loss.item<double>() / k;
  }
  opt_g_->step();
  ++step_;
  update_ema();
  return out;
}

void Trainer::update_ema() {
  // Warm-up: early averages would otherwise be dominated by the random initial weights.
  const double t = static_cast<double>(step_);
  const double decay = std::min(o_.ema, (1 + t) / (10 + t));
  torch::NoGradGuard no_grad;
  auto dst = ema_->named_parameters(true), src = g_->named_parameters(true);
  for (auto& p : dst) p.value().mul_(decay).add_(src[p.key()], 1 - decay);
}

Scores Trainer::validate(bool use_ema) {
  Generator& net = use_ema ? ema_ : g_;
  net->eval();
  torch::NoGradGuard no_grad;
  Scores s;
  const auto& slices = data_.validation();
  for (const ValidationSlice& v : slices) {
    const SliceRange r = slice_range(v.noisy);
    const torch::Tensor out = from_unit(net->forward(to_unit(v.noisy, r)), r);
    s.psnr_noisy += psnr(v.noisy, v.clean, v.data_range);
    s.psnr += psnr(out, v.clean, v.data_range);
    s.ssim_noisy += ssim(v.noisy, v.clean, v.data_range).item<double>();
    s.ssim += ssim(out, v.clean, v.data_range).item<double>();
  }
  const double n = std::max<double>(1, static_cast<double>(slices.size()));
  s.psnr_noisy /= n;
  s.psnr /= n;
  s.ssim_noisy /= n;
  s.ssim /= n;
  net->train();
  return s;
}

torch::Tensor Trainer::architecture() const {
  return torch::tensor({o_.generator.width, o_.generator.levels, o_.critic.width});
}

void Trainer::save_checkpoint(const std::filesystem::path& file) {
  torch::serialize::OutputArchive a, g, e, d, og, od;
  a.write("step", torch::tensor(step_));
  a.write("architecture", architecture());
  g_->save(g);
  ema_->save(e);
  d_->save(d);
  opt_g_->save(og);
  opt_d_->save(od);
  a.write("generator", g);
  a.write("ema", e);
  a.write("critic", d);
  a.write("opt_generator", og);
  a.write("opt_critic", od);
  AtomicFile out(file);
  a.save_to(out.temp_path().string());
  out.commit();
}

void Trainer::load_checkpoint(const std::filesystem::path& file) {
  try {
    torch::serialize::InputArchive a, g, e, d, og, od;
    a.load_from(file.string());
    torch::Tensor step, arch;
    a.read("step", step);
    a.read("architecture", arch);
    // Module::load would adopt tensors of another shape and fail later inside a convolution.
    if (!torch::equal(arch, architecture()))
      throw InputError(file.string() + ": checkpoint of another architecture (width, levels, critic width " +
                       c10::str(arch) + "; this training file asks for " + c10::str(architecture()) +
                       "): delete it or set train.resume = false");
    a.read("generator", g);
    a.read("ema", e);
    a.read("critic", d);
    a.read("opt_generator", og);
    a.read("opt_critic", od);
    g_->load(g);
    ema_->load(e);
    d_->load(d);
    opt_g_->load(og);
    opt_d_->load(od);
    step_ = step.item<std::int64_t>();
  } catch (const c10::Error& err) {
    throw InputError(file.string() + ": not a checkpoint of this training configuration (" +
                     err.what_without_backtrace() + ")");
  }
}

Scores Trainer::run(std::ostream& log) {
  if (o_.resume && !o_.checkpoint.empty() && std::filesystem::exists(o_.checkpoint)) {
    load_checkpoint(o_.checkpoint);
    log << "resumed from " << o_.checkpoint.string() << " at step " << step_ << "\n";
  }
  log << "data: " << data_.describe() << "\nperceptual loss: " << perceptual_.describe() << "\n";
  const auto start = std::chrono::steady_clock::now();
  const std::int64_t first = step_;
  StepLosses avg;
  std::int64_t in_avg = 0;
  Scores scores;
  char line[512];
  while (step_ < o_.iterations) {
    const StepLosses l = step();
    avg.critic += l.critic, avg.gradient_penalty += l.gradient_penalty, avg.generator += l.generator;
    avg.adversarial += l.adversarial, avg.perceptual += l.perceptual, avg.ssim += l.ssim, avg.tv += l.tv;
    avg.l1 += l.l1;
    ++in_avg;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (step_ % o_.progress_every == 0 || step_ == o_.iterations) {
      const double n = static_cast<double>(in_avg);
      std::snprintf(line, sizeof line,
                    "[%6lld/%lld] patch %lld lr×%.3f | critic %+.4f gp %.4f | gen %.4f = adv %+.4f perc %.4f ssim %.4f "
                    "tv %.4f l1 %.4f | %.2f it/s",
                    static_cast<long long>(step_), static_cast<long long>(o_.iterations),
                    static_cast<long long>(patch_size(step_ - 1)), learning_rate_factor(step_ - 1), avg.critic / n,
                    avg.gradient_penalty / n, avg.generator / n, avg.adversarial / n, avg.perceptual / n, avg.ssim / n,
                    avg.tv / n, avg.l1 / n, static_cast<double>(step_ - first) / secs);
      log << line << std::endl;
      avg = {};
      in_avg = 0;
    }
    if (step_ % o_.validate_every == 0 || step_ == o_.iterations) {
      scores = validate(true);
      std::snprintf(line, sizeof line, "         validation (EMA): PSNR %.2f dB (noisy %.2f)  SSIM %.4f (noisy %.4f)",
                    scores.psnr, scores.psnr_noisy, scores.ssim, scores.ssim_noisy);
      log << line << std::endl;
    }
    if (!o_.checkpoint.empty() && (step_ % o_.checkpoint_every == 0 || step_ == o_.iterations))
      save_checkpoint(o_.checkpoint);
  }
  if (step_ == first) scores = validate(true);  // resumed at the end: nothing trained, still score it
  if (!o_.output.empty()) {
    auto meta = o_.metadata;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    meta["iterations"] = std::to_string(step_);
    meta["train_seconds_this_run"] = std::to_string(secs);
    meta["data"] = data_.describe();
    meta["perceptual"] = perceptual_.describe();
    std::snprintf(line, sizeof line, "PSNR %.2f dB (noisy %.2f), SSIM %.4f (noisy %.4f)", scores.psnr,
                  scores.psnr_noisy, scores.ssim, scores.ssim_noisy);
    meta["validation"] = line;
    save_generator(o_.output, ema_, meta);
    log << "wrote " << o_.output.string() << "\n";
  }
  return scores;
}

}  // namespace mirflow::gan
