// SPDX-License-Identifier: Apache-2.0
#include "event_bus.hpp"

#include <chrono>
#include <exception>
#include <vector>

#include "daemon_log.hpp"

namespace corral::daemon {

std::string_view kind_name(DaemonEvent::Kind k) {
  switch (k) {
    case DaemonEvent::Kind::State: return "state";
    case DaemonEvent::Kind::Exit: return "exit";
    case DaemonEvent::Kind::Removed: return "removed";
    case DaemonEvent::Kind::Reload: return "reload";
    case DaemonEvent::Kind::Daemon: return "daemon";
    case DaemonEvent::Kind::Suspend: return "suspend";
    case DaemonEvent::Kind::SeccompListener: return "seccomp-listener";
    case DaemonEvent::Kind::Deadlock: return "deadlock";
    case DaemonEvent::Kind::Job: return "job";
  }
  return "?";
}

EventBus::SubscriptionId EventBus::subscribe(Handler h) {
  SubscriptionId id = next_++;
  handlers_.emplace(id, std::move(h));
  return id;
}

void EventBus::unsubscribe(SubscriptionId id) { handlers_.erase(id); }

void EventBus::publish(DaemonEvent e) {
  if (e.time_ms == 0)
    e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  queue_.push_back(std::move(e));
  if (delivering_) return;  // the outer publish delivers it, in order
  delivering_ = true;
  while (!queue_.empty()) {
    DaemonEvent ev = std::move(queue_.front());
    queue_.pop_front();
    // A copy of the ids: a handler may unsubscribe (itself or another).
    std::vector<SubscriptionId> ids;
    for (const auto& [id, h] : handlers_) ids.push_back(id);
    for (SubscriptionId id : ids) {
      auto it = handlers_.find(id);
      if (it == handlers_.end()) continue;
      try {
        it->second(ev);
      } catch (const std::exception& ex) {
        log_line("internal error in an event subscriber: %s", ex.what());
      }
    }
  }
  delivering_ = false;
}

}  // namespace corral::daemon
