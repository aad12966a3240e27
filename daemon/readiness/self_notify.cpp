// SPDX-License-Identifier: Apache-2.0
#include "self_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstddef>
#include <cstring>

#include "../daemon_log.hpp"

namespace corral::daemon::readiness {

SelfNotify::SelfNotify(EventLoop& loop) : loop_(loop) {
  const char* sock = std::getenv("NOTIFY_SOCKET");
  if (!sock || !*sock || (sock[0] != '/' && sock[0] != '@')) return;
  address_ = sock;
  if (address_.size() >= sizeof(sockaddr_un::sun_path)) return;
  fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  // Our services must not inherit our manager's socket: they get corrald's own.
  ::unsetenv("NOTIFY_SOCKET");
  const char* wd = std::getenv("WATCHDOG_USEC");
  const char* wd_pid = std::getenv("WATCHDOG_PID");
  bool for_us = !wd_pid || std::strtol(wd_pid, nullptr, 10) == ::getpid();
  if (wd && for_us) {
    long long us = std::strtoll(wd, nullptr, 10);
    if (us > 0) watchdog_ = std::chrono::microseconds(us);
  }
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  if (fd_ && watchdog_.count() > 0) feed_watchdog();
}

SelfNotify::~SelfNotify() { loop_.cancel_timer(watchdog_timer_); }

Status SelfNotify::send(std::string_view message) {
  if (!fd_) return {};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  if (::sendto(fd_.get(), message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
               reinterpret_cast<sockaddr*>(&addr), len) < 0)
    return errno_error("sd_notify to " + address_);
  return {};
}

void SelfNotify::ready(const std::string& status) {
  last_status_ = status;
  ready_sent_ = true;
  if (Status st = send("READY=1\nSTATUS=" + status); !st) log_line("%s", st.error().message.c_str());
}

void SelfNotify::reloading() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  long long us = static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  (void)send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(us));
}

void SelfNotify::stopping() { (void)send("STOPPING=1"); }

void SelfNotify::status(const std::string& text) {
  if (!fd_ || !ready_sent_ || text == last_status_) return;  // READY=1 comes first
  last_status_ = text;
  (void)send("STATUS=" + text);
}

void SelfNotify::feed_watchdog() {
  (void)send("WATCHDOG=1");
  // Twice per period, as sd_watchdog_enabled(3) advises.
  watchdog_timer_ = loop_.add_timer(std::chrono::steady_clock::now() + watchdog_ / 2, [this] {
    watchdog_timer_ = 0;
    feed_watchdog();
  });
}

}  // namespace corral::daemon::readiness
