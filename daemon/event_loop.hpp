// SPDX-License-Identifier: Apache-2.0
// One-thread event loop: epoll over file descriptors plus one timerfd that
// carries every timer (a sorted set of deadlines). When nothing is due the
// loop sleeps in epoll_wait with no timeout: corrald never polls.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::daemon {

using SteadyTime = std::chrono::steady_clock::time_point;
using TimerId = std::uint64_t;

class EventLoop {
 public:
  using FdHandler = std::function<void(std::uint32_t events)>;
  using TimerHandler = std::function<void()>;

  static Result<EventLoop*> create();  // owned by the caller (new'd: it is pinned in memory)
  ~EventLoop();

  // Watches fd for events (EPOLLIN, ...). The handler may remove any fd,
  // including its own; events for a removed fd are dropped.
  Status add(int fd, std::uint32_t events, FdHandler handler);
  Status modify(int fd, std::uint32_t events);
  void remove(int fd);

  TimerId add_timer(SteadyTime when, TimerHandler handler);
  void cancel_timer(TimerId id);  // no-op for 0, fired or unknown ids

  // Runs handler once the current events' handlers have returned, before the
  // loop sleeps again: "call me back from the loop" without a timer, so no
  // timerfd_settime and no extra wakeup (a probe's result, a delayed delete).
  // What a deferred handler defers runs after the fds have had another turn.
  void defer(TimerHandler handler) { deferred_.push_back(std::move(handler)); }

  // Runs until stop(); returns the first epoll error, if any.
  Status run();
  void stop() { running_ = false; }
  std::uint64_t iterations() const { return iterations_; }  // epoll_wait returns (metrics)

 private:
  EventLoop() = default;
  void rearm_timerfd();
  void fire_timers();
  void run_deferred();

  struct Watch {
    std::uint32_t generation;
    FdHandler handler;
  };
  UniqueFd epfd_;
  UniqueFd timerfd_;
  std::unordered_map<int, Watch> watches_;
  std::uint32_t next_generation_ = 1;
  std::set<std::pair<SteadyTime, TimerId>> deadlines_;
  std::unordered_map<TimerId, std::pair<SteadyTime, TimerHandler>> timers_;
  TimerId next_timer_ = 1;
  std::vector<TimerHandler> deferred_;
  SteadyTime armed_{};
  bool running_ = true;
  std::uint64_t iterations_ = 0;
};

}  // namespace corral::daemon
