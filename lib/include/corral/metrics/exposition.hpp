// SPDX-License-Identifier: Apache-2.0
// The metrics exposition: metric families rendered in the Prometheus text
// format 0.0.4 or OpenMetrics 1.0, chosen from a scraper's Accept header.
// Pure: no I/O, no clock; the daemon builds the families from what it has.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "corral/metrics/histogram.hpp"

namespace corral::metrics {

enum class Type : std::uint8_t { Counter, Gauge, Histogram };
enum class Format : std::uint8_t { Prometheus004, OpenMetrics100 };

struct Label {
  std::string name;
  std::string value;
};
using Labels = std::vector<Label>;

struct Sample {
  Labels labels;
  double value = 0;
};

struct HistogramSample {
  Labels labels;
  HistogramSnapshot data;
};

// One metric family. For a counter, `name` ends in "_total" (the sample name in
// both formats); OpenMetrics' TYPE/HELP lines drop the suffix, as the spec asks.
struct Family {
  std::string name;
  std::string help;
  Type type = Type::Gauge;
  std::vector<Sample> samples;              // counters and gauges
  std::vector<HistogramSample> histograms;  // histograms
};

// The format a scraper asked for: OpenMetrics when its Accept header ranks
// application/openmetrics-text (version 1.0.0 or unversioned) at least as high
// as text/plain; otherwise the 0.0.4 text format, which every scraper reads.
Format negotiate(std::string_view accept_header);
std::string_view content_type(Format f);

// Every family in order, then "# EOF" for OpenMetrics.
std::string render(const std::vector<Family>& families, Format f);

// Label values: backslash, double quote and newline escaped (both formats).
std::string escape_label_value(std::string_view v);
// HELP text: backslash and newline escaped (0.0.4); OpenMetrics also escapes '"'.
std::string escape_help(std::string_view v, Format f);
// A sample value: integers without exponent, +Inf, -Inf, NaN, else shortest round-trip.
std::string format_value(double v);
// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; labels the same without ':'.
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

}  // namespace corral::metrics
