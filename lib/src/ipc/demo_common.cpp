// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/demo_common.hpp"

namespace corral::ipc {

RunEnd RunEnd::from(const Children::Wait& w) {
  RunEnd r;
  r.outcome = w.outcome;
  r.signal = w.signal;
  if (w.outcome != WaitOutcome::all_exited) r.failure = w.describe();
  return r;
}

WaitFigures WaitFigures::from(const WaitStats& s) {
  WaitFigures f;
  f.waits = s.waits.load();
  f.blocked = s.blocked.load();
  f.mean_us = f.waits ? static_cast<double>(s.total_ns.load()) / static_cast<double>(f.waits) / 1e3 : 0.0;
  f.max_us = static_cast<double>(s.max_ns.load()) / 1e3;
  return f;
}

void to_json(nlohmann::json& j, const WaitFigures& w) {
  j = nlohmann::json{{"waits", w.waits}, {"blocked", w.blocked}, {"mean_wait_us", w.mean_us}, {"max_wait_us", w.max_us}};
}

void to_json(nlohmann::json& j, const RunEnd& r) {
  j = nlohmann::json{{"outcome", to_string(r.outcome)}};
  if (!r.failure.empty()) j["failure"] = r.failure;
  if (r.signal) j["signal"] = r.signal;
}

int exit_code_for(bool verified, const RunEnd& end) {
  if (end.outcome == WaitOutcome::interrupted) return kExitInterrupted;
  return verified ? kExitVerified : kExitFailed;
}

}  // namespace corral::ipc
