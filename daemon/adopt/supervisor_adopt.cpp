// SPDX-License-Identifier: Apache-2.0
// The Supervisor's two re-adoption entry points (declared in supervisor.hpp),
// kept here so that supervisor.cpp stays about launching and reaping.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../daemon_log.hpp"
#include "../supervisor.hpp"

namespace corral::daemon {

using supervise::Event;

namespace {

supervise::ExitInfo unknown_exit(std::string description) {
  supervise::ExitInfo info;
  info.wall_time_ms = wall_ms_now();
  info.code = -1;  // not 0: failed() is true, so on-failure restarts it
  info.description = std::move(description);
  return info;
}

}  // namespace

Status Supervisor::adopt(Service& s, pid_t pid) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd) return errno_error("pidfd_open " + std::to_string(pid));
  return adopt(s, pid, std::move(fd));
}

Status Supervisor::adopt(Service& s, pid_t pid, UniqueFd fd) {
  s.pid = pid;
  s.pidfd = std::move(fd);
  s.adopted = true;
  Service* sp = &s;
  // Not our child: no SIGCHLD and no waitid. The pidfd becomes readable when it ends.
  Status st = loop_.add(s.pidfd.get(), EPOLLIN, [this, sp](std::uint32_t) {
    process_ended(*sp, unknown_exit("exit status unknown (adopted process, not a child of this corrald)"));
  });
  if (!st) {
    s.pid = 0;
    s.pidfd.reset();
    s.adopted = false;
    return st;
  }
  apply(s, s.machine.handle(Event::Adopted, supervise::Clock::now()));
  return {};
}

void Supervisor::adopt_gone(Service& s, const std::string& why) {
  auto now = supervise::Clock::now();
  apply(s, s.machine.handle(Event::Adopted, now));
  {
    DaemonEvent e;
    e.kind = DaemonEvent::Kind::Exit;
    e.service = s.spec.name();
    e.reason = why;
    events_.publish(std::move(e));
  }
  apply(s, s.machine.exited(now, unknown_exit(why)));
}

Status Supervisor::take_log_pipe(Service& s, UniqueFd read_end, UniqueFd write_end) {
  if (s.log_read) return Error::logic(s.spec.name() + " already has a log pipe", EEXIST);
  ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
  s.log_read = std::move(read_end);
  s.log_write = std::move(write_end);
  Service* sp = &s;
  Status st = loop_.add(s.log_read.get(), EPOLLIN, [this, sp](std::uint32_t) { drain_log(*sp); });
  if (!st) {
    s.log_read.reset();
    s.log_write.reset();
  }
  return st;
}

}  // namespace corral::daemon
