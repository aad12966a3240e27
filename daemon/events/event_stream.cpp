// SPDX-License-Identifier: Apache-2.0
#include "event_stream.hpp"

#include "corral/protocol/event_line.hpp"

namespace corral::daemon {

using namespace std::chrono_literals;

EventStream::EventStream(EventLoop& loop, EventBus& bus, ControlServer& server)
    : loop_(loop), bus_(bus), server_(server) {
  sub_ = bus_.subscribe([this](const DaemonEvent& e) { on_event(e); });
}

EventStream::~EventStream() {
  bus_.unsubscribe(sub_);
  if (lag_timer_) loop_.cancel_timer(lag_timer_);
}

void EventStream::follow(ClientId id, std::vector<std::string> names) {
  if (!server_.alive(id)) return;
  server_.set_following(id, true);
  followers_[id] = Follower{std::move(names), false, 0, {}};
}

void EventStream::forget(ClientId id) { followers_.erase(id); }

bool EventStream::wants(const Follower& f, const DaemonEvent& e) const {
  if (f.names.empty()) return true;
  if (e.service.empty()) return false;  // daemon-wide: only for an unfiltered stream
  for (const auto& n : f.names) {
    if (e.service == n) return true;
    if (e.service.size() > n.size() && e.service.compare(0, n.size(), n) == 0 && e.service[n.size()] == '@') return true;
  }
  return false;
}

// Sending may drop a client, whose on_disconnect calls forget(): loops walk a
// copy of the ids and look each one up again.
std::vector<ClientId> EventStream::ids() const {
  std::vector<ClientId> out;
  out.reserve(followers_.size());
  for (const auto& [id, f] : followers_) out.push_back(id);
  return out;
}

void EventStream::on_event(const DaemonEvent& e) {
  if (followers_.empty()) return;
  protocol::EventRecord r{e.time_ms, std::string(kind_name(e.kind)), e.service, e.from, e.to, e.reason,
                          static_cast<int>(e.pid)};
  const std::string line = protocol::encode_event_line(r);
  bool new_lag = false;
  for (ClientId id : ids()) {
    auto it = followers_.find(id);
    if (it == followers_.end() || !wants(it->second, e)) continue;
    Follower& f = it->second;
    if (f.lagging) {
      ++f.missed;
      continue;
    }
    if (server_.backlog(id) + line.size() > kMaxBacklog) {
      f.lagging = true;
      f.missed = 1;
      f.lag_since = std::chrono::steady_clock::now();
      new_lag = true;
      continue;
    }
    if (!server_.send_raw(id, line)) followers_.erase(id);
  }
  if (new_lag) arm_lag_timer();
}

void EventStream::arm_lag_timer() {
  if (lag_timer_) return;
  lag_timer_ = loop_.add_timer(std::chrono::steady_clock::now() + 50ms, [this] {
    lag_timer_ = 0;
    check_lagging();
  });
}

void EventStream::check_lagging() {
  const auto now = std::chrono::steady_clock::now();
  bool still = false;
  for (ClientId id : ids()) {
    auto it = followers_.find(id);
    if (it == followers_.end() || !it->second.lagging) continue;
    if (!server_.alive(id)) {
      followers_.erase(it);
      continue;
    }
    if (server_.backlog(id) <= kMaxBacklog / 4) {
      // The reader caught up with what it was sent: tell it what it missed, then hang up.
      std::uint64_t missed = it->second.missed;
      followers_.erase(it);
      if (server_.send_raw(id, protocol::encode_dropped_line(missed, "reader too slow: corrald stopped sending")))
        server_.close_after_flush(id);
      continue;
    }
    if (now - it->second.lag_since > kLagLimit) {
      followers_.erase(it);
      server_.drop(id);  // not reading at all
      continue;
    }
    still = true;
  }
  if (still) arm_lag_timer();
}

}  // namespace corral::daemon
