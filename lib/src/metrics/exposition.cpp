// SPDX-License-Identifier: Apache-2.0
#include "corral/metrics/exposition.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "corral/base/strings.hpp"

namespace corral::metrics {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}


// One media range of an Accept header: "type/sub;version=1.0.0;q=0.5".
struct MediaRange {
  std::string_view type;
  std::string_view version;
  double q = 1.0;
};

MediaRange parse_range(std::string_view part) {
  MediaRange r;
  auto semi = part.find(';');
  r.type = trim(part.substr(0, semi));
  while (semi != std::string_view::npos) {
    part.remove_prefix(semi + 1);
    semi = part.find(';');
    std::string_view param = trim(part.substr(0, semi));
    auto eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(param.substr(0, eq)), value = trim(param.substr(eq + 1));
    if (iequals(key, "q")) {
      double q = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
      r.q = (ec == std::errc() && p == value.data() + value.size() && q >= 0 && q <= 1) ? q : 0;
    } else if (iequals(key, "version")) {
      r.version = value;
    }
  }
  return r;
}

// The name on TYPE/HELP lines: OpenMetrics names a counter family without "_total".
std::string_view family_name(const Family& f, Format fmt) {
  std::string_view n = f.name;
  if (fmt == Format::OpenMetrics100 && f.type == Type::Counter && n.size() > 6 && n.ends_with("_total"))
    n.remove_suffix(6);
  return n;
}

std::string_view type_word(Type t) {
  switch (t) {
    case Type::Counter: return "counter";
    case Type::Gauge: return "gauge";
    case Type::Histogram: return "histogram";
  }
  return "untyped";
}

// escape_label_value and format_value, written straight into the body: a scrape
// of 1,000 services writes ~16,000 of each, and a string apiece showed up.
void append_escaped_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    auto [p, ec] = v == std::trunc(v) && std::fabs(v) < 9007199254740992.0  // 2^53: exact integers
                       ? std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v))
                       : std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, p);
  }
}

void append_labels(std::string& out, const Labels& labels, const Label* extra = nullptr) {
  if (labels.empty() && !extra) return;
  out += '{';
  bool first = true;
  auto one = [&](const Label& l) {
    if (!first) out += ',';
    first = false;
    out += l.name;
    out += "=\"";
    append_escaped_label_value(out, l.value);
    out += '"';
  };
  for (const auto& l : labels) one(l);
  if (extra) one(*extra);
  out += '}';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix, const Labels& labels,
                   double value, const Label* extra = nullptr) {
  out += name;
  out += suffix;
  append_labels(out, labels, extra);
  out += ' ';
  append_value(out, value);
  out += '\n';
}

}  // namespace

Format negotiate(std::string_view accept) {
  double best_text = -1, best_om = -1;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    MediaRange r = parse_range(accept.substr(0, comma));
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    if (r.q <= 0) continue;
    if (iequals(r.type, "application/openmetrics-text")) {
      if (r.version.empty() || r.version == "1.0.0") best_om = std::max(best_om, r.q);
    } else if (iequals(r.type, "text/plain") || iequals(r.type, "text/*") || iequals(r.type, "*/*")) {
      best_text = std::max(best_text, r.q);
    }
  }
  return best_om > 0 && best_om >= best_text ? Format::OpenMetrics100 : Format::Prometheus004;
}

std::string_view content_type(Format f) {
  return f == Format::OpenMetrics100 ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                     : "text/plain; version=0.0.4; charset=utf-8";
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  append_escaped_label_value(out, v);
  return out;
}

std::string escape_help(std::string_view v, Format f) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && f == Format::OpenMetrics100) out += "\\\"";
    else out += c;
  }
  return out;
}

std::string format_value(double v) {
  std::string out;
  append_value(out, v);
  return out;
}

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  return valid_metric_name(name) && name.find(':') == std::string_view::npos;
}

std::string render(const std::vector<Family>& families, Format fmt) {
  std::string out;
  std::size_t samples = 0;
  for (const auto& f : families) samples += f.samples.size() + f.histograms.size() * 16;
  out.reserve(samples * 64 + 4096);  // ~60 bytes a line: one allocation, not twenty
  for (const auto& f : families) {
    if (f.samples.empty() && f.histograms.empty()) continue;  // a family with no sample says nothing
    std::string_view fname = family_name(f, fmt);
    out += "# HELP ";
    out += fname;
    out += ' ';
    out += escape_help(f.help, fmt);
    out += "\n# TYPE ";
    out += fname;
    out += ' ';
    out += type_word(f.type);
    out += '\n';
    if (f.type != Type::Histogram) {
      for (const auto& s : f.samples) append_sample(out, f.name, "", s.labels, s.value);
      continue;
    }
    for (const auto& h : f.histograms) {
      Label le{"le", ""};
      for (std::size_t i = 0; i < h.data.bounds.size(); ++i) {
        le.value = format_value(h.data.bounds[i]);
        // OpenMetrics wants a float spelling for le ("1.0", not "1").
        if (fmt == Format::OpenMetrics100 && le.value.find_first_of(".eIN") == std::string::npos) le.value += ".0";
        append_sample(out, f.name, "_bucket", h.labels, static_cast<double>(h.data.cumulative[i]), &le);
      }
      le.value = "+Inf";
      append_sample(out, f.name, "_bucket", h.labels, static_cast<double>(h.data.count), &le);
      append_sample(out, f.name, "_sum", h.labels, h.data.sum);
      append_sample(out, f.name, "_count", h.labels, static_cast<double>(h.data.count));
    }
  }
  if (fmt == Format::OpenMetrics100) out += "# EOF\n";
  return out;
}

}  // namespace corral::metrics
