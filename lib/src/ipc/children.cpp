// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/children.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "corral/ipc/clock.hpp"

namespace corral::ipc {

namespace {

sigset_t termination_signals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGHUP);
  return s;
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

bool ChildExit::clean() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string ChildExit::describe() const {
  std::string s = role + " (pid " + std::to_string(pid) + ")";
  if (WIFEXITED(status)) return s + " exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return s + " killed by signal " + std::to_string(WTERMSIG(status)) + " (" + ::strsignal(WTERMSIG(status)) + ")";
  return s + " ended with status " + std::to_string(status);
}

const char* to_string(WaitOutcome o) {
  switch (o) {
    case WaitOutcome::all_exited: return "all children exited";
    case WaitOutcome::child_failed: return "a child failed";
    case WaitOutcome::interrupted: return "interrupted";
    case WaitOutcome::timed_out: return "timed out";
    case WaitOutcome::stopped: return "stopped";
  }
  return "?";
}

std::string Children::Wait::describe() const {
  switch (outcome) {
    case WaitOutcome::child_failed: {
      std::string s;
      for (const auto& e : failed) s += (s.empty() ? "" : "; ") + e.describe();
      return "unexpected child death: " + s;
    }
    case WaitOutcome::interrupted:
      return std::string("interrupted by signal ") + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    default:
      return to_string(outcome);
  }
}

Children::Children() : owner_(::getpid()) {
  const sigset_t s = termination_signals();
  ::sigprocmask(SIG_BLOCK, &s, &old_mask_);
  sigfd_.reset(::signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK));
}

Children::~Children() {
  if (::getpid() != owner_) return;
  kill_all();
  // Give the caller its signal mask back, so a second run in the same process
  // (the benchmarks) saves the right one for its children.
  ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

Result<pid_t> Children::spawn(std::string role, const std::function<int()>& body) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return errno_error("fork " + role);
  if (pid == 0) {
    // Die with the parent: no orphan ever keeps a semaphore or a segment busy.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(120);
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    int rc = 121;
    try {
      rc = body();
    } catch (...) {
      rc = 122;  // a Boost.Interprocess exception in a child is a failed child
    }
    ::_exit(rc);
  }
  const int fd = pidfd_open(pid);
  if (fd < 0) {
    const int e = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return Error::from_errno(e, "pidfd_open " + role);
  }
  children_.push_back(Child{pid, std::move(role), UniqueFd(fd), false});
  return pid;
}

void Children::reap(Child& c) {
  int status = 0;
  if (::waitpid(c.pid, &status, 0) == c.pid) {
    c.reaped = true;
    c.pidfd.reset();
    exits_.push_back(ChildExit{c.pid, c.role, status});
  }
}

Children::Wait Children::wait_all(std::chrono::milliseconds timeout, const std::function<bool()>& tick,
                                  std::chrono::milliseconds tick_period) {
  Wait w;
  const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(timeout.count()) * 1'000'000ULL;
  std::uint64_t next_tick = now_ns() + static_cast<std::uint64_t>(tick_period.count()) * 1'000'000ULL;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Child*> who;
    fds.push_back(pollfd{sigfd_.get(), POLLIN, 0});
    for (auto& c : children_) {
      if (c.reaped) continue;
      fds.push_back(pollfd{c.pidfd.get(), POLLIN, 0});
      who.push_back(&c);
    }
    if (who.empty()) {
      w.outcome = WaitOutcome::all_exited;
      return w;
    }
    const std::uint64_t now = now_ns();
    if (now >= deadline) {
      w.outcome = WaitOutcome::timed_out;
      return w;
    }
    std::uint64_t until = deadline;
    if (tick && next_tick < until) until = next_tick;
    const int ms = static_cast<int>((until - now + 999'999) / 1'000'000);
    const int n = ::poll(fds.data(), fds.size(), ms);
    if (n < 0 && errno != EINTR) {
      w.outcome = WaitOutcome::timed_out;
      return w;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si{};
      if (::read(sigfd_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        w.outcome = WaitOutcome::interrupted;
        w.signal = static_cast<int>(si.ssi_signo);
        return w;
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
      reap(*who[i - 1]);
      if (!exits_.empty() && !exits_.back().clean()) w.failed.push_back(exits_.back());
    }
    if (!w.failed.empty()) {
      // Ctrl-C reaches the whole process group: a child killed by it may be
      // reaped before the parent's own signal is read. Call that an interrupt.
      bool by_terminal_signal = false;
      for (const auto& e : w.failed)
        by_terminal_signal = by_terminal_signal || (WIFSIGNALED(e.status) && (WTERMSIG(e.status) == SIGINT ||
                                                                              WTERMSIG(e.status) == SIGTERM ||
                                                                              WTERMSIG(e.status) == SIGHUP));
      pollfd sp{sigfd_.get(), POLLIN, 0};
      if (::poll(&sp, 1, by_terminal_signal ? 200 : 0) == 1) {
        signalfd_siginfo si{};
        if (::read(sigfd_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
          w.outcome = WaitOutcome::interrupted;
          w.signal = static_cast<int>(si.ssi_signo);
          return w;
        }
      }
      w.outcome = WaitOutcome::child_failed;
      return w;
    }
    if (tick && now_ns() >= next_tick) {
      next_tick = now_ns() + static_cast<std::uint64_t>(tick_period.count()) * 1'000'000ULL;
      if (!tick()) {
        w.outcome = WaitOutcome::stopped;
        return w;
      }
    }
  }
}

int Children::wait_for_signal() {
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back(pollfd{sigfd_.get(), POLLIN, 0});
    for (auto& c : children_)
      if (!c.reaped) fds.push_back(pollfd{c.pidfd.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return 0;
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si{};
      if (::read(sigfd_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) return static_cast<int>(si.ssi_signo);
    }
    for (std::size_t i = 1; i < fds.size(); ++i)
      if (fds[i].revents) return 0;
  }
}

void Children::kill_all() {
  for (auto& c : children_)
    if (!c.reaped) ::syscall(SYS_pidfd_send_signal, c.pidfd.get(), SIGKILL, nullptr, 0);
  for (auto& c : children_)
    if (!c.reaped) reap(c);
}

std::size_t Children::running() const {
  std::size_t n = 0;
  for (const auto& c : children_) n += c.reaped ? 0 : 1;
  return n;
}

std::vector<pid_t> Children::pids() const {
  std::vector<pid_t> v;
  for (const auto& c : children_)
    if (!c.reaped) v.push_back(c.pid);
  return v;
}

}  // namespace corral::ipc
