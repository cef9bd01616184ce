#include "mirflow_physics/sinogram_file.hpp"

#include <cstring>
#include <fstream>
#include <sstream>

#include <mirflow/atomic_file.hpp>
#include <mirflow/error.hpp>

#include "npy_float32.hpp"

namespace mirflow::physics {

namespace fs = std::filesystem;

fs::path sidecar_path(const fs::path& npy) {
  fs::path p = npy;
  return p.replace_extension(".json");
}

namespace {

ProjectionGeometry read_sidecar(const fs::path& npy) {
  const fs::path json = sidecar_path(npy);
  std::ifstream in(json);
  if (!in)
    throw InputError(npy.string() + ": the sinogram's JSON sidecar " + json.string() +
                     " is missing or unreadable (a sinogram .npy needs its geometry in a .json of the same stem)");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return ProjectionGeometry::from_json(text.str(), json.string());
  } catch (const InputError& e) {
    throw InputError(npy.string() + ": its sidecar is unusable: " + e.what());
  }
}

void check_shape(const fs::path& npy, const detail::NpyHeader& h, const ProjectionGeometry& g) {
  if (h.rows != g.views() || h.cols != g.bins)
    throw InputError(npy.string() + ": the array is " + std::to_string(h.rows) + "×" + std::to_string(h.cols) +
                     " (views × bins) but its sidecar " + sidecar_path(npy).string() + " describes " +
                     std::to_string(g.views()) + " views × " + std::to_string(g.bins) + " bins");
}

}  // namespace

ProjectionGeometry check_sinogram_file(const fs::path& npy) {
  const detail::NpyHeader h = detail::read_npy_header(npy);
  ProjectionGeometry g = read_sidecar(npy);
  check_shape(npy, h, g);
  return g;
}

Sinogram read_sinogram(const fs::path& npy) {
  ProjectionGeometry g = check_sinogram_file(npy);
  detail::NpyHeader h;
  std::vector<float> v = detail::read_npy_f32(npy, &h);
  check_shape(npy, h, g);
  Sinogram s{g.sinogram_space().allocate(), std::move(g)};
  std::memcpy(s.data.data<float>(), v.data(), v.size() * sizeof(float));
  s.data.metadata()["sinogram.file"] = npy.string();  // so that later errors can name the file
  return s;
}

void write_sinogram_files(const Sinogram& s, const fs::path& npy_file, const fs::path& json_file) {
  check_sinogram(s, npy_file.string());
  const Image d = as_contiguous_f32(s.data);
  {
    std::ofstream out(json_file, std::ios::trunc);
    if (!out) throw std::runtime_error(json_file.string() + ": cannot open for writing");
    out << s.geometry.to_json();
    out.flush();
    if (!out) throw std::runtime_error(json_file.string() + ": write failed");
  }
  detail::write_npy_f32(npy_file, d.data<float>(), s.geometry.views(), s.geometry.bins);
}

void write_sinogram(const Sinogram& s, const fs::path& npy) {
  if (npy.extension() != ".npy") throw InputError(npy.string() + ": a sinogram file name must end in .npy");
  AtomicFile json(sidecar_path(npy));
  AtomicFile arr(npy);
  write_sinogram_files(s, arr.temp_path(), json.temp_path());
  json.commit();  // sidecar first: the .npy (what readers open) appears only with its sidecar in place
  arr.commit();
}

}  // namespace mirflow::physics
