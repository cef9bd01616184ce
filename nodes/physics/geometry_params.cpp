#include "geometry_params.hpp"

#include <mirflow/error.hpp>

namespace mirflow::physics {

std::vector<ParamSpec> GeometryParams::specs() {
  return {
      ParamSpec::Choice("beam", {"parallel", "fan"}, "parallel", "beam geometry"),
      ParamSpec::Int("views", 180, "number of views, evenly spaced over angle_range").range(1, 100000),
      ParamSpec::Float("angle_start", 0.0, "angle of the first view (0°: rays along +y, docs/geometry.md)")
          .range(-3600, 3600).in_unit("deg"),
      ParamSpec::Float("angle_range", 0.0, "angular range covered by the views, end excluded (default 180° parallel, 360° fan)")
          .range(-3600, 3600).in_unit("deg").optional(),
      ParamSpec::FloatList("angles", {}, "explicit view angles (replaces views, angle_start, angle_range)").optional(),
      ParamSpec::Int("bins", 0, "detector bins (default: enough to cover the image's diagonal)").range(1, 1000000).optional(),
      ParamSpec::Float("bin_spacing", 0.0, "detector bin spacing (default: pixel size; fan: × magnification)")
          .range(1e-6, 1e6).in_unit("mm").optional(),
      ParamSpec::Float("detector_offset", 0.0, "detector shift along its axis; the isocentre projects at bin (bins−1)/2 − offset/bin_spacing")
          .range(-1e6, 1e6).in_unit("mm"),
      ParamSpec::Float("source_to_isocenter", 541.0, "fan beam: source to centre of rotation").range(1e-3, 1e7).in_unit("mm"),
      ParamSpec::Float("source_to_detector", 949.0, "fan beam: source to detector (middle)").range(1e-3, 1e7).in_unit("mm"),
      ParamSpec::Choice("detector", {"arc", "flat"}, "arc", "fan beam: equiangular arc or flat detector"),
      ParamSpec::Float("i0", 0.0, "incident photons per bin, recorded in the geometry for noise simulation")
          .range(1e-6, 1e15).optional(),
  };
}

GeometryParams::GeometryParams(const Params& p)
    : beam_(beam_from_name(p.get_string("beam"))),
      views_(p.get_int("views")),
      angle_start_(p.get_float("angle_start")),
      offset_(p.get_float("detector_offset")),
      dso_(p.get_float("source_to_isocenter")),
      dsd_(p.get_float("source_to_detector")),
      detector_(detector_shape_from_name(p.get_string("detector"))) {
  if (p.has("angles")) {
    angles_ = p.get_floats("angles");
    if (angles_.empty()) throw InputError("parameter 'angles' is an empty list");
  }
  if (p.has("angle_range")) angle_range_ = p.get_float("angle_range");
  if (p.has("bins")) bins_ = p.get_int("bins");
  if (p.has("bin_spacing")) bin_spacing_ = p.get_float("bin_spacing");
  if (p.has("i0")) i0_ = p.get_float("i0");
  if (beam_ == Beam::Fan && dsd_ <= dso_)
    throw InputError("source_to_detector (" + std::to_string(dsd_) + " mm) must exceed source_to_isocenter (" +
                     std::to_string(dso_) + " mm)");
}

ProjectionGeometry GeometryParams::for_image(std::int64_t nx, std::int64_t ny, double dx, double dy,
                                             const std::string& where) const {
  ProjectionGeometry g;
  g.beam = beam_;
  g.angles_deg = !angles_.empty() ? angles_
                                  : angle_span(angle_start_, angle_range_.value_or(beam_ == Beam::Parallel ? 180.0 : 360.0), views_);
  g.detector_offset = offset_;
  if (beam_ == Beam::Fan) {
    g.source_to_isocenter = dso_;
    g.source_to_detector = dsd_;
    g.detector = detector_;
  }
  g.image_nx = nx, g.image_ny = ny, g.pixel_dx = dx, g.pixel_dy = dy;
  g.i0 = i0_;
  g.bin_spacing = bin_spacing_ ? *bin_spacing_ : default_bin_spacing(g);
  g.bins = bins_ ? *bins_ : default_bins(g);
  g.validate(where);
  return g;
}

}  // namespace mirflow::physics
