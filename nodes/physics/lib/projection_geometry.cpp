#include "mirflow_physics/projection_geometry.hpp"

#include <cmath>
#include <numbers>
#include <sstream>

#include <nlohmann/json.hpp>

#include <mirflow/error.hpp>

namespace mirflow::physics {

using nlohmann::json;

const char* beam_name(Beam b) { return b == Beam::Parallel ? "parallel" : "fan"; }
const char* detector_shape_name(DetectorShape d) { return d == DetectorShape::Flat ? "flat" : "arc"; }

Beam beam_from_name(const std::string& name) {
  if (name == "parallel") return Beam::Parallel;
  if (name == "fan") return Beam::Fan;
  throw InputError("unknown beam '" + name + "' (expected parallel or fan)");
}

DetectorShape detector_shape_from_name(const std::string& name) {
  if (name == "flat") return DetectorShape::Flat;
  if (name == "arc") return DetectorShape::Arc;
  throw InputError("unknown detector shape '" + name + "' (expected flat or arc)");
}

double ProjectionGeometry::fan_angle(double k) const {
  const double u = bin_position(k);
  return detector == DetectorShape::Arc ? u / source_to_detector : std::atan(u / source_to_detector);
}

double ProjectionGeometry::image_radius() const {
  return 0.5 * std::hypot(double(image_nx) * pixel_dx, double(image_ny) * pixel_dy);
}

Space ProjectionGeometry::image_space() const { return centred_space(image_nx, image_ny, pixel_dx, pixel_dy); }

Space ProjectionGeometry::sinogram_space() const {
  Space s;
  s.nx = bins, s.ny = views();
  s.spacing = {bin_spacing, 1.0};
  s.origin = {bin_position(0), 0.0};
  return s;
}

void ProjectionGeometry::validate(const std::string& where) const {
  auto fail = [&](const std::string& what) { throw InputError(where + ": " + what); };
  if (angles_deg.empty()) fail("the geometry has no views");
  for (double a : angles_deg)
    if (!std::isfinite(a)) fail("a view angle is not a finite number");
  if (bins < 1) fail("the detector needs at least one bin (bins = " + std::to_string(bins) + ")");
  if (!(bin_spacing > 0) || !std::isfinite(bin_spacing)) fail("bin_spacing must be positive (mm)");
  if (!std::isfinite(detector_offset)) fail("detector_offset must be finite (mm)");
  if (image_nx < 1 || image_ny < 1) fail("the image size must be positive");
  if (!(pixel_dx > 0) || !(pixel_dy > 0) || !std::isfinite(pixel_dx) || !std::isfinite(pixel_dy))
    fail("pixel sizes must be positive (mm)");
  if (i0 && !(*i0 > 0)) fail("i0 must be positive");
  if (beam == Beam::Fan) {
    if (!(source_to_isocenter > 0) || !(source_to_detector > 0))
      fail("fan beam needs positive source_to_isocenter and source_to_detector distances (mm)");
    if (source_to_detector <= source_to_isocenter)
      fail("source_to_detector (" + std::to_string(source_to_detector) + " mm) must exceed source_to_isocenter (" +
           std::to_string(source_to_isocenter) + " mm)");
    if (image_radius() >= source_to_isocenter)
      fail("the source (" + std::to_string(source_to_isocenter) + " mm from the isocentre) lies inside the image's circle (radius " +
           std::to_string(image_radius()) + " mm); increase source_to_isocenter");
    const double gmax = std::max(std::abs(fan_angle(0)), std::abs(fan_angle(double(bins - 1))));
    if (detector == DetectorShape::Arc && gmax >= 0.5 * std::numbers::pi)
      fail("the arc detector spans a fan angle of 180° or more");
  }
}

std::vector<double> angle_list(double start_deg, double step_deg, std::int64_t count) {
  std::vector<double> a(static_cast<std::size_t>(std::max<std::int64_t>(count, 0)));
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = start_deg + double(i) * step_deg;
  return a;
}

std::vector<double> angle_span(double start_deg, double range_deg, std::int64_t count) {
  return angle_list(start_deg, count > 0 ? range_deg / double(count) : 0.0, count);
}

double default_bin_spacing(const ProjectionGeometry& g) {
  const double p = std::min(g.pixel_dx, g.pixel_dy);
  if (g.beam == Beam::Parallel) return p;
  return p * g.source_to_detector / g.source_to_isocenter;
}

std::int64_t default_bins(const ProjectionGeometry& g) {
  const double r = g.image_radius();
  if (g.beam == Beam::Parallel) return std::max<std::int64_t>(1, std::int64_t(std::ceil(2.0 * r / g.bin_spacing)));
  // Fan: the half fan angle that sees the whole circle of radius r, on the detector.
  const double gamma = std::asin(std::min(1.0, r / g.source_to_isocenter));
  const double half = g.detector == DetectorShape::Arc ? g.source_to_detector * gamma : g.source_to_detector * std::tan(gamma);
  return std::max<std::int64_t>(1, 2 * std::int64_t(std::ceil(half / g.bin_spacing)) + 1);
}

// ---- JSON sidecar --------------------------------------------------------------------------

std::string ProjectionGeometry::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = "mirflow.sinogram";
  j["version"] = 1;
  j["shape"] = {views(), bins};
  j["dtype"] = "float32";
  j["layout"] = "views x bins, row = view, C order";
  j["units"] = "line integral of mu (1/mm) x length (mm), dimensionless";
  j["beam"] = beam_name(beam);
  j["angles_deg"] = "@ANGLES@";  // written on one line below
  j["detector"] = {{"bins", bins},
                   {"bin_spacing_mm", bin_spacing},
                   {"offset_mm", detector_offset},
                   {"shape", beam == Beam::Fan ? detector_shape_name(detector) : "flat"}};
  if (beam == Beam::Fan) {
    j["source_to_isocenter_mm"] = source_to_isocenter;
    j["source_to_detector_mm"] = source_to_detector;
  }
  j["image"] = {{"nx", image_nx}, {"ny", image_ny}, {"pixel_size_mm", {pixel_dx, pixel_dy}}};
  j["i0"] = i0 ? nlohmann::ordered_json(*i0) : nlohmann::ordered_json(nullptr);
  std::string text = j.dump(2);
  const std::string key = "\"@ANGLES@\"";
  text.replace(text.find(key), key.size(), json(angles_deg).dump());
  return text + "\n";
}

ProjectionGeometry ProjectionGeometry::from_json(const std::string& text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(where + ": not valid JSON (" + e.what() + ")");
  }
  ProjectionGeometry g;
  try {
    if (!j.is_object()) throw InputError(where + ": the sidecar must be a JSON object");
    if (j.contains("format") && j["format"] != "mirflow.sinogram")
      throw InputError(where + ": format is " + j["format"].dump() + ", expected \"mirflow.sinogram\"");
    if (j.contains("version") && j["version"].get<int>() != 1)
      throw InputError(where + ": sidecar version " + j["version"].dump() + " is not supported (expected 1)");
    if (j.contains("dtype") && j["dtype"] != "float32")
      throw InputError(where + ": dtype " + j["dtype"].dump() + " is not supported (expected \"float32\")");
    auto need = [&](const json& obj, const char* key) -> const json& {
      if (!obj.contains(key)) throw InputError(where + ": missing \"" + key + "\"");
      return obj.at(key);
    };
    g.beam = beam_from_name(need(j, "beam").get<std::string>());
    const json& a = need(j, "angles_deg");
    if (a.is_array()) {
      g.angles_deg = a.get<std::vector<double>>();
    } else if (a.is_object()) {
      g.angles_deg = angle_list(need(a, "start").get<double>(), need(a, "step").get<double>(), need(a, "count").get<std::int64_t>());
    } else {
      throw InputError(where + ": \"angles_deg\" must be a list of degrees or {start, step, count}");
    }
    const json& d = need(j, "detector");
    g.bins = need(d, "bins").get<std::int64_t>();
    g.bin_spacing = need(d, "bin_spacing_mm").get<double>();
    g.detector_offset = d.value("offset_mm", 0.0);
    g.detector = detector_shape_from_name(d.value("shape", std::string("flat")));
    if (g.beam == Beam::Fan) {
      g.source_to_isocenter = need(j, "source_to_isocenter_mm").get<double>();
      g.source_to_detector = need(j, "source_to_detector_mm").get<double>();
    }
    const json& im = need(j, "image");
    g.image_nx = need(im, "nx").get<std::int64_t>();
    g.image_ny = need(im, "ny").get<std::int64_t>();
    const json& px = need(im, "pixel_size_mm");
    if (px.is_number()) {
      g.pixel_dx = g.pixel_dy = px.get<double>();
    } else {
      auto v = px.get<std::vector<double>>();
      if (v.size() != 2) throw InputError(where + ": image.pixel_size_mm must be a number or [dx, dy]");
      g.pixel_dx = v[0], g.pixel_dy = v[1];
    }
    if (j.contains("i0") && !j["i0"].is_null()) g.i0 = j["i0"].get<double>();
    if (j.contains("shape")) {
      auto shape = j["shape"].get<std::vector<std::int64_t>>();
      if (shape.size() != 2 || shape[0] != g.views() || shape[1] != g.bins) {
        std::ostringstream msg;
        msg << where << ": \"shape\" " << j["shape"].dump() << " disagrees with " << g.views() << " angles and "
            << g.bins << " detector bins";
        throw InputError(msg.str());
      }
    }
  } catch (const json::exception& e) {
    throw InputError(where + ": malformed sidecar (" + e.what() + ")");
  }
  g.validate(where);
  return g;
}

}  // namespace mirflow::physics
