// SPDX-License-Identifier: Apache-2.0
#include "event_loop.hpp"

#include <sys/timerfd.h>

#include <array>
#include <cerrno>
#include <ctime>
#include <exception>

#include "daemon_log.hpp"

namespace corral::daemon {

Result<EventLoop*> EventLoop::create() {
  auto* loop = new EventLoop();
  loop->epfd_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!loop->epfd_) {
    delete loop;
    return errno_error("epoll_create1");
  }
  loop->timerfd_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!loop->timerfd_) {
    delete loop;
    return errno_error("timerfd_create");
  }
  int tfd = loop->timerfd_.get();
  Status st = loop->add(tfd, EPOLLIN, [loop, tfd](std::uint32_t) {
    std::uint64_t expirations;
    while (::read(tfd, &expirations, sizeof expirations) > 0) {
    }
    loop->armed_ = {};
    loop->fire_timers();
  });
  if (!st) {
    delete loop;
    return st.error();
  }
  return loop;
}

EventLoop::~EventLoop() = default;

Status EventLoop::add(int fd, std::uint32_t events, FdHandler handler) {
  std::uint32_t gen = next_generation_++;
  epoll_event ev{};
  ev.events = events;
  // The generation guards against an fd closed and reused within one epoll batch.
  ev.data.u64 = (static_cast<std::uint64_t>(gen) << 32) | static_cast<std::uint32_t>(fd);
  if (::epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return errno_error("epoll_ctl add fd " + std::to_string(fd));
  watches_[fd] = Watch{gen, std::move(handler)};
  return {};
}

Status EventLoop::modify(int fd, std::uint32_t events) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return Error::logic("epoll modify: fd not watched", EBADF);
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = (static_cast<std::uint64_t>(it->second.generation) << 32) | static_cast<std::uint32_t>(fd);
  if (::epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) return errno_error("epoll_ctl mod fd " + std::to_string(fd));
  return {};
}

void EventLoop::remove(int fd) {
  if (watches_.erase(fd) > 0) ::epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

TimerId EventLoop::add_timer(SteadyTime when, TimerHandler handler) {
  TimerId id = next_timer_++;
  deadlines_.emplace(when, id);
  timers_.emplace(id, std::make_pair(when, std::move(handler)));
  rearm_timerfd();
  return id;
}

void EventLoop::cancel_timer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  const SteadyTime when = it->second.first;
  deadlines_.erase({when, id});
  timers_.erase(it);
  // The timerfd was armed for this deadline and nothing else is due then:
  // move it to the next deadline, or disarm it, so an idle corrald is not
  // woken once for nothing (a client's idle timeout cancelled when it left).
  if (armed_ == SteadyTime{} || when != armed_) return;
  if (!deadlines_.empty() && deadlines_.begin()->first == armed_) return;
  armed_ = {};
  if (deadlines_.empty()) {
    itimerspec off{};
    ::timerfd_settime(timerfd_.get(), 0, &off, nullptr);
  } else {
    rearm_timerfd();
  }
}

void EventLoop::rearm_timerfd() {
  if (deadlines_.empty()) return;
  SteadyTime first = deadlines_.begin()->first;
  if (armed_ != SteadyTime{} && armed_ <= first) return;
  itimerspec its{};
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(first.time_since_epoch()).count();
  if (ns <= 0) ns = 1;  // 0 would disarm
  its.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
  its.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  // steady_clock is CLOCK_MONOTONIC on Linux, so absolute deadlines match.
  if (::timerfd_settime(timerfd_.get(), TFD_TIMER_ABSTIME, &its, nullptr) == 0) armed_ = first;
}

void EventLoop::fire_timers() {
  SteadyTime now = std::chrono::steady_clock::now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    TimerId id = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    TimerHandler h = std::move(it->second.second);
    timers_.erase(it);
    try {
      h();  // may add or cancel timers
    } catch (const std::exception& e) {
      log_line("internal error in a timer: %s", e.what());
    }
  }
  rearm_timerfd();
}

Status EventLoop::run() {
  std::array<epoll_event, 64> events;
  while (running_) {
    // Deferred work left over (a handler that keeps deferring): look at the fds, don't sleep.
    int n = ::epoll_wait(epfd_.get(), events.data(), static_cast<int>(events.size()), deferred_.empty() ? -1 : 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("epoll_wait");
    }
    ++iterations_;
    for (int i = 0; i < n && running_; ++i) {
      int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
      auto gen = static_cast<std::uint32_t>(events[i].data.u64 >> 32);
      auto it = watches_.find(fd);
      if (it == watches_.end() || it->second.generation != gen) continue;
      FdHandler h = it->second.handler;  // a copy: the handler may remove itself
      try {
        h(events[i].events);
      } catch (const std::exception& e) {
        // The edge of the daemon: one bad event must not take every service down.
        log_line("internal error handling fd %d: %s", fd, e.what());
      }
    }
    run_deferred();
  }
  return {};
}

void EventLoop::run_deferred() {
  // Only what was deferred before this call: what these handlers defer runs
  // after the next look at the fds (epoll_wait without sleeping), so work that
  // keeps deferring itself (reaping a crash storm) takes turns with the clients.
  std::vector<TimerHandler> batch;
  batch.swap(deferred_);
  for (auto& h : batch) {
    try {
      h();
    } catch (const std::exception& e) {
      log_line("internal error in deferred work: %s", e.what());
    }
  }
}

}  // namespace corral::daemon
