// SPDX-License-Identifier: Apache-2.0
// Learning mode in corrald: for each service started with syscall_filter_mode =
// "learn", reads its seccomp listener on the event loop, records every call
// outside the filter (count, first seen) and lets it through
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Learns of new listeners from the event bus.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "corral/base/unique_fd.hpp"
#include "../event_bus.hpp"
#include "../event_loop.hpp"

namespace corral::daemon {

class SyscallLearner {
 public:
  struct Seen {
    std::uint64_t count = 0;
    std::int64_t first_seen_ms = 0;  // Unix time
  };
  using Learned = std::map<std::string, Seen>;  // by syscall name

  SyscallLearner(EventLoop& loop, EventBus& events);
  ~SyscallLearner();
  SyscallLearner(const SyscallLearner&) = delete;
  SyscallLearner& operator=(const SyscallLearner&) = delete;

  // What a service did outside its filter, over all its runs; nullptr if it never learned.
  const Learned* learned(const std::string& service) const;

 private:
  void on_event(const DaemonEvent& e);
  void on_ready(int fd, std::uint32_t events);
  void forget(int fd);

  EventLoop& loop_;
  EventBus& events_;
  EventBus::SubscriptionId subscription_ = 0;
  std::map<int, std::pair<UniqueFd, std::string>> listeners_;  // by fd: our copy, the service
  std::map<std::string, Learned> learned_;
};

}  // namespace corral::daemon
