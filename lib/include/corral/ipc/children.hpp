// SPDX-License-Identifier: Apache-2.0
// The demo parent's children: fork, parent-death signal, pidfds, and a wait that
// never hangs. The parent blocks SIGINT/SIGTERM/SIGHUP and reads them from a
// signalfd polled together with every child's pidfd, so an interrupt, a child
// that dies early, or a deadline all end the wait with a reason to report.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::ipc {

struct ChildExit {
  pid_t pid = -1;
  std::string role;
  int status = 0;  // as from waitpid
  bool clean() const;  // exited with code 0
  std::string describe() const;  // "consumer#0 (pid 42) killed by signal 9 (Killed)"
};

enum class WaitOutcome {
  all_exited,    // every child exited with code 0
  child_failed,  // a child exited non-zero or was killed by a signal
  interrupted,   // SIGINT/SIGTERM/SIGHUP reached the parent
  timed_out,     // the deadline passed with children still running
  stopped,       // the tick callback asked to stop
};
const char* to_string(WaitOutcome o);

class Children {
 public:
  // Blocks the termination signals in the caller and opens the signalfd; create
  // this first thing in main, before any IPC object exists.
  Children();
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;
  ~Children();  // kill_all() in the owning process

  // Forks a child that runs body() and _exits with its return value. The child
  // gets PR_SET_PDEATHSIG(SIGKILL) and the parent's original signal mask.
  Result<pid_t> spawn(std::string role, const std::function<int()>& body);

  struct Wait {
    WaitOutcome outcome = WaitOutcome::all_exited;
    int signal = 0;                 // for interrupted
    std::vector<ChildExit> failed;  // for child_failed
    std::string describe() const;
  };
  // Waits until every child has exited, or one fails, a signal arrives, the
  // timeout passes, or tick() returns false (called about every tick_period).
  Wait wait_all(std::chrono::milliseconds timeout, const std::function<bool()>& tick = {},
                std::chrono::milliseconds tick_period = std::chrono::milliseconds(100));
  // Waits only for a signal (used by --hold): returns the signal number, or 0
  // when a child died meanwhile.
  int wait_for_signal();

  // SIGKILLs every child still running and reaps it.
  void kill_all();
  std::size_t running() const;
  std::vector<pid_t> pids() const;
  const std::vector<ChildExit>& exits() const { return exits_; }

 private:
  struct Child {
    pid_t pid;
    std::string role;
    UniqueFd pidfd;
    bool reaped = false;
  };
  void reap(Child& c);

  pid_t owner_;
  UniqueFd sigfd_;
  sigset_t old_mask_{};  // restored in children
  std::vector<Child> children_;
  std::vector<ChildExit> exits_;
};

}  // namespace corral::ipc
