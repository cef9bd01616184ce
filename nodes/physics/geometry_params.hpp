#pragma once
// The projection-geometry parameters of physics.project, declared once (schema) and read once.
#include <optional>
#include <vector>

#include <mirflow/node.hpp>

#include "mirflow_physics/projection_geometry.hpp"

namespace mirflow::physics {

class GeometryParams {
 public:
  static std::vector<ParamSpec> specs();
  // Reads validated parameters; InputError for combinations the schema cannot express.
  explicit GeometryParams(const Params& p);
  // The geometry for an image of nx×ny pixels of dx×dy mm (defaults filled in, validated;
  // InputError naming `where`).
  ProjectionGeometry for_image(std::int64_t nx, std::int64_t ny, double dx, double dy, const std::string& where) const;

 private:
  Beam beam_;
  std::vector<double> angles_;  // explicit list, or empty
  std::int64_t views_;
  double angle_start_;
  std::optional<double> angle_range_, bin_spacing_, i0_;
  std::optional<std::int64_t> bins_;
  double offset_, dso_, dsd_;
  DetectorShape detector_;
};

}  // namespace mirflow::physics
