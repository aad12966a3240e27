// SPDX-License-Identifier: Apache-2.0
// The supervisor's launch path. A launch no longer blocks the event loop until
// the child has exec'd:
// - the prepared work (launch::prepare: the resolved path, argv/envp, user and
//   groups, opened files, the cgroup fds, the seccomp program) is kept per
//   service and reused by every restart while the LaunchSpec built for it stays
//   the same; a reload that changes the config changes the spec;
// - launch::start clones the child and returns; the error pipe's read end (the
//   handshake) becomes one more fd in epoll, and the launch completes when it
//   reads EOF (exec'd: Event::Launched) or a failure record (Event::LaunchFailed
//   with the same per-step text as before). Until then the service is Starting,
//   with its pid, as before;
// - the child's exit can be seen (pidfd or SIGCHLD) before the handshake in the
//   same loop turn: child_exited settles the handshake first, so a failed exec is
//   still "exec /x: No such file or directory", not "exited with code 127".
#include <poll.h>
#include <cerrno>
#include <signal.h>
#include <sys/wait.h>

#include "corral/config/to_launch_spec.hpp"
#include "../daemon_log.hpp"
#include "../supervisor.hpp"

namespace corral::daemon {

using supervise::Event;

void Supervisor::launch(Service& s) {
  if (s.next_spec) {  // a reload changed it: the new settings take effect now
    s.spec = std::move(*s.next_spec);
    s.next_spec.reset();
    s.machine.set_policy(s.spec.policy());
    s.log = std::make_unique<supervise::LogFile>(log_path(s.spec.name()), s.spec.cfg.log_max_size,
                                                 static_cast<int>(s.spec.cfg.log_keep));
  }
  auto now = supervise::Clock::now();
  if (Status st = ensure_log_pipe(s); !st) {
    apply(s, s.machine.launch_failed(now, wall_ms_now(), st.error().message));
    return;
  }
  launch::LaunchSpec ls = config::to_launch_spec(s.spec.cfg);
  ls.stdin_target = launch::StdioTarget::null();
  ls.stdout_target = launch::StdioTarget::from_fd(s.log_write.get());
  ls.stderr_target = launch::StdioTarget::from_fd(s.log_write.get());
  ls.new_session = true;
  // Services outlive corrald by default (a restarted corrald adopts them); a
  // service may ask to be signalled instead (parent_death_signal = "TERM").
  ls.parent_death_signal = s.spec.cfg.parent_death_signal;
  if (before_launch) {
    if (Status st = before_launch(s, ls); !st) {
      log_line("%s: %s", s.spec.name().c_str(), st.error().message.c_str());
      apply(s, s.machine.launch_failed(now, wall_ms_now(), st.error().message));
      return;
    }
  }
  if (!s.prepared || !s.prepared_for || !(*s.prepared_for == ls)) {
    auto p = launch::prepare(ls);
    if (!p) {
      drop_prepared(s);
      log_line("%s: %s", s.spec.name().c_str(), p.error().message.c_str());
      apply(s, s.machine.launch_failed(now, wall_ms_now(), p.error().message));
      return;
    }
    s.prepared = std::move(*p);
    s.prepared_for = std::make_unique<launch::LaunchSpec>(std::move(ls));
  }
  auto r = launch::start(s.prepared);
  if (!r) {
    drop_prepared(s);
    log_line("%s: %s", s.spec.name().c_str(), r.error().message.c_str());
    apply(s, s.machine.launch_failed(now, wall_ms_now(), r.error().message));
    return;
  }
  s.pid = r->process.pid;
  s.adopted = false;
  s.pidfd = std::move(r->process.pidfd);
  by_pid_[s.pid] = &s;
  s.pending = std::make_unique<launch::Pending>(std::move(*r));
  watch_exit(s);
  // A vfork-style child has usually exec'd (or failed) by now: settle at once if
  // the pipe says so, else when epoll does.
  int fd = s.pending->handshake.get();
  Service* sp = &s;
  if (Status st = loop_.add(fd, EPOLLIN, [this, sp](std::uint32_t) { (void)settle_launch(*sp); }); !st) {
    log_line("%s: %s", s.spec.name().c_str(), st.error().message.c_str());
    (void)settle_launch(s, /*block=*/true);  // cannot wait in epoll: wait here
    return;
  }
  (void)settle_launch(s);
}

void Supervisor::watch_exit(Service& s) {
  if (!s.pidfd) return;
  Service* sp = &s;
  Status st = loop_.add(s.pidfd.get(), EPOLLIN, [this, sp](std::uint32_t) {
    siginfo_t si{};
    if (::waitid(P_PIDFD, static_cast<id_t>(sp->pidfd.get()), &si, WEXITED | WNOHANG) != 0 || si.si_pid == 0) return;
    int ws = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status | (si.si_code == CLD_DUMPED ? 0x80 : 0);
    child_exited(*sp, ws);
  });
  if (!st) log_line("%s: %s", s.spec.name().c_str(), st.error().message.c_str());
}

Supervisor::Settled Supervisor::settle_launch(Service& s, bool block) {
  if (!s.pending) return Settled::Launched;
  const int fd = s.pending->handshake.get();
  if (block) {
    pollfd pf{fd, POLLIN, 0};
    while (::poll(&pf, 1, -1) < 0 && errno == EINTR) {
    }
  }
  auto done = launch::poll_handshake(*s.pending);
  if (done && !*done) return Settled::Pending;  // still in its setup
  loop_.remove(fd);
  std::unique_ptr<launch::Pending> pending = std::move(s.pending);
  if (!done) {
    // The child has been reaped: forget the process, report the step's error.
    if (s.pidfd) loop_.remove(s.pidfd.get());
    s.pidfd.reset();
    by_pid_.erase(s.pid);
    s.pid = 0;
    drop_prepared(s);
    log_line("%s: %s", s.spec.name().c_str(), done.error().message.c_str());
    apply(s, s.machine.launch_failed(supervise::Clock::now(), wall_ms_now(), done.error().message));
    if (s.remove_when_stopped && s.pid <= 0 && s.machine.state() != supervise::State::Starting) forget(s);
    return Settled::Failed;  // s may be gone
  }
  s.seccomp_listener = std::move(pending->process.seccomp_listener);
  if (s.seccomp_listener) {
    DaemonEvent e;
    e.kind = DaemonEvent::Kind::SeccompListener;
    e.service = s.spec.name();
    e.pid = s.pid;
    e.fd = s.seccomp_listener.get();
    events_.publish(std::move(e));
  }
  if (after_launch) after_launch(s);
  apply(s, s.machine.handle(Event::Launched, supervise::Clock::now()));
  return Settled::Launched;
}

void Supervisor::drop_prepared(Service& s) {
  s.prepared.reset();
  s.prepared_for.reset();
}

}  // namespace corral::daemon
