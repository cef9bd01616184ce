#include "test_support.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace mirflow::test {

namespace fs = std::filesystem;

Registry& registry() {
  static Registry* reg = [] {
    auto* r = new Registry();
    load_plugins(*r);
    return r;
  }();
  return *reg;
}

fs::path scratch_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  fs::path p = fs::temp_directory_path() /
               ("mirflow-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

ValidGraph validate_string(const std::string& toml, const fs::path& base_dir, const std::vector<std::string>& overrides) {
  GraphDecl decl = parse_graph_string(toml, "test.toml", base_dir);
  apply_overrides(decl, overrides);
  return validate(decl, registry());
}

RunReport run_string(const std::string& toml, const fs::path& base_dir, const std::vector<std::string>& overrides,
                     RunOptions options) {
  return run(validate_string(toml, base_dir, overrides), options);
}

int run_command(const std::string& command, std::string* output) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf{};
  std::string out;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = ::pclose(p);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool python_has(const std::string& module) {
  return run_command("/usr/bin/python3 -c 'import " + module + "'") == 0;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path source_dir() { return MIRFLOW_SOURCE_DIR; }
fs::path build_dir() { return MIRFLOW_BUILD_DIR; }

}  // namespace mirflow::test
