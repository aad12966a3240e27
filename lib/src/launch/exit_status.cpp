// SPDX-License-Identifier: Apache-2.0
#include "corral/launch/exit_status.hpp"

#include <sys/wait.h>

#include <csignal>

#include "corral/base/signals.hpp"

namespace corral::launch {

ExitInfo exit_info_from_wait_status(int status) {
  if (WIFSIGNALED(status)) return ExitInfo{true, WTERMSIG(status), WCOREDUMP(status) != 0};
  if (WIFEXITED(status)) return ExitInfo{false, WEXITSTATUS(status), false};
  // Stopped/continued statuses are not terminations; report the raw value as-is.
  return ExitInfo{false, status, false};
}

std::string to_string(const ExitInfo& info) {
  if (!info.signaled)
    return info.code_or_signal == 0 ? "exited successfully" : "exited with code " + std::to_string(info.code_or_signal);
  std::string out = "killed by ";
  auto name = signal_name(info.code_or_signal);
  out += name.empty() ? "signal " + std::to_string(info.code_or_signal) : std::string(name);
  if (info.core_dumped) out += " (core dumped)";
  return out;
}

TerminationReason classify(const ExitInfo& info, const ExitContext& ctx) {
  if (info.signaled && info.code_or_signal == SIGKILL && ctx.oom_killed) return TerminationReason::MemoryUnavailable;
  if (ctx.timed_out) return TerminationReason::TimeOverrun;
  if (ctx.operator_killed) return TerminationReason::OperatorIntervention;
  if (ctx.parent_requested) return TerminationReason::ParentRequest;
  if (!info.signaled) return TerminationReason::NormalCompletion;
  if (ctx.parent_exited) return TerminationReason::ParentTermination;
  switch (info.code_or_signal) {
    case SIGXCPU: return TerminationReason::TimeLimitExceeded;
    case SIGSEGV:
    case SIGBUS: return TerminationReason::BoundsViolation;
    case SIGFPE: return TerminationReason::ArithmeticError;
    case SIGILL: return TerminationReason::InvalidInstruction;
    case SIGSYS: return TerminationReason::ProtectionError;
    case SIGPIPE:
    case SIGXFSZ: return TerminationReason::IoFailure;
    default: return TerminationReason::OtherSignal;
  }
}

std::string seccomp_kill_reason() { return "a system call outside its syscall_filter"; }

std::string_view to_string(TerminationReason reason) {
  switch (reason) {
    case TerminationReason::NormalCompletion: return "normal completion";
    case TerminationReason::TimeLimitExceeded: return "time limit exceeded";
    case TerminationReason::MemoryUnavailable: return "memory unavailable";
    case TerminationReason::BoundsViolation: return "bounds violation or protection error";
    case TerminationReason::ArithmeticError: return "arithmetic error";
    case TerminationReason::TimeOverrun: return "time overrun";
    case TerminationReason::IoFailure: return "I/O failure";
    case TerminationReason::InvalidInstruction: return "invalid instruction";
    case TerminationReason::PrivilegedInstruction: return "privileged instruction";
    case TerminationReason::OperatorIntervention: return "operator or OS intervention";
    case TerminationReason::ParentTermination: return "parent termination";
    case TerminationReason::ParentRequest: return "parent request";
    case TerminationReason::OtherSignal: return "killed by a signal";
    case TerminationReason::ProtectionError: return "protection error";
  }
  return "?";
}

}  // namespace corral::launch
