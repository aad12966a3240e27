// Pieces every IPC demo's report shares: how the run ended, wait figures, the
// exit code rule (0 only when verified), and the JSON form of both.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "corral/ipc/children.hpp"
#include "corral/ipc/wait_stats.hpp"

namespace corral::ipc {

// Exit codes of the demos: 0 verified, 1 not verified / a child failed,
// 2 usage (CLI11), 4 deadlock found (philosophers), 130 interrupted.
inline constexpr int kExitVerified = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitDeadlock = 4;
inline constexpr int kExitInterrupted = 130;

struct RunEnd {
  WaitOutcome outcome = WaitOutcome::all_exited;
  int signal = 0;
  std::string failure;  // empty when every child exited cleanly
  bool ok() const { return outcome == WaitOutcome::all_exited; }
  static RunEnd from(const Children::Wait& w);
};

struct WaitFigures {
  std::uint64_t waits = 0;
  std::uint64_t blocked = 0;
  double mean_us = 0;
  double max_us = 0;
  static WaitFigures from(const WaitStats& s);
};

void to_json(nlohmann::json& j, const WaitFigures& w);
void to_json(nlohmann::json& j, const RunEnd& r);

int exit_code_for(bool verified, const RunEnd& end);

}  // namespace corral::ipc
