// `mirflow convert IN OUT`: a two-node graph (reader -> writer) chosen by the paths, built as
// TOML text and run like any graph, so errors and exit codes are those of `mirflow run`.
//   reader: a folder, a .dcm file or a file without extension -> io.dicom_read (a folder is one
//           series); .nii / .nii.gz -> io.nifti_read; .npy -> io.npy_read; .png -> io.png_read.
//   writer: a folder (existing, ending in '/', or a name without extension) -> io.dicom_write;
//           .nii / .nii.gz -> io.nifti_write; .npy -> io.npy_write; .png -> io.png_write.
// Note: io.dicom_read keeps DICOM's LPS+ world and io.nifti_write does not flip it to RAS+.
#include <cctype>
#include <filesystem>
#include <iostream>
#include <string>

#include "mirflow/engine.hpp"

namespace mirflow_cli {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string reader_for(const std::string& in) {
  const std::string l = lower(in);
  std::error_code ec;
  if (fs::is_directory(in, ec) || ends_with(l, ".dcm") || !fs::path(in).has_extension()) return "io.dicom_read";
  if (ends_with(l, ".nii") || ends_with(l, ".nii.gz")) return "io.nifti_read";
  if (ends_with(l, ".npy")) return "io.npy_read";
  if (ends_with(l, ".png")) return "io.png_read";
  throw mirflow::InputError("convert: cannot tell the format of " + in +
                            " (expected a DICOM folder or .dcm, .nii, .nii.gz, .npy, .png)");
}

std::string writer_for(const std::string& out) {
  const std::string l = lower(out);
  std::error_code ec;
  if (ends_with(l, ".nii") || ends_with(l, ".nii.gz")) return "io.nifti_write";
  if (ends_with(l, ".npy")) return "io.npy_write";
  if (ends_with(l, ".png")) return "io.png_write";
  if (ends_with(l, ".dcm"))
    throw mirflow::InputError("convert: io.dicom_write writes a series folder; give a folder, not " + out);
  if (ends_with(out, "/") || fs::is_directory(out, ec) || !fs::path(out).has_extension()) return "io.dicom_write";
  throw mirflow::InputError("convert: cannot tell the format of " + out +
                            " (expected a folder for DICOM, or .nii, .nii.gz, .npy, .png)");
}

}  // namespace

// args: the words after "convert". Returns the exit code; errors throw as for `run`.
int convert(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: mirflow convert IN OUT\n";
    return 2;
  }
  const std::string in = argv[0], out = argv[1];
  const std::string reader = reader_for(in), writer = writer_for(out);
  const std::string toml = "[graph]\nname = \"convert\"\nedges = [\"input.image -> output.image\"]\n\n"
                           "[[node]]\nid = \"input\"\ntype = \"" + reader + "\"\npath = " + toml_string(in) +
                           "\n\n[[node]]\nid = \"output\"\ntype = \"" + writer + "\"\npath = " + toml_string(out) + "\n";
  mirflow::Registry reg;
  mirflow::load_plugins(reg);
  for (const auto& note : reg.load_notes()) std::cerr << "warning: " << note << "\n";
  mirflow::GraphDecl decl = mirflow::parse_graph_string(toml, "<convert>", fs::current_path());
  mirflow::run(mirflow::validate(decl, reg));
  return 0;
}

}  // namespace mirflow_cli
