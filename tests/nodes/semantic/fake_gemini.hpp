#pragma once
// fake_gemini.py (a local HTTP server answering like the Gemini API) run as a child process by
// the semantic tests; see the script's docstring for its scenarios.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace mirflow::test {

namespace fs = std::filesystem;

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// fake_gemini.py as a child process, stopped (SIGTERM) on destruction or stop().
class FakeGemini {
 public:
  explicit FakeGemini(const fs::path& dir) : record_(dir / "requests") {
    fs::create_directories(record_);
    const std::string port_file = (dir / "port").string();
    std::vector<std::string> args{"/usr/bin/python3", MIRFLOW_FAKE_GEMINI, port_file, record_.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
    for (int i = 0; i < 200 && !fs::exists(port_file); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!fs::exists(port_file)) throw std::runtime_error("fake_gemini.py did not start (no " + port_file + " after 10 s)");
    port_ = std::stoi(slurp(port_file));
  }
  ~FakeGemini() { stop(); }
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1beta"; }
  std::string root() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return static_cast<int>(std::distance(fs::directory_iterator(record_), fs::directory_iterator())); }
  nlohmann::json request(int n) const { return nlohmann::json::parse(slurp(record_ / (std::to_string(n) + ".json"))); }

 private:
  fs::path record_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace mirflow::test
