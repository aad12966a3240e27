// SPDX-License-Identifier: Apache-2.0
#include "learner.hpp"

#include <fcntl.h>
#include <sys/epoll.h>

#include <chrono>

#include "corral/seccomp/notify.hpp"
#include "../daemon_log.hpp"

namespace corral::daemon {
namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SyscallLearner::SyscallLearner(EventLoop& loop, EventBus& events) : loop_(loop), events_(events) {
  subscription_ = events_.subscribe([this](const DaemonEvent& e) { on_event(e); });
}

SyscallLearner::~SyscallLearner() {
  events_.unsubscribe(subscription_);
  for (auto& [fd, entry] : listeners_) loop_.remove(fd);
}

const SyscallLearner::Learned* SyscallLearner::learned(const std::string& service) const {
  auto it = learned_.find(service);
  return it == learned_.end() ? nullptr : &it->second;
}

void SyscallLearner::on_event(const DaemonEvent& e) {
  if (e.kind != DaemonEvent::Kind::SeccompListener || e.fd < 0) return;
  // Our own copy: the supervisor closes its one when the process ends, and the
  // last calls may still be waiting for an answer then.
  UniqueFd copy(::fcntl(e.fd, F_DUPFD_CLOEXEC, 3));
  if (!copy) {
    log_line("%s: learning mode: dup of the seccomp listener failed", e.service.c_str());
    return;
  }
  int fd = copy.get();
  learned_[e.service];  // a service that learned nothing still shows an empty list
  listeners_[fd] = {std::move(copy), e.service};
  if (Status st = loop_.add(fd, EPOLLIN, [this, fd](std::uint32_t ev) { on_ready(fd, ev); }); !st) {
    log_line("%s: learning mode: %s", e.service.c_str(), st.error().message.c_str());
    listeners_.erase(fd);
  }
}

void SyscallLearner::on_ready(int fd, std::uint32_t events) {
  auto it = listeners_.find(fd);
  if (it == listeners_.end()) return;
  if ((events & EPOLLIN) != 0) {
    auto n = seccomp::receive_and_continue(fd);
    if (!n) {
      log_line("%s: learning mode: %s", it->second.second.c_str(), n.error().message.c_str());
      forget(fd);
      return;
    }
    if (*n) {
      Seen& seen = learned_[it->second.second][(*n)->name];
      if (seen.count++ == 0) seen.first_seen_ms = wall_ms();
    }
    return;
  }
  // HUP without data: every process under the filter is gone.
  if ((events & (EPOLLHUP | EPOLLERR)) != 0) forget(fd);
}

void SyscallLearner::forget(int fd) {
  loop_.remove(fd);
  listeners_.erase(fd);
}

}  // namespace corral::daemon
