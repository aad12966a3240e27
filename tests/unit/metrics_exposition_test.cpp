// SPDX-License-Identifier: Apache-2.0
#include "corral/metrics/exposition.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace corral::metrics {
namespace {

Family restarts() {
  Family f{"corral_service_restarts_total", "Restarts of the service since corrald started.", Type::Counter, {}, {}};
  f.samples.push_back({{{"service", "web"}}, 3});
  f.samples.push_back({{{"service", "db@1"}}, 0});
  return f;
}

TEST(MetricsNegotiate, PrometheusDefaultHeaderPicksOpenMetrics) {
  // What Prometheus 2.42 sends.
  EXPECT_EQ(negotiate("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            Format::OpenMetrics100);
}

TEST(MetricsNegotiate, TextAndMissingHeadersPickTheTextFormat) {
  EXPECT_EQ(negotiate(""), Format::Prometheus004);
  EXPECT_EQ(negotiate("*/*"), Format::Prometheus004);
  EXPECT_EQ(negotiate("text/plain;version=0.0.4"), Format::Prometheus004);
  // Preferred text over OpenMetrics.
  EXPECT_EQ(negotiate("application/openmetrics-text;q=0.3, text/plain;q=0.9"), Format::Prometheus004);
  // An OpenMetrics version we do not speak, and a refused one (q=0).
  EXPECT_EQ(negotiate("application/openmetrics-text;version=2.0.0"), Format::Prometheus004);
  EXPECT_EQ(negotiate("application/openmetrics-text;q=0"), Format::Prometheus004);
  EXPECT_EQ(negotiate("Application/OpenMetrics-Text ; Version=1.0.0 ; q=1"), Format::OpenMetrics100);
}

TEST(MetricsNegotiate, ContentTypes) {
  EXPECT_EQ(content_type(Format::Prometheus004), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(content_type(Format::OpenMetrics100), "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(MetricsEscape, LabelValuesOfOddServiceNames) {
  EXPECT_EQ(escape_label_value("web"), "web");
  EXPECT_EQ(escape_label_value(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(escape_label_value(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(escape_label_value("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(escape_label_value("ünï{c}ode=,"), "ünï{c}ode=,");  // UTF-8 and punctuation pass through
  Family f{"corral_service_up", "1 while up.", Type::Gauge, {{{{"service", "x\"\\\n"}}, 1}}, {}};
  EXPECT_EQ(render({f}, Format::Prometheus004),
            "# HELP corral_service_up 1 while up.\n# TYPE corral_service_up gauge\n"
            "corral_service_up{service=\"x\\\"\\\\\\n\"} 1\n");
}

TEST(MetricsEscape, HelpTextPerFormat) {
  EXPECT_EQ(escape_help("a\\b\nc \"q\"", Format::Prometheus004), "a\\\\b\\nc \"q\"");
  EXPECT_EQ(escape_help("a\\b\nc \"q\"", Format::OpenMetrics100), "a\\\\b\\nc \\\"q\\\"");
}

TEST(MetricsValue, Spellings) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(42), "42");
  EXPECT_EQ(format_value(-7), "-7");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1.5e-7), "1.5e-07");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(format_value(1700000000.5), "1700000000.5");
}

TEST(MetricsNames, Validity) {
  EXPECT_TRUE(valid_metric_name("corral_service_up"));
  EXPECT_TRUE(valid_metric_name("a:b_c9"));
  EXPECT_FALSE(valid_metric_name("9lives"));
  EXPECT_FALSE(valid_metric_name("with-dash"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_TRUE(valid_label_name("service"));
  EXPECT_FALSE(valid_label_name("a:b"));
}

TEST(MetricsRender, CounterIn004KeepsTotalOnTypeLine) {
  EXPECT_EQ(render({restarts()}, Format::Prometheus004),
            "# HELP corral_service_restarts_total Restarts of the service since corrald started.\n"
            "# TYPE corral_service_restarts_total counter\n"
            "corral_service_restarts_total{service=\"web\"} 3\n"
            "corral_service_restarts_total{service=\"db@1\"} 0\n");
}

TEST(MetricsRender, CounterInOpenMetricsDropsTotalFromFamilyAndEndsWithEof) {
  EXPECT_EQ(render({restarts()}, Format::OpenMetrics100),
            "# HELP corral_service_restarts Restarts of the service since corrald started.\n"
            "# TYPE corral_service_restarts counter\n"
            "corral_service_restarts_total{service=\"web\"} 3\n"
            "corral_service_restarts_total{service=\"db@1\"} 0\n"
            "# EOF\n");
}

TEST(MetricsRender, EmptyFamiliesAreLeftOut) {
  Family empty{"corral_queue_depth", "Jobs waiting.", Type::Gauge, {}, {}};
  EXPECT_EQ(render({empty}, Format::Prometheus004), "");
  EXPECT_EQ(render({empty}, Format::OpenMetrics100), "# EOF\n");
}

TEST(MetricsRender, UnlabelledGauge) {
  Family f{"corral_deadlocks", "Deadlocks seen by the last check.", Type::Gauge, {{{}, 2}}, {}};
  EXPECT_EQ(render({f}, Format::Prometheus004),
            "# HELP corral_deadlocks Deadlocks seen by the last check.\n# TYPE corral_deadlocks gauge\n"
            "corral_deadlocks 2\n");
}

TEST(MetricsHistogram, CumulativeBucketsInclusiveBounds) {
  Histogram h({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 1.0, 5.0, 50.0}) h.observe(v);
  HistogramSnapshot s = h.snapshot();
  ASSERT_EQ(s.cumulative.size(), 3u);
  EXPECT_EQ(s.cumulative[0], 2u);  // 0.05, 0.1 (le is inclusive)
  EXPECT_EQ(s.cumulative[1], 4u);  // + 0.5, 1.0
  EXPECT_EQ(s.cumulative[2], 5u);  // + 5.0
  EXPECT_EQ(s.count, 6u);          // + 50 in +Inf only
  EXPECT_DOUBLE_EQ(s.sum, 56.65);
}

TEST(MetricsHistogram, RenderedBothFormats) {
  Histogram h({0.5, 1});
  h.observe(0.25);
  h.observe(2);
  Family f{"corral_daemon_request_duration_seconds", "Control and scrape requests.", Type::Histogram, {}, {}};
  f.histograms.push_back({{{"kind", "control"}}, h.snapshot()});
  EXPECT_EQ(render({f}, Format::Prometheus004),
            "# HELP corral_daemon_request_duration_seconds Control and scrape requests.\n"
            "# TYPE corral_daemon_request_duration_seconds histogram\n"
            "corral_daemon_request_duration_seconds_bucket{kind=\"control\",le=\"0.5\"} 1\n"
            "corral_daemon_request_duration_seconds_bucket{kind=\"control\",le=\"1\"} 1\n"
            "corral_daemon_request_duration_seconds_bucket{kind=\"control\",le=\"+Inf\"} 2\n"
            "corral_daemon_request_duration_seconds_sum{kind=\"control\"} 2.25\n"
            "corral_daemon_request_duration_seconds_count{kind=\"control\"} 2\n");
  std::string om = render({f}, Format::OpenMetrics100);
  EXPECT_NE(om.find("_bucket{kind=\"control\",le=\"1.0\"} 1\n"), std::string::npos) << om;
  EXPECT_NE(om.find("_bucket{kind=\"control\",le=\"0.5\"} 1\n"), std::string::npos) << om;
  EXPECT_TRUE(om.ends_with("# EOF\n"));
}

TEST(MetricsHistogram, LatencyBucketsAscend) {
  HistogramSnapshot s = Histogram::latency_seconds().snapshot();
  ASSERT_FALSE(s.bounds.empty());
  for (std::size_t i = 1; i < s.bounds.size(); ++i) EXPECT_LT(s.bounds[i - 1], s.bounds[i]);
}

}  // namespace
}  // namespace corral::metrics
