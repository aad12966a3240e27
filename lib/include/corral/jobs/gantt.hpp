// SPDX-License-Identifier: Apache-2.0
// Gantt charts of a schedule, one row per job as in the textbook's figures: as text
// for the terminal and as an SVG picture for slides. Pure: they return strings.
#pragma once

#include <string>
#include <vector>

#include "corral/jobs/simulator.hpp"

namespace corral::jobs {

struct GanttChart {
  std::string title;               // drawn above the chart (SVG) or first (text)
  std::vector<std::string> names;  // one row per job
  std::vector<GanttSlice> slices;  // GanttSlice::job indexes `names`
  Tick unit = kSimUnit;            // Ticks per time unit, for the axis
};

GanttChart gantt_of(const SimResult& result, Tick unit = kSimUnit);

// One column per time unit while the chart fits in `max_width` columns, else
// columns of several units; a cell is filled when the job ran for at least half of
// it (a light shade when it ran for less). The axis below is labelled every 5 columns.
std::string render_gantt_text(const GanttChart& chart, int max_width = 72);

// A standalone SVG document (no scripts, no external resources).
std::string render_gantt_svg(const GanttChart& chart);

}  // namespace corral::jobs
