// SPDX-License-Identifier: Apache-2.0
// What a waitpid status means: "exited with code 3", "killed by SIGSEGV (core
// dumped)", and which of the textbook's reasons for process termination it is
// (TerminationReason below: normal completion, time limit, memory, bounds, ...).
#pragma once

#include <string>
#include <string_view>

namespace corral::launch {

struct ExitInfo {
  bool signaled = false;    // killed by a signal (else exited)
  int code_or_signal = 0;   // exit code, or the signal number
  bool core_dumped = false;

  bool success() const { return !signaled && code_or_signal == 0; }
  friend bool operator==(const ExitInfo&, const ExitInfo&) = default;
};

// From a terminal waitpid/wait4 status (WIFEXITED or WIFSIGNALED).
ExitInfo exit_info_from_wait_status(int status);

// "exited with code 3", "exited successfully" (code 0), "killed by SIGKILL",
// "killed by SIGSEGV (core dumped)", "killed by signal 70".
std::string to_string(const ExitInfo& info);

// The textbook's reasons for process termination, as far as Linux shows them.
enum class TerminationReason {
  NormalCompletion,      // the program exited by itself (any exit code)
  TimeLimitExceeded,     // SIGXCPU: RLIMIT_CPU reached
  MemoryUnavailable,     // the OOM killer (SIGKILL + ExitContext::oom_killed)
  BoundsViolation,       // SIGSEGV / SIGBUS: bounds violation or protection error
  ArithmeticError,       // SIGFPE
  TimeOverrun,           // killed after waiting too long for an event (ExitContext::timed_out)
  IoFailure,             // SIGPIPE (write to a closed pipe), SIGXFSZ (file size limit)
  InvalidInstruction,    // SIGILL
  PrivilegedInstruction, // (no signal maps here any more: SIGSYS is ProtectionError)
  OperatorIntervention,  // an operator or the OS killed it (ExitContext::operator_killed)
  ParentTermination,     // the parent-death signal (ExitContext::parent_exited)
  ParentRequest,         // the supervisor, its parent, stopped it (ExitContext::parent_requested)
  OtherSignal,           // any other signal nobody owned up to (SIGTERM from elsewhere, SIGABRT...)
  ProtectionError,       // SIGSYS: a system call its seccomp filter forbids
};

// What the supervisor knows beyond the status: a SIGKILL alone does not say
// whether the OOM killer, an operator or the supervisor sent it.
struct ExitContext {
  bool oom_killed = false;        // the cgroup's oom_kill count rose (only counts with SIGKILL)
  bool timed_out = false;         // the supervisor killed it for a timeout (stop/start/watchdog)
  bool operator_killed = false;   // `corralctl kill` or deadlock recovery
  bool parent_requested = false;  // the supervisor stopped it (stop, restart, shutdown)
  bool parent_exited = false;     // it died of its parent-death signal
};

// Context first (oom, timeout, operator, parent request, parent exit), then the
// signal; an exit is NormalCompletion unless the context says who asked for it.
TerminationReason classify(const ExitInfo& info, const ExitContext& context = {});

// What follows "killed by SIGSYS: " for a service with a syscall_filter.
std::string seccomp_kill_reason();

// "normal completion", "time limit exceeded", ... (the textbook's words).
std::string_view to_string(TerminationReason reason);

}  // namespace corral::launch
