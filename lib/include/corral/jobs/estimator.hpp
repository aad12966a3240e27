// SPDX-License-Identifier: Apache-2.0
// Estimator: predicts a job's service time from the past runs that carried the same
// label, the way SPN, SRT and HRRN need it. Two textbook predictors:
//  - the simple average, S(n+1) = (1/n)·T(n) + ((n−1)/n)·S(n);
//  - exponential averaging, S(n+1) = α·T(n) + (1 − α)·S(n), 0 < α ≤ 1.
// The first observation is the first prediction (S(2) = T(1)) for both.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "corral/base/result.hpp"

namespace corral::jobs {

struct EstimatorSpec {
  enum class Kind { Average, Exponential };
  Kind kind = Kind::Average;
  double alpha = 0.5;  // exponential only

  bool operator==(const EstimatorSpec&) const = default;
};

// "average", or "exponential" / "exponential:0.8" (α, default 0.5), as the config's
// `estimate` key spells it. `given` (the estimate at submission only) is not a
// predictor; callers handle it before asking here.
Result<EstimatorSpec> parse_estimator(std::string_view text);

// One label's history: the count of observations and the current prediction.
struct LabelHistory {
  std::uint64_t runs = 0;
  double prediction = 0;  // in the caller's time unit
};

class Estimator {
 public:
  explicit Estimator(EstimatorSpec spec = {}) : spec_(spec) {}

  // The prediction for the next run of `label`, nullopt when it never ran.
  std::optional<double> predict(std::string_view label) const;
  // A run of `label` took `actual` (its real service time).
  void observe(std::string_view label, double actual);
  // A label's history as saved earlier (corrald's jobs file), replacing what it had.
  void set_history(std::string_view label, LabelHistory history) { labels_[std::string(label)] = history; }

  const std::map<std::string, LabelHistory, std::less<>>& labels() const { return labels_; }

 private:
  EstimatorSpec spec_;
  std::map<std::string, LabelHistory, std::less<>> labels_;
};

}  // namespace corral::jobs
