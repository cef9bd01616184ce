#pragma once
// report.html: one self-contained file (inline CSS, images as base64 PNG data URIs, no script,
// nothing fetched): the metrics table, the shown item's images side by side, per-node timings.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "results.hpp"

namespace mirflow::report {

struct Figure {
  std::string caption;
  std::string png;  // PNG bytes (8-bit gray)
  std::int64_t width = 0, height = 0;
};

struct Panels {
  std::string item;           // the key of the shown item ("" when no capture kept one)
  double lo = 0, hi = 1;      // intensity window of the reference, noisy and method images
  double diff_max = 1;        // |image − reference| maps [0, diff_max] to black…white
  std::vector<Figure> figures;
  std::vector<std::string> notes;  // what could not be shown, and why
};

// The figures of the shown item: reference, noisy, each method, each method's |image − reference|.
// 3-D items show their middle slice. `window` overrides the intensity window, which otherwise is
// the reference's 1st to 99th percentile; the difference maps share the largest 99th percentile
// of the methods' |image − reference|.
Panels make_panels(const BenchResult& r, const std::optional<std::pair<double, double>>& window);

std::string html_report(const BenchResult& r, const Panels& panels);

}  // namespace mirflow::report
