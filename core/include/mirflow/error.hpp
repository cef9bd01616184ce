#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace mirflow {

// Where a problem is: a file position (graph files) and the node it concerns.
struct Diagnostic {
  std::string file;     // graph file, "<command line>" for --set, or empty
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string node;     // node id, or empty
  std::string message;  // what is wrong and what was expected
  std::string str() const;
};

// Bad input found before anything runs: graph, parameters, files. Exit code 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// Every problem validation found, not just the first. Exit code 2.
class ValidationError : public InputError {
 public:
  explicit ValidationError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// A failure while the graph ran: which node, which work item. Exit code 1.
class RunError : public std::runtime_error {
 public:
  RunError(std::string node, std::string item, const std::string& message);
  const std::string& node() const { return node_; }
  const std::string& item() const { return item_; }
  const std::string& reason() const { return reason_; }
  // True when the cause was bad input met while running (an unreadable file): exit code 2.
  bool bad_input() const { return bad_input_; }
  void set_bad_input(bool b) { bad_input_ = b; }

 private:
  std::string node_, item_, reason_;
  bool bad_input_ = false;
};

}  // namespace mirflow
