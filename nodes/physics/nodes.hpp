#pragma once
// The physics node family: CT forward models and sinogram files.
#include <filesystem>
#include <vector>

#include <mirflow/plugin.hpp>

#include "geometry_params.hpp"
#include "mirflow_physics/scanner_model.hpp"

namespace mirflow::physics {

// Image → sinogram (the discrete X-ray transform, Joseph's method).
class Project final : public Node {
 public:
  explicit Project(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  GeometryParams geometry_;
  bool hu_;
  ScannerModel scanner_;
};

// Sinogram → image, the exact adjoint of physics.project (not an inverse: see ir.fbp).
class Backproject final : public Node {
 public:
  explicit Backproject(const NodeConfig&) {}
  static NodeSpec spec();
  void process(Context& ctx) override;
};

// Source: sinogram .npy files with their .json sidecars.
class SinogramRead final : public Node {
 public:
  explicit SinogramRead(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::vector<std::filesystem::path> files_;
};

// Sink: writes each sinogram as .npy + .json (atomically, the pair complete or absent).
class SinogramWrite final : public Node {
 public:
  explicit SinogramWrite(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::filesystem::path pattern_;
  bool has_pattern_;
};

// Source: the modified Shepp–Logan phantom.
class Phantom final : public Node {
 public:
  explicit Phantom(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::int64_t nx_, ny_;
  double dx_, dy_, scale_;
  int oversample_;
};

// Source: seeded random head phantoms (HU or µ) with their tissue labels.
class RandomPhantomSource final : public Node {
 public:
  explicit RandomPhantomSource(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::int64_t nx_, ny_;
  double dx_;
  std::int64_t count_, first_;
  std::uint64_t seed_;
  int oversample_;
  bool hu_;
};

// HU ↔ µ, pixelwise (graphs that mix HU images with µ-based solvers).
class Units final : public Node {
 public:
  explicit Units(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  bool to_hu_;
};

}  // namespace mirflow::physics
