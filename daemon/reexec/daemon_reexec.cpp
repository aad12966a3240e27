// SPDX-License-Identifier: Apache-2.0
// The old side of a live re-exec (`corralctl daemon-reexec`, SIGUSR2): corrald
// execs its binary again, by path, in its own process. Everything a service
// depends on survives the exec: the pid (the services stay its children), and
// the descriptors named in the hand-over (persist/handover.hpp), whose
// FD_CLOEXEC is cleared only around the execve. If execve fails nothing has
// been given up: the flags are put back and corrald carries on, with an error
// for whoever asked.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "../daemon.hpp"
#include "../daemon_log.hpp"

namespace corral::daemon {

using nlohmann::json;
using protocol::Response;

namespace {

// FD_CLOEXEC is the only descriptor flag: set without reading it first (one
// call per descriptor, not two: 4,000 descriptors with 1,000 services).
void set_cloexec(const std::vector<int>& fds, bool on) {
  for (int fd : fds) ::fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0);
}

// The memfd the new corrald reads its hand-over from (not close-on-exec).
Result<UniqueFd> handover_memfd(const std::string& text) {
  UniqueFd fd(::memfd_create("corrald-handover", 0));
  if (!fd) return errno_error("memfd_create");
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return errno_error("write the hand-over");
    off += static_cast<std::size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return errno_error("lseek the hand-over");
  return fd;
}

// The command line the new corrald runs with: the one this corrald was
// started with, with the hand-over option of an earlier re-exec replaced.
std::vector<std::string> next_argv(const std::vector<std::string>& argv, int handover_fd) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--handover") {
      ++i;  // and its value
      continue;
    }
    if (argv[i].rfind("--handover=", 0) == 0) continue;
    out.push_back(argv[i]);
  }
  out.push_back("--handover");
  out.push_back(std::to_string(handover_fd));
  return out;
}

// The environment the new corrald starts with: this one, plus what SelfNotify
// took out of it so that services would not inherit it (systemd's socket and
// watchdog are still corrald's: same pid).
std::vector<std::string> next_env(const readiness::SelfNotify& notify) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string_view v(*e);
    if (v.starts_with("NOTIFY_SOCKET=") || v.starts_with("WATCHDOG_USEC=") || v.starts_with("WATCHDOG_PID=")) continue;
    out.emplace_back(v);
  }
  if (notify.enabled()) {
    out.push_back("NOTIFY_SOCKET=" + notify.address());
    if (notify.watchdog().count() > 0) {
      out.push_back("WATCHDOG_USEC=" + std::to_string(notify.watchdog().count()));
      out.push_back("WATCHDOG_PID=" + std::to_string(::getpid()));
    }
  }
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

void Daemon::handle_daemon_reexec(ClientId id, const Peer& peer) {
  // Replacing the daemon is for root (and corrald's own user), not the socket's group.
  if (peer.uid != 0 && peer.uid != ::geteuid())
    return server_->reply(id, Response::failure("daemon-reexec refused: only root or corrald's own user may re-execute corrald"));
  if (Status st = reexec(id); !st) server_->reply(id, Response::failure(st.error().message));
  // On success this process is the new corrald now, and it answers the client.
}

Status Daemon::reexec(std::optional<ClientId> requester) {
  if (shutting_down_) return Error::logic("daemon-reexec refused: corrald is shutting down", EBUSY);
  if (settings_.binary.empty() || settings_.argv.empty())
    return Error::logic("daemon-reexec: corrald does not know the path of its binary", ENOENT);
  // The new corrald reads the config as it starts: a config it could not start
  // on is refused here, while this corrald can still say so and go on. Files
  // unchanged since this corrald loaded them load again (config_files.hpp):
  // with 1,000 services that check is 30 ms the control socket does not answer.
  if (!config_stamp_ || *config_stamp_ != config::stamp_config(settings_.config_path)) {
    auto cfg = load_daemon_config(settings_.config_path);
    if (!cfg)
      return Error::logic("daemon-reexec refused, corrald goes on: the config does not load:\n" + cfg.error().message,
                          EINVAL);
  }

  persist::Handover h;
  h.generation = generation_ + 1;
  h.binary = settings_.binary;
  h.listen_fd = server_->listen_fd();
  if (state_) {
    // The crash path's fallback, should the new binary not read the hand-over:
    // the file, brought up to date if it is behind (an unneeded write would be
    // two fsyncs inside the time the control socket does not answer).
    state_->flush();
    h.state = state_->snapshot();
  }
  const auto now = supervise::Clock::now();
  for (const auto& [name, s] : sup_->services()) {
    persist::HandoverService hs;
    hs.name = name;
    hs.pidfd = s->pidfd.get();
    hs.log_read = s->log_read.get();
    hs.log_write = s->log_write.get();
    hs.seccomp_listener = s->seccomp_listener.get();
    hs.adopted = s->adopted;
    if (s->pid > 0 && s->machine.started_at())
      hs.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - *s->machine.started_at()).count();
    h.services.push_back(std::move(hs));
    if (s->spec.transient) h.run_commands[name] = s->spec.cfg.argv;
  }
  for (const auto& c : server_->client_states()) {
    persist::HandoverClient hc;
    hc.fd = c.fd;
    hc.in = c.in;
    hc.out = c.out;
    hc.requester = requester && *requester == c.id;
    for (const auto& p : pending_)
      if (p.client == c.id) {
        hc.pending = std::string(protocol::command_name(p.command));
        hc.pending_names = p.names;
        hc.no_block = p.no_block;
      }
    for (const auto& [name, list] : followers_)
      if (std::find(list.begin(), list.end(), c.id) != list.end()) hc.follows = name;
    // An `events` follower is not handed over: the exec closes it, and its
    // client sees the end of the stream (it may follow again).
    if (c.following && hc.follows.empty()) continue;
    h.clients.push_back(std::move(hc));
  }

  log_line("daemon-reexec: executing %s (generation %d, %zu services, %zu clients handed over)",
           settings_.binary.c_str(), h.generation, h.services.size(), h.clients.size());
  self_notify_->reloading();  // RELOADING=1; the new corrald sends READY=1 (same MAINPID)
  h.exec_wall_ms = wall_ms_now();
  auto memfd = handover_memfd(persist::encode_handover(h));
  if (!memfd) {
    self_notify_->ready(services_summary());
    return Error::logic("daemon-reexec failed, corrald goes on: " + memfd.error().message, memfd.error().code);
  }
  std::vector<std::string> args = next_argv(settings_.argv, memfd->get());
  std::vector<std::string> env = next_env(*self_notify_);
  std::vector<char*> argv = pointers(args), envp = pointers(env);

  const std::vector<int> fds = persist::handover_fds(h);
  set_cloexec(fds, false);
  ::execve(settings_.binary.c_str(), argv.data(), envp.data());
  const int err = errno;
  set_cloexec(fds, true);  // nothing was given up: this corrald goes on as it was
  self_notify_->ready(services_summary());
  log_line("daemon-reexec: exec %s: %s; corrald goes on", settings_.binary.c_str(), std::strerror(err));
  return Error::logic("daemon-reexec failed, corrald goes on: exec " + settings_.binary + ": " + std::strerror(err),
                      err);
}

}  // namespace corral::daemon
