#include "mirflow_ir/planes.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "float_memory.hpp"
#include "mirflow_ir/regulariser.hpp"

namespace mirflow::ir {

using physics::Space;

int plane_count(const Space& variable, const Space& image) {
  if (variable.complex || image.complex || variable.nx != image.nx || image.ny < 1 || variable.ny % image.ny != 0)
    throw std::invalid_argument("planes: the variable " + variable.describe() + " is not a stack of " + image.describe() +
                                " planes");
  return int(variable.ny / image.ny);
}

Image plane_view(const Image& v, const Space& image, int first, int count) {
  const std::size_t offset = static_cast<std::size_t>(static_cast<const char*>(v.raw()) -
                                                      static_cast<const char*>(v.storage()->data())) +
                             std::size_t(first) * std::size_t(image.size()) * sizeof(float);
  Image out = Image::view(v.storage(), offset, DType::F32, {image.nx, image.ny * count, 1}, 2);
  out.geometry().spacing = {image.spacing[0], image.spacing[1], 1.0};
  out.geometry().origin = {image.origin[0], image.origin[1], 0.0};
  return out;
}

namespace {
void check_range(const char* who, const Space& variable, const Space& image, int first, int count) {
  const int planes = plane_count(variable, image);
  if (first < 0 || count < 1 || first + count > planes)
    throw std::invalid_argument(std::string(who) + ": planes " + std::to_string(first) + "…" +
                                std::to_string(first + count - 1) + " outside a variable of " + std::to_string(planes) +
                                " planes");
}

// Zero everything outside planes first … first+count−1 of a variable-shaped image.
void zero_outside(const Image& v, std::int64_t plane, int first, int count, std::int64_t total) {
  float* p = v.data<float>();
  detail::fill_floats(v.device(), p, first * plane, 0.f);
  const std::int64_t end = (first + count) * plane;
  detail::fill_floats(v.device(), p + end, total - end, 0.f);
}
}  // namespace

PlaneSelector::PlaneSelector(Space variable, Space image, int first, int count)
    : variable_(variable), image_(image), first_(first), count_(count) {
  check_range("plane_selector", variable, image, first, count);
  range_ = image;
  range_.ny = image.ny * count;
}

void PlaneSelector::apply_into(const Image& v, const Image& y) const {
  detail::copy_floats(y.device(), y.data<float>(), v.data<float>() + first_ * image_.size(), range_.size());
}

void PlaneSelector::adjoint_into(const Image& y, const Image& v) const {
  zero_outside(v, image_.size(), first_, count_, variable_.size());
  detail::copy_floats(v.device(), v.data<float>() + first_ * image_.size(), y.data<float>(), range_.size());
}

bool PlaneSelector::normal_diagonal(const Image& W, const Image& d) const {
  zero_outside(d, image_.size(), first_, count_, variable_.size());
  float* p = d.data<float>() + first_ * image_.size();
  if (W.empty()) detail::fill_floats(d.device(), p, range_.size(), 1.f);
  else detail::copy_floats(d.device(), p, W.data<float>(), range_.size());
  return true;
}

std::shared_ptr<const physics::LinearOperator> plane_selector(const Space& variable, const Space& image, int first,
                                                              int count) {
  return std::make_shared<PlaneSelector>(variable, image, first, count);
}

OnPlanes::OnPlanes(std::shared_ptr<const physics::LinearOperator> K, Space variable, Space image, int first)
    : K_(std::move(K)), variable_(variable), image_(image), first_(first) {
  if (!K_) throw std::invalid_argument("on_planes: no operator");
  const Space d = K_->domain();
  if (d.complex || d.nx != image.nx || d.ny % image.ny != 0)
    throw std::invalid_argument("on_planes: " + K_->name() + "'s domain " + d.describe() + " is not a stack of " +
                                image.describe() + " planes");
  count_ = int(d.ny / image.ny);
  check_range(("on_planes(" + K_->name() + ")").c_str(), variable, image, first, count_);
}

void OnPlanes::apply_into(const Image& v, const Image& y) const {
  K_->apply_into(plane_view(v, image_, first_, count_), y);
}

void OnPlanes::adjoint_into(const Image& y, const Image& v) const {
  zero_outside(v, image_.size(), first_, count_, variable_.size());
  K_->adjoint_into(y, plane_view(v, image_, first_, count_));
}

bool OnPlanes::normal_diagonal(const Image& W, const Image& d) const {
  if (!K_->normal_diagonal(W, plane_view(d, image_, first_, count_))) return false;
  zero_outside(d, image_.size(), first_, count_, variable_.size());
  return true;
}

std::shared_ptr<const physics::LinearOperator> on_planes(std::shared_ptr<const physics::LinearOperator> K,
                                                         const Space& variable, const Space& image, int first) {
  if (first == 0 && K->domain() == variable) return K;
  return std::make_shared<OnPlanes>(std::move(K), variable, image, first);
}

}  // namespace mirflow::ir
