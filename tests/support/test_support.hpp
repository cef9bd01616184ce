#pragma once
// Helpers shared by the C++ tests: the plugin registry of the build tree, graphs from strings,
// scratch folders, and running reference programs (/usr/bin/python3) at test time.
#include <filesystem>
#include <string>
#include <vector>

#include "mirflow/engine.hpp"

namespace mirflow::test {

// Plugins from $MIRFLOW_PLUGIN_PATH (ctest sets it to the build tree's plugins/), loaded once.
Registry& registry();

// A fresh empty folder under the system temp dir, unique to this call.
std::filesystem::path scratch_dir(const std::string& name);

// Parse + override + validate a graph given as TOML text; paths resolve against base_dir.
ValidGraph validate_string(const std::string& toml, const std::filesystem::path& base_dir,
                           const std::vector<std::string>& overrides = {});
RunReport run_string(const std::string& toml, const std::filesystem::path& base_dir,
                     const std::vector<std::string>& overrides = {}, RunOptions options = {});

// Runs a shell command; returns its exit status and fills `output` with stdout+stderr.
int run_command(const std::string& command, std::string* output = nullptr);

// True when Debian's /usr/bin/python3 can import `module` (the reference for many tests).
bool python_has(const std::string& module);

// The whole contents of a file (empty when it cannot be read).
std::string read_text(const std::filesystem::path& file);

// The repository root and the build tree (compiled in by CMake).
std::filesystem::path source_dir();
std::filesystem::path build_dir();

}  // namespace mirflow::test
