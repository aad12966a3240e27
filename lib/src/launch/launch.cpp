// SPDX-License-Identifier: Apache-2.0
// prepare / start / poll_handshake, and launch() made of them. A failed child is
// reaped here, so the caller gets either a running process (pid + pidfd) or an
// Error, never a half-started child.
#include "corral/launch/launch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include <optional>

#include "child_setup.hpp"
#include "learn_handoff.hpp"
#include "prepared_launch.hpp"
#include "spawn.hpp"

namespace corral::launch {
namespace {

void reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  reap(pid);
}

}  // namespace

Result<Prepared> prepare(const LaunchSpec& spec) {
  auto prepared = prepare_launch(spec);
  if (!prepared) return prepared.error();
  return Prepared(std::make_shared<const PreparedLaunch>(std::move(*prepared)));
}

Result<Pending> start(const Prepared& prepared) {
  const PreparedLaunch& p = *prepared;
  ChildContext ctx;
  ctx.prepared = &p;
  // Learning mode: the child's listener comes back through learn_handoff.
  std::optional<LearnPipes> learn;
  if (p.load_filter && p.learn) {
    auto pipes = make_learn_pipes();
    if (!pipes) return pipes.error();
    learn = std::move(*pipes);
    ctx.learn_report_fd = learn->report_write.get();
    ctx.learn_sync_fd = learn->sync_read.get();
  }

  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return errno_error("pipe2 for launch of " + p.exec_path);
  UniqueFd read_end(ends[0]);
  UniqueFd write_end(ends[1]);
  if (auto st = move_above_stdio(write_end, "launch error pipe"); !st) return st.error();
  ctx.error_fd = write_end.get();

  // A learning child waits for the launcher before execve: it needs its own memory.
  auto spawned = spawn_child(ctx, /*shared_memory_ok=*/!learn);
  if (!spawned) return spawned.error();
  write_end.reset();  // else our own copy would keep the pipe from reaching EOF
  if (learn) {
    learn->report_write.reset();  // EOF on the report pipe then means the child is gone
    learn->sync_read.reset();
  }

  Pending pending;
  pending.process.pid = spawned->pid;
  pending.process.pidfd = std::move(spawned->pidfd);
  pending.process.method = spawned->method;
  pending.process.born_in_cgroup = spawned->in_cgroup;
  pending.process.slots_only = spawned->slots_only;
  pending.handshake = std::move(read_end);
  pending.prepared = prepared;
  if (learn) {
    auto listener = take_listener(pending.process.pidfd.get(), *learn, pending.handshake.get());
    if (!listener) {
      kill_and_reap(pending.process.pid);
      return listener.error();
    }
    pending.process.seccomp_listener = std::move(*listener);
  }
  return pending;
}

Result<bool> poll_handshake(Pending& pending) {
  pollfd pf{pending.handshake.get(), POLLIN, 0};
  int r = ::poll(&pf, 1, 0);
  if (r < 0 && errno != EINTR) return errno_error("poll launch error pipe");
  if (r <= 0) return false;
  // Readable: a whole record (written at once, smaller than PIPE_BUF) or EOF. After
  // a record the child _exits at once, so reading on to EOF takes no time.
  auto failure = receive_child_failure(pending.handshake.get());
  pending.handshake.reset();
  const pid_t pid = pending.process.pid;
  if (!failure) {
    kill_and_reap(pid);  // the protocol broke; the child's state is unknown
    return failure.error();
  }
  if (*failure) {
    reap(pid);  // ECHILD if the caller reaped it already; fine
    return describe_failure(*pending.prepared, **failure);
  }
  return true;
}

Result<Launched> launch(const LaunchSpec& spec) {
  auto prepared = prepare(spec);
  if (!prepared) return prepared.error();
  auto pending = start(*prepared);
  if (!pending) return pending.error();
  for (;;) {
    pollfd pf{pending->handshake.get(), POLLIN, 0};
    if (::poll(&pf, 1, -1) < 0 && errno != EINTR) {
      int err = errno;
      kill_and_reap(pending->process.pid);
      return Error::from_errno(err, "poll launch error pipe");
    }
    auto done = poll_handshake(*pending);
    if (!done) return done.error();
    if (*done) return std::move(pending->process);
  }
}

}  // namespace corral::launch
