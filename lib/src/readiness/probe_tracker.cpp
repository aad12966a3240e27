// SPDX-License-Identifier: Apache-2.0
#include "corral/readiness/probe.hpp"

namespace corral::readiness {

std::string_view verdict_name(ProbeVerdict v) {
  switch (v) {
    case ProbeVerdict::Unknown: return "unknown";
    case ProbeVerdict::Passing: return "passing";
    case ProbeVerdict::Failing: return "failing";
  }
  return "?";
}

void ProbeTracker::restart(TimePoint started) {
  verdict_ = ProbeVerdict::Unknown;
  passes_ = failures_ = 0;
  next_due_ = started + spec_.initial_delay;
  began_ = started;
}

void ProbeTracker::began(TimePoint now) {
  began_ = now;
  next_due_ = now + spec_.interval;
}

bool ProbeTracker::record(TimePoint now, std::int64_t wall_time_ms, bool ok, std::string detail) {
  history_.push_front(ProbeResult{wall_time_ms, ok, std::move(detail),
                                  std::chrono::duration_cast<Duration>(now - began_)});
  if (history_.size() > kHistory) history_.pop_back();
  ProbeVerdict before = verdict_;
  if (ok) {
    failures_ = 0;
    if (passes_ < spec_.success_threshold) ++passes_;
    if (passes_ >= spec_.success_threshold) verdict_ = ProbeVerdict::Passing;
  } else {
    passes_ = 0;
    if (failures_ < spec_.failure_threshold) ++failures_;
    if (failures_ >= spec_.failure_threshold) verdict_ = ProbeVerdict::Failing;
  }
  return verdict_ != before;
}

}  // namespace corral::readiness
