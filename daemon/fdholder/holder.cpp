// SPDX-License-Identifier: Apache-2.0
#include "holder.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <vector>

#include "corral/base/unique_fd.hpp"
#include "fd_passing.hpp"

namespace corral::daemon::fdholder {

namespace {

// How often the holder checks that its socket file still exists. Not corrald's
// loop: the holder is a separate, tiny process.
constexpr int kCheckMs = 5000;

bool same_file(const std::string& path, const struct stat& at_bind) {
  struct stat now{};
  return ::stat(path.c_str(), &now) == 0 && now.st_ino == at_bind.st_ino && now.st_dev == at_bind.st_dev;
}

// The answer to TAKE: "FDS " and the names, one per line, with their
// descriptors in the same order, as many to a message as fit, then "END". A
// thousand services' 2,000 pipe ends go in 8 messages instead of 2,000, which
// is most of what a restarted corrald waits for here. A name with a newline
// (never one corrald stores) goes alone, as "FD name".
bool send_kept(int client, const std::map<std::string, UniqueFd>& kept) {
  std::string names;
  std::vector<int> fds;
  auto flush = [&] {
    if (fds.empty()) return true;
    bool sent = static_cast<bool>(send_message(client, "FDS " + names, fds));
    names.clear();
    fds.clear();
    return sent;
  };
  for (const auto& [name, fd] : kept) {
    if (name.find('\n') != std::string::npos) {
      if (!send_message(client, "FD " + name, fd.get())) return false;
      continue;
    }
    if (fds.size() == kMaxFds || 4 + names.size() + 1 + name.size() > kMaxMessage) {
      if (!flush()) return false;
    }
    if (!names.empty()) names += '\n';
    names += name;
    fds.push_back(fd.get());
  }
  return flush() && static_cast<bool>(send_message(client, "END"));
}

// Handles one message; false when the client is done (EOF, error) or on QUIT.
bool serve(int client, std::map<std::string, UniqueFd>& kept, bool& quit) {
  auto m = recv_message(client);
  if (!m) return false;
  const std::string& t = m->text;
  if (t.rfind("STORE ", 0) == 0 && m->fds.size() == 1) {
    kept[t.substr(6)] = std::move(m->fds.front());
  } else if (t.rfind("DROP ", 0) == 0) {
    kept.erase(t.substr(5));
  } else if (t == "TAKE") {
    if (!send_kept(client, kept)) return false;
  } else if (t == "QUIT") {
    quit = true;
    return false;
  }
  return true;
}

[[noreturn]] void holder_main(UniqueFd listener, const std::string& path, struct stat at_bind) {
  std::map<std::string, UniqueFd> kept;
  std::vector<UniqueFd> clients;
  bool quit = false;
  while (!quit) {
    std::vector<pollfd> pfds{{listener.get(), POLLIN, 0}};
    for (const auto& c : clients) pfds.push_back({c.get(), POLLIN, 0});
    int n = ::poll(pfds.data(), pfds.size(), kCheckMs);
    if (n < 0 && errno != EINTR) break;
    if (n == 0) {
      if (!same_file(path, at_bind)) break;
      continue;
    }
    for (std::size_t i = pfds.size(); i-- > 1;) {
      if (!pfds[i].revents) continue;
      if (!serve(clients[i - 1].get(), kept, quit) || quit) clients.erase(clients.begin() + static_cast<long>(i - 1));
      if (quit) break;
    }
    if (!quit && (pfds[0].revents & POLLIN)) {
      int c = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) clients.emplace_back(c);
    }
  }
  if (quit && same_file(path, at_bind)) ::unlink(path.c_str());
  ::_exit(0);
}

}  // namespace

Result<pid_t> spawn_holder(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) return Error::logic("fd holder socket path too long: " + socket_path, ENAMETOOLONG);
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
  UniqueFd s(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!s) return errno_error("fd holder: socket");
  ::unlink(socket_path.c_str());  // a stale one: nobody answered on it
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return errno_error("bind " + socket_path);
  ::chmod(socket_path.c_str(), 0600);
  if (::listen(s.get(), 8) != 0) return errno_error("listen " + socket_path);
  struct stat at_bind{};
  if (::stat(socket_path.c_str(), &at_bind) != 0) return errno_error("stat " + socket_path);
  pid_t pid = ::fork();
  if (pid < 0) return errno_error("fd holder: fork");
  if (pid == 0) {
    // Its own session: a signal to corrald's process group is not for it.
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    ::signal(SIGINT, SIG_IGN);
    // SCHED_BATCH: a message from corrald wakes the holder, and a woken normal task
    // may preempt the one that woke it. At a cold start of 1,000 services that
    // made half of corrald's launches wait for the holder to run first (a quarter
    // of corrald's context switches). The holder only has to have the fds when
    // corrald dies, not at once; batch tasks run when a CPU is free or at the
    // next tick.
    sched_param batch{};
    (void)::sched_setscheduler(0, SCHED_BATCH, &batch);
    // Nothing of corrald's but the listening socket (its fds are close-on-exec,
    // but there is no exec here).
    int keep = s.release();
    if (keep != 3) {
      ::dup3(keep, 3, O_CLOEXEC);
      ::close(keep);
    }
    ::close_range(4, ~0U, 0);
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::close(devnull);
    }
    holder_main(UniqueFd(3), socket_path, at_bind);
  }
  return pid;
}

}  // namespace corral::daemon::fdholder
