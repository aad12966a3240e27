// SPDX-License-Identifier: Apache-2.0
#include "corral/jobs/estimator.hpp"

#include <charconv>
#include <string>

namespace corral::jobs {

Result<EstimatorSpec> parse_estimator(std::string_view text) {
  EstimatorSpec spec;
  if (text == "average") return spec;
  constexpr std::string_view kExp = "exponential";
  if (text.substr(0, kExp.size()) != kExp)
    return Error::logic("estimate: unknown predictor \"" + std::string(text) +
                        "\" (expected \"average\", \"exponential\" or \"exponential:ALPHA\")");
  spec.kind = EstimatorSpec::Kind::Exponential;
  std::string_view rest = text.substr(kExp.size());
  if (rest.empty()) return spec;
  if (rest[0] != ':') return Error::logic("estimate: expected \"exponential:ALPHA\", got \"" + std::string(text) + "\"");
  rest.remove_prefix(1);
  double alpha = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), alpha);
  if (ec != std::errc() || end != rest.data() + rest.size() || !(alpha > 0 && alpha <= 1))
    return Error::logic("estimate: alpha must be a number with 0 < alpha <= 1, got \"" + std::string(rest) + "\"");
  spec.alpha = alpha;
  return spec;
}

std::optional<double> Estimator::predict(std::string_view label) const {
  auto it = labels_.find(label);
  if (it == labels_.end() || it->second.runs == 0) return std::nullopt;
  return it->second.prediction;
}

void Estimator::observe(std::string_view label, double actual) {
  auto it = labels_.find(label);
  if (it == labels_.end()) it = labels_.emplace(std::string(label), LabelHistory{}).first;
  LabelHistory& h = it->second;
  ++h.runs;
  if (h.runs == 1) {
    h.prediction = actual;
    return;
  }
  if (spec_.kind == EstimatorSpec::Kind::Average) {
    double n = static_cast<double>(h.runs);
    h.prediction = actual / n + (n - 1) / n * h.prediction;
  } else {
    h.prediction = spec_.alpha * actual + (1 - spec_.alpha) * h.prediction;
  }
}

}  // namespace corral::jobs
