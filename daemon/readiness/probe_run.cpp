// SPDX-License-Identifier: Apache-2.0
#include "probe_run.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "../supervisor.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/config/units.hpp"
#include "corral/launch/exit_status.hpp"
#include "corral/launch/launch.hpp"

namespace corral::daemon::readiness {
namespace {

using corral::readiness::ProbeKind;
using corral::readiness::ProbeSpec;

std::string timeout_text(const ProbeSpec& spec) { return "timed out after " + config::format_duration(spec.timeout); }

// The common part: a deadline timer, and `finish` that reports once, from the loop.
class RunBase : public ProbeRun {
 protected:
  RunBase(EventLoop& loop, const ProbeSpec& spec, Done done) : loop_(loop), spec_(spec), done_(std::move(done)) {}
  ~RunBase() override {
    loop_.cancel_timer(deadline_);
    *run_alive_ = false;
  }
  void arm_deadline() {
    deadline_ = loop_.add_timer(std::chrono::steady_clock::now() + spec_.timeout, [this] {
      deadline_ = 0;
      on_timeout();
    });
  }
  virtual void on_timeout() { finish(false, timeout_text(spec_)); }
  void finish(bool ok, std::string detail) {
    if (finished_) return;
    finished_ = true;
    loop_.cancel_timer(deadline_);
    deadline_ = 0;
    Done d = std::move(done_);
    d(ok, std::move(detail));  // may destroy this: touch nothing after
  }
  // Reports from the loop: start() must not call back into its caller.
  void finish_later(bool ok, std::string detail) {
    loop_.defer([this, alive = run_alive_, ok, detail = std::move(detail)]() mutable {
      if (*alive) finish(ok, std::move(detail));
    });
  }

  EventLoop& loop_;
  ProbeSpec spec_;
  Done done_;
  TimerId deadline_ = 0;
  std::shared_ptr<bool> run_alive_ = std::make_shared<bool>(true);  // for deferred work that outlives us
  bool finished_ = false;
};

// The state of a TCP socket in one call: on loopback a non-blocking connect has
// usually finished (or failed) by the time it returns EINPROGRESS.
std::uint8_t tcp_state(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
  return info.tcpi_state;
}


// tcp and http: connect without blocking, then (http) one GET and the status line.
// A tcp probe's socket comes from, and goes back to, the shared ProbeSockets.
class SocketRun : public RunBase {
 public:
  SocketRun(EventLoop& loop, const ProbeSpec& spec, std::shared_ptr<ProbeSockets> sockets, Done done)
      : RunBase(loop, spec, std::move(done)), sockets_(std::move(sockets)) {}
  ~SocketRun() override {
    if (watched_) loop_.remove(fd_.get());
    if (fd_ && spec_.kind == ProbeKind::Tcp) sockets_->give_back(std::move(fd_), family_);
  }

  void begin() {
    sockaddr_storage ss{};
    socklen_t len = 0;
    std::string host = spec_.host == "localhost" ? "127.0.0.1" : spec_.host;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(spec_.port);
      len = sizeof *v4;
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(spec_.port);
      len = sizeof *v6;
    } else {
      // No DNS: a resolver call would block the loop.
      return finish_later(false, "host \"" + spec_.host + "\" is not a numeric address or localhost");
    }
    family_ = ss.ss_family;
    if (spec_.kind == ProbeKind::Tcp) fd_ = sockets_->take(family_);
    else fd_.reset(::socket(family_, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd_) return finish_later(false, std::string("socket: ") + std::strerror(errno));
    arm_deadline();
    if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0) {
      connected_ = true;
    } else if (errno != EINPROGRESS) {
      return finish_later(false, std::string("connect: ") + std::strerror(errno));
    } else {
      // On loopback the handshake has usually finished by now: one look saves
      // adding the socket to epoll, a wakeup and removing it again.
      // CLOSE_WAIT: connected, and the service has already accepted and closed.
      std::uint8_t st = tcp_state(fd_.get());
      if (st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT) connected_ = true;
      else if (st == TCP_CLOSE) {
        int err = take_socket_error(fd_.get());
        return finish_later(false, std::string("connect: ") + std::strerror(err != 0 ? err : ECONNREFUSED));
      }
    }
    if (connected_ && spec_.kind == ProbeKind::Tcp) return finish_later(true, "connected");
    if (connected_) queue_request();
    watched_ = loop_.add(fd_.get(), EPOLLOUT | EPOLLIN, [this](std::uint32_t ev) { on_ready(ev); }).ok();
    if (!watched_) finish_later(false, "cannot watch the probe socket");
  }

 private:
  void queue_request() {
    out_ = "GET " + spec_.path + " HTTP/1.0\r\nHost: " + spec_.host + "\r\nUser-Agent: corrald-probe\r\n" +
           "Connection: close\r\n\r\n";
  }

  void on_ready(std::uint32_t ev) {
    if (!connected_) {
      int err = take_socket_error(fd_.get());
      if (err == 0 && !(ev & EPOLLOUT)) return;
      if (err != 0) return finish(false, std::string("connect: ") + std::strerror(err));
      connected_ = true;
      if (spec_.kind == ProbeKind::Tcp) return finish(true, "connected");
      queue_request();
    }
    while (!out_.empty()) {
      ssize_t n = ::send(fd_.get(), out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        out_.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      return finish(false, std::string("send: ") + std::strerror(errno));
    }
    if (!sent_) {
      sent_ = true;
      (void)loop_.modify(fd_.get(), EPOLLIN);
    }
    char buf[1024];
    for (;;) {
      ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        in_.append(buf, static_cast<std::size_t>(n));
        if (in_.find('\n') != std::string::npos || in_.size() > 4096) break;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      break;  // EOF or error: judge what came
    }
    int code = corral::readiness::http_status_code(in_.substr(0, in_.find('\n')));
    if (code < 0) return finish(false, in_.empty() ? "no HTTP answer" : "not an HTTP answer");
    finish(code >= 200 && code < 300, "HTTP " + std::to_string(code));
  }

  std::shared_ptr<ProbeSockets> sockets_;
  UniqueFd fd_;
  int family_ = AF_INET;
  bool watched_ = false, connected_ = false, sent_ = false;
  std::string out_, in_;
};

// exec: a child in the service's cgroup, as its user, with its environment.
class ExecRun : public RunBase {
 public:
  ExecRun(EventLoop& loop, Supervisor& sup, const ProbeSpec& spec, Done done)
      : RunBase(loop, spec, std::move(done)), sup_(sup), alive_(std::make_shared<ExecRun*>(this)) {}
  ~ExecRun() override {
    *alive_ = nullptr;  // the reaper may still come: it finds nobody home
    if (pid_ > 0) ::kill(-pid_, SIGKILL);
  }

  void begin(const launch::LaunchSpec& base) {
    launch::LaunchSpec ls = base;
    ls.argv = spec_.exec;
    ls.stdin_target = launch::StdioTarget::null();
    ls.stdout_target = launch::StdioTarget::null();
    ls.stderr_target = launch::StdioTarget::null();
    ls.new_session = true;  // its own group: a timeout kills all it started
    ls.parent_death_signal = SIGKILL;
    ls.pass_fds.clear();
    auto r = launch::launch(ls);
    if (!r) return finish_later(false, r.error().message);
    pid_ = r->pid;
    arm_deadline();
    std::shared_ptr<ExecRun*> alive = alive_;
    sup_.watch_child(pid_, [alive](int ws) {
      if (ExecRun* self = *alive) self->reaped(ws);
    });
  }

 private:
  void on_timeout() override {
    if (pid_ > 0) ::kill(-pid_, SIGKILL);
    finish(false, timeout_text(spec_));
  }
  void reaped(int ws) {
    pid_ = 0;
    launch::ExitInfo e = launch::exit_info_from_wait_status(ws);
    bool ok = !e.signaled && e.code_or_signal == 0;
    finish(ok, launch::to_string(e));
  }

  Supervisor& sup_;
  std::shared_ptr<ExecRun*> alive_;
  pid_t pid_ = 0;
};

}  // namespace

std::unique_ptr<ProbeRun> ProbeRun::start(EventLoop& loop, Supervisor& sup, const std::shared_ptr<ProbeSockets>& sockets,
                                          const ProbeSpec& spec, const launch::LaunchSpec& exec_base, Done done) {
  if (spec.kind == ProbeKind::Exec) {
    auto run = std::make_unique<ExecRun>(loop, sup, spec, std::move(done));
    run->begin(exec_base);
    return run;
  }
  auto run = std::make_unique<SocketRun>(loop, spec, sockets, std::move(done));
  run->begin();
  return run;
}

}  // namespace corral::daemon::readiness
