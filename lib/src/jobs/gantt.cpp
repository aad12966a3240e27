// SPDX-License-Identifier: Apache-2.0
#include "corral/jobs/gantt.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "corral/jobs/time_units.hpp"

namespace corral::jobs {
namespace {

Tick chart_end(const GanttChart& chart) {
  Tick end = 0;
  for (const auto& s : chart.slices) end = std::max(end, s.end);
  return end;
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
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

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

GanttChart gantt_of(const SimResult& result, Tick unit) {
  GanttChart chart;
  chart.title = describe(result.policy, unit);
  for (const auto& j : result.jobs) chart.names.push_back(j.name);
  chart.slices = result.gantt;
  chart.unit = unit;
  return chart;
}

std::string render_gantt_text(const GanttChart& chart, int max_width) {
  const Tick end = chart_end(chart);
  const Tick unit = chart.unit > 0 ? chart.unit : 1;
  const Tick width = std::max<Tick>(max_width, 10);
  Tick col = unit;  // Ticks per column
  if ((end + unit - 1) / unit > width) col = ((end + width - 1) / width + unit - 1) / unit * unit;  // whole units
  const Tick cols = end > 0 ? (end + col - 1) / col : 0;

  std::size_t name_width = 1;
  for (const auto& n : chart.names) name_width = std::max(name_width, n.size());

  std::string out;
  if (!chart.title.empty()) out += chart.title + "\n";
  for (std::size_t job = 0; job < chart.names.size(); ++job) {
    std::vector<Tick> ran(static_cast<std::size_t>(cols), 0);
    for (const auto& s : chart.slices) {
      if (s.job != job) continue;
      for (Tick c = s.start / col; c < cols && c * col < s.end; ++c) {
        Tick lo = std::max(s.start, c * col), hi = std::min(s.end, (c + 1) * col);
        if (hi > lo) ran[static_cast<std::size_t>(c)] += hi - lo;
      }
    }
    std::string row = chart.names[job];
    row.resize(name_width, ' ');
    row += " |";
    // Full block: ran for at least half the column; light shade: ran, but less.
    for (Tick r : ran) row += r == 0 ? " " : 2 * r >= col ? "\u2588" : "\u2591";
    out += row + "|\n";
  }
  // The axis: a label every 5 columns, where it fits.
  std::string axis(name_width + 2, ' ');
  for (Tick c = 0; c <= cols; c += 5) {
    std::string label = format_units(c * col, unit);
    std::size_t at = name_width + 2 + static_cast<std::size_t>(c);
    if (axis.size() > at || (c > 0 && axis.size() == at)) continue;  // keep a blank between labels
    axis.resize(at, ' ');
    axis += label;
  }
  out += axis + "\n";
  if (col != unit) out += "(one column = " + format_units(col, unit) + " time units)\n";
  return out;
}

std::string render_gantt_svg(const GanttChart& chart) {
  static constexpr std::array<const char*, 8> kColours{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                                       "#59a14f", "#edc948", "#b07aa1", "#9c755f"};
  const Tick end = std::max<Tick>(chart_end(chart), 1);
  const Tick unit = chart.unit > 0 ? chart.unit : 1;
  const double left = 60, top = 40, row_h = 28, plot_w = 720;
  const double scale = plot_w / static_cast<double>(end);
  const double height = top + row_h * static_cast<double>(chart.names.size()) + 40;
  const double width = left + plot_w + 20;

  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fixed(width) + "\" height=\"" + fixed(height) +
       "\" viewBox=\"0 0 " + fixed(width) + " " + fixed(height) + "\" font-family=\"sans-serif\" font-size=\"14\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + fixed(left) + "\" y=\"24\" font-weight=\"bold\">" + xml_escape(chart.title) + "</text>\n";
  for (std::size_t i = 0; i < chart.names.size(); ++i) {
    double y = top + row_h * static_cast<double>(i);
    s += "<text x=\"" + fixed(left - 8) + "\" y=\"" + fixed(y + row_h * 0.65) + "\" text-anchor=\"end\">" +
         xml_escape(chart.names[i]) + "</text>\n";
  }
  for (const auto& sl : chart.slices) {
    double x = left + scale * static_cast<double>(sl.start);
    double w = scale * static_cast<double>(sl.end - sl.start);
    double y = top + row_h * static_cast<double>(sl.job) + 4;
    s += "<rect x=\"" + fixed(x) + "\" y=\"" + fixed(y) + "\" width=\"" + fixed(w) + "\" height=\"" +
         fixed(row_h - 8) + "\" fill=\"" + kColours[sl.job % kColours.size()] + "\" stroke=\"black\" stroke-width=\"0.5\">" +
         "<title>" + xml_escape(sl.job < chart.names.size() ? chart.names[sl.job] : "?") + " " +
         format_units(sl.start, unit) + "-" + format_units(sl.end, unit) + "</title></rect>\n";
  }
  // The axis, with a tick at a round step: 1, 2, 5, 10, ... units, at most ~20 ticks.
  double axis_y = top + row_h * static_cast<double>(chart.names.size()) + 4;
  s += "<line x1=\"" + fixed(left) + "\" y1=\"" + fixed(axis_y) + "\" x2=\"" + fixed(left + plot_w) + "\" y2=\"" +
       fixed(axis_y) + "\" stroke=\"black\"/>\n";
  Tick step = unit;
  for (int i = 0; end / step > 20; ++i) step = (i % 3 == 1) ? step * 5 / 2 : step * 2;  // 1, 2, 5, 10, 20, 50 ...
  for (Tick t = 0; t <= end; t += step) {
    double x = left + scale * static_cast<double>(t);
    s += "<line x1=\"" + fixed(x) + "\" y1=\"" + fixed(axis_y) + "\" x2=\"" + fixed(x) + "\" y2=\"" +
         fixed(axis_y + 5) + "\" stroke=\"black\"/>\n";
    s += "<text x=\"" + fixed(x) + "\" y=\"" + fixed(axis_y + 20) + "\" text-anchor=\"middle\">" +
         format_units(t, unit) + "</text>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace corral::jobs
