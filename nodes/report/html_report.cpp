#include "html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <mirflow_semantic/base64.hpp>
#include <mirflow_semantic/png_window.hpp>

namespace mirflow::report {

namespace {

Image plane(const Image& image) { return image.ndim() == 3 ? image.slice(image.nz() / 2) : image; }

std::vector<double> finite_values(const Image& im) {
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(im.size()));
  for (std::int64_t y = 0; y < im.ny(); ++y)
    for (std::int64_t x = 0; x < im.nx(); ++x) {
      const double value = im.value(x, y);
      if (std::isfinite(value)) v.push_back(value);
    }
  return v;
}

// The q-quantile (0…1) by nearest rank; 0 for an image without finite values.
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  const auto k = static_cast<std::size_t>(std::llround(q * static_cast<double>(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

Image abs_difference(const Image& a, const Image& b) {
  Image d = Image::allocate2d(DType::F32, a.nx(), a.ny());
  for (std::int64_t y = 0; y < a.ny(); ++y)
    for (std::int64_t x = 0; x < a.nx(); ++x) d.set_value(x, y, 0, std::fabs(a.value(x, y) - b.value(x, y)));
  return d;
}

Figure figure(const std::string& caption, const Image& im, double lo, double hi) {
  return Figure{caption, semantic::encode_png_gray8(im, semantic::Window{lo, hi, caption}), im.nx(), im.ny()};
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string number(double v, const char* format = "%.3f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string bytes(std::int64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  return u == 0 ? std::to_string(b) + " B" : number(v, "%.1f") + " " + units[u];
}

}  // namespace

Panels make_panels(const BenchResult& r, const std::optional<std::pair<double, double>>& window) {
  Panels p;
  const Panel* first = nullptr;
  const Panel* with_noisy = nullptr;
  for (const auto& m : r.methods) {
    if (!m.panel) continue;
    if (!first) first = &*m.panel;
    if (!with_noisy && m.panel->noisy) with_noisy = &*m.panel;
  }
  if (!first) {
    p.notes.push_back("no item was captured for the images");
    return p;
  }
  p.item = first->item;
  const Image reference = plane(first->reference);
  if (window) {
    p.lo = window->first;
    p.hi = window->second;
  } else {
    const auto values = finite_values(reference);
    p.lo = quantile(values, 0.01);
    p.hi = quantile(values, 0.99);
    if (!(p.hi > p.lo)) {  // a nearly constant reference: its full range, or a unit window around it
      p.lo = values.empty() ? 0.0 : *std::min_element(values.begin(), values.end());
      p.hi = values.empty() ? 1.0 : *std::max_element(values.begin(), values.end());
      if (!(p.hi > p.lo)) p.lo -= 0.5, p.hi = p.lo + 1.0;
    }
  }
  // Differences first, so that every map shares one scale.
  std::vector<std::pair<std::string, Image>> diffs;
  p.diff_max = 0;
  for (const auto& m : r.methods) {
    if (!m.panel) continue;
    const Image im = plane(m.panel->image), ref = plane(m.panel->reference);
    if (im.nx() != ref.nx() || im.ny() != ref.ny()) {
      p.notes.push_back(m.method.label + ": image " + im.describe() + " and reference " + ref.describe() + " differ in size");
      continue;
    }
    Image d = abs_difference(im, ref);
    p.diff_max = std::max(p.diff_max, quantile(finite_values(d), 0.99));
    diffs.emplace_back(m.method.label, d);
  }
  if (!(p.diff_max > 0)) p.diff_max = 1.0;

  p.figures.push_back(figure("reference", reference, p.lo, p.hi));
  if (with_noisy) p.figures.push_back(figure("noisy", plane(*with_noisy->noisy), p.lo, p.hi));
  for (const auto& m : r.methods) {
    if (!m.panel) {
      p.notes.push_back(m.method.label + ": no image captured for the shown item");
      continue;
    }
    if (m.panel->item != p.item) p.notes.push_back(m.method.label + " shows item " + m.panel->item);
    p.figures.push_back(figure(m.method.label, plane(m.panel->image), p.lo, p.hi));
  }
  for (const auto& [label, d] : diffs) p.figures.push_back(figure("|" + label + " − reference|", d, 0.0, p.diff_max));
  return p;
}

std::string html_report(const BenchResult& r, const Panels& p) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>mirflow bench: " << escape(r.name)
    << "</title>\n<style>\n"
       "body{font-family:sans-serif;margin:1.5em;color:#222}\n"
       "table{border-collapse:collapse;margin:0.5em 0}\n"
       "th,td{border:1px solid #bbb;padding:0.25em 0.6em}\n"
       "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
       "th{background:#eee}\n"
       ".panels{display:flex;flex-wrap:wrap;gap:1em}\n"
       "figure{margin:0;text-align:center}\n"
       "figure img{image-rendering:pixelated;max-width:360px;width:100%;background:#000}\n"
       "figcaption{font-size:0.9em;margin-top:0.2em}\n"
       ".note{color:#555;font-size:0.9em}\n"
       "</style>\n</head>\n<body>\n";
  h << "<h1>mirflow bench: " << escape(r.name) << "</h1>\n";
  h << "<p class=\"note\">graph <code>" << escape(r.graph.string()) << "</code>; command <code>" << escape(r.command)
    << "</code>; total wall time " << number(r.wall_seconds) << " s.</p>\n";

  h << "<h2>Metrics</h2>\n<table>\n<tr><th>method</th><th>items</th>";
  for (const auto& k : r.metrics) h << "<th>" << escape(k == "psnr" ? "PSNR dB" : k) << "</th>";
  h << "<th>time s</th><th>s / item</th><th>nodes charged</th></tr>\n";
  for (const auto& m : r.methods) {
    h << "<tr><td>" << escape(m.method.label) << "</td><td class=\"n\">" << m.records.size() << "</td>";
    for (const auto& k : r.metrics) {
      auto it = m.means.find(k);
      h << "<td class=\"n\">" << (it == m.means.end() ? "–" : escape(format_metric(k, it->second))) << "</td>";
    }
    std::string nodes;
    for (const auto& n : m.method.charged) nodes += (nodes.empty() ? "" : ", ") + n;
    h << "<td class=\"n\">" << number(m.seconds) << "</td><td class=\"n\">" << number(m.seconds_per_item) << "</td><td>"
      << escape(nodes) << "</td></tr>\n";
  }
  h << "</table>\n<p class=\"note\">Metrics are means over the items of each metrics.compare node. Time: the summed "
       "wall time (over items and threads) of the nodes upstream of the method's image that no other part of the "
       "comparison shares; the input, the noise simulation and anything feeding the reference are not charged "
       "(docs/bench.md).</p>\n";

  h << "<h2>Images" << (p.item.empty() ? "" : ": item " + escape(p.item)) << "</h2>\n";
  if (!p.figures.empty())
    h << "<p class=\"note\">Images: window [" << number(p.lo, "%.6g") << ", " << number(p.hi, "%.6g")
      << "] for every image panel; difference maps |image − reference|: [0, " << number(p.diff_max, "%.6g")
      << "] for every map (black = 0).</p>\n";
  for (const auto& note : p.notes) h << "<p class=\"note\">" << escape(note) << "</p>\n";
  h << "<div class=\"panels\">\n";
  for (const auto& f : p.figures)
    h << "<figure><img alt=\"" << escape(f.caption) << "\" width=\"" << f.width << "\" height=\"" << f.height
      << "\" src=\"data:image/png;base64," << semantic::base64_encode(f.png) << "\"><figcaption>" << escape(f.caption)
      << "</figcaption></figure>\n";
  h << "</div>\n";

  h << "<h2>Per-node timings</h2>\n<table>\n<tr><th>node</th><th>type</th><th>items</th><th>wall s</th>"
       "<th>allocated</th><th>copied</th><th>charged to</th></tr>\n";
  for (const auto& n : r.nodes) {
    std::string to;
    for (const auto& label : charged_to(r, n.id)) to += (to.empty() ? "" : ", ") + label;
    if (to.empty()) to = r.shared.count(n.id) ? "shared" : "—";
    h << "<tr><td>" << escape(n.id) << "</td><td>" << escape(n.type) << "</td><td class=\"n\">" << n.items
      << "</td><td class=\"n\">" << number(n.wall_seconds, "%.4f") << "</td><td class=\"n\">" << bytes(n.allocated_bytes)
      << "</td><td class=\"n\">" << bytes(n.copied_bytes) << "</td><td>" << escape(to) << "</td></tr>\n";
  }
  h << "</table>\n</body>\n</html>\n";
  return h.str();
}

}  // namespace mirflow::report
