#pragma once
// Where the rays of a CT scan go. docs/geometry.md states every convention precisely; in short:
//  - image frame: pixel (i, j) sits at x = (i − (nx−1)/2)·dx, y = (j − (ny−1)/2)·dy (mm), the
//    image centre is the isocentre (centre of rotation); x is the column index direction, y the
//    row index direction of the image (row j = 0 first in memory).
//  - view angle θ (degrees): detector axis n = (cos θ, sin θ), ray direction d = (−sin θ, cos θ);
//    at θ = 0 the rays travel along +y and the detector coordinate is x. Increasing θ turns
//    n from +x towards +y.
//  - parallel beam: the ray of bin k is the line {p : p·n = u_k}.
//  - fan beam: the source sits at −D_so·d; the detector middle at (D_sd − D_so)·d;
//    flat detector: bin k at the point (D_sd − D_so)·d + u_k·n;
//    arc detector (equiangular): bin k at fan angle γ_k = u_k / D_sd, ray direction cos γ·d + sin γ·n.
//  - bin positions: u_k = detector_offset + (k − (bins−1)/2)·bin_spacing (mm; on the arc, arc length).
//  - sinogram: views × bins float32 array, row = view, values are line integrals (µ·length).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mirflow_physics/operator.hpp"

namespace mirflow::physics {

enum class Beam { Parallel, Fan };
enum class DetectorShape { Flat, Arc };

const char* beam_name(Beam b);                       // "parallel", "fan"
const char* detector_shape_name(DetectorShape d);    // "flat", "arc"
Beam beam_from_name(const std::string& name);        // throws InputError
DetectorShape detector_shape_from_name(const std::string& name);

struct ProjectionGeometry {
  Beam beam = Beam::Parallel;
  std::vector<double> angles_deg;         // one per view, degrees
  std::int64_t bins = 0;                  // detector bins
  double bin_spacing = 1.0;               // mm, at the detector (arc: arc length on radius D_sd)
  double detector_offset = 0.0;           // mm: u of the detector middle; the isocentre projects
                                          // at bin (bins−1)/2 − detector_offset/bin_spacing
  double source_to_isocenter = 0.0;       // mm (fan beam): D_so
  double source_to_detector = 0.0;        // mm (fan beam): D_sd
  DetectorShape detector = DetectorShape::Flat;  // fan beam only
  std::int64_t image_nx = 0, image_ny = 0;       // the image the sinogram belongs to
  double pixel_dx = 1.0, pixel_dy = 1.0;         // mm
  std::optional<double> i0;               // incident photons per bin (for noise simulation), if known

  std::int64_t views() const { return static_cast<std::int64_t>(angles_deg.size()); }
  // u (mm) of a fractional bin index, and its inverse.
  double bin_position(double k) const { return detector_offset + (k - 0.5 * double(bins - 1)) * bin_spacing; }
  double bin_index(double u) const { return (u - detector_offset) / bin_spacing + 0.5 * double(bins - 1); }
  // Fan angle of bin k (fan beam; radians).
  double fan_angle(double k) const;
  // Half the image diagonal (mm): every pixel lies within this radius of the isocentre.
  double image_radius() const;

  Space image_space() const;     // centred image grid
  Space sinogram_space() const;  // nx = bins, ny = views; spacing (bin_spacing, 1), origin (u_0, 0)

  // Throws InputError (naming `where`, e.g. a file or node) when the geometry is unusable:
  // no views, no bins, non-positive spacings or sizes, fan distances missing, the source
  // inside the image circle, a fan wider than 180°.
  void validate(const std::string& where = "projection geometry") const;

  // The sidecar JSON (docs/geometry.md) and back; from_json throws InputError naming `where`.
  std::string to_json() const;
  static ProjectionGeometry from_json(const std::string& text, const std::string& where);

  bool operator==(const ProjectionGeometry&) const = default;
};

// `count` angles start, start + step, ... (degrees).
std::vector<double> angle_list(double start_deg, double step_deg, std::int64_t count);
// `count` angles evenly covering [start, start + range) (degrees).
std::vector<double> angle_span(double start_deg, double range_deg, std::int64_t count);

// Defaults that make a geometry cover its image: the bin spacing is the smaller pixel size
// (fan beam: times the magnification D_sd/D_so), and the detector is wide enough for every
// ray through the image's circumscribed circle (parallel beam: ceil(diagonal / bin_spacing)).
double default_bin_spacing(const ProjectionGeometry& g);
std::int64_t default_bins(const ProjectionGeometry& g);

}  // namespace mirflow::physics
