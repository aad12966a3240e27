// SPDX-License-Identifier: Apache-2.0
// Pieces every IPC demo's report shares: how the run ended, wait figures, the
// exit code rule (0 only when verified), and the JSON form of both.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "corral/base/result.hpp"
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

// The end of every demo's main(): print the report (JSON or text) or the error,
// and turn it into the exit code. Report needs to_json, to_text and exit_code_for.
template <typename Report>
int finish_demo(const char* program, const Result<Report>& r, bool json) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", program, r.error().message.c_str());
    return kExitFailed;
  }
  if (json)
    std::printf("%s\n", nlohmann::json(*r).dump(2).c_str());
  else
    std::fputs(to_text(*r).c_str(), stdout);
  // A report with its own rule (philosophers: 4 on deadlock) brings an overload.
  if constexpr (requires { exit_code_for(*r); })
    return exit_code_for(*r);
  else
    return exit_code_for(r->verified, r->end);
}

}  // namespace corral::ipc
