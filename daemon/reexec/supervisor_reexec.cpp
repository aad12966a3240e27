// SPDX-License-Identifier: Apache-2.0
// The Supervisor's re-exec entry point (declared in supervisor.hpp), kept here
// so that supervisor.cpp stays about launching and reaping.
#include <sys/wait.h>

#include "../supervisor.hpp"

namespace corral::daemon {

using supervise::Event;

Status Supervisor::take_child(Service& s, pid_t pid, UniqueFd pidfd, UniqueFd seccomp_listener) {
  if (s.pid > 0) return Error::logic(s.spec.name() + " already has a process", EEXIST);
  s.pid = pid;
  s.adopted = false;
  s.pidfd = std::move(pidfd);
  s.seccomp_listener = std::move(seccomp_listener);
  by_pid_[pid] = &s;
  if (s.pidfd) {
    Service* sp = &s;
    // As in launch(): our child, so waitid gives its exact status; whichever of
    // this and SIGCHLD's waitpid sees the exit first handles it.
    Status st = loop_.add(s.pidfd.get(), EPOLLIN, [this, sp](std::uint32_t) {
      siginfo_t si{};
      if (::waitid(P_PIDFD, static_cast<id_t>(sp->pidfd.get()), &si, WEXITED | WNOHANG) != 0 || si.si_pid == 0) return;
      int ws = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status | (si.si_code == CLD_DUMPED ? 0x80 : 0);
      child_exited(*sp, ws);
    });
    if (!st) s.pidfd.reset();  // SIGCHLD still reaps it
  }
  if (s.seccomp_listener) {
    DaemonEvent e;
    e.kind = DaemonEvent::Kind::SeccompListener;
    e.service = s.spec.name();
    e.pid = s.pid;
    e.fd = s.seccomp_listener.get();
    events_.publish(std::move(e));
  }
  apply(s, s.machine.handle(Event::Adopted, supervise::Clock::now()));
  return {};
}

}  // namespace corral::daemon
