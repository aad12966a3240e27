// SPDX-License-Identifier: Apache-2.0
// The `events` request: followers of the event bus over the control socket.
// Each event goes out as one line to every follower whose names match. A
// follower whose unread output passes kMaxBacklog is too slow: it gets no more
// events (they are counted as missed), and once its socket has taken the
// backlog down to a quarter it gets a last line saying how many it missed and
// is closed. One that takes nothing at all for kLagLimit is cut off. corrald
// never waits for a reader; a timer exists only while a follower lags.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "../control_server.hpp"
#include "../event_bus.hpp"
#include "../event_loop.hpp"

namespace corral::daemon {

class EventStream {
 public:
  static constexpr std::size_t kMaxBacklog = 256 * 1024;
  static constexpr std::chrono::seconds kLagLimit{60};

  EventStream(EventLoop& loop, EventBus& bus, ControlServer& server);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // After the reply to `events`: names empty = every service (and daemon-wide events).
  void follow(ClientId id, std::vector<std::string> names);
  void forget(ClientId id);  // the client went away

 private:
  struct Follower {
    std::vector<std::string> names;
    bool lagging = false;
    std::uint64_t missed = 0;
    SteadyTime lag_since{};
  };
  void on_event(const DaemonEvent& e);
  std::vector<ClientId> ids() const;
  bool wants(const Follower& f, const DaemonEvent& e) const;
  void check_lagging();
  void arm_lag_timer();

  EventLoop& loop_;
  EventBus& bus_;
  ControlServer& server_;
  EventBus::SubscriptionId sub_ = 0;
  std::map<ClientId, Follower> followers_;
  TimerId lag_timer_ = 0;
};

}  // namespace corral::daemon
