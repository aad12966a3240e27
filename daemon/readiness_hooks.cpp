// SPDX-License-Identifier: Apache-2.0
// The Daemon's side of readiness: wiring the ReadinessMonitor and the
// DependencyGate (daemon/readiness/) into the supervisor's hooks, next to the
// fair-share ones, so that daemon.cpp changes only at a few lines.
#include <map>

#include "daemon.hpp"

namespace corral::daemon {

Status Daemon::init_readiness() {
  self_notify_ = std::make_unique<readiness::SelfNotify>(*loop_);
  ready_ = std::make_unique<readiness::ReadinessMonitor>(*loop_, *sup_, events_);
  if (Status st = ready_->open(); !st) return st;
  gate_ = std::make_unique<readiness::DependencyGate>(*sup_, events_);
  readiness::ReadinessMonitor* r = ready_.get();
  readiness::DependencyGate* g = gate_.get();
  // Chained after the fair-share hooks: the exec probes need the service's cgroup.
  auto fair_before = std::move(sup_->before_launch);
  sup_->before_launch = [fair_before, r](const Service& s, launch::LaunchSpec& ls) -> Status {
    if (fair_before)
      if (Status st = fair_before(s, ls); !st) return st;
    return r->before_launch(s, ls);
  };
  auto fair_after = std::move(sup_->after_launch);
  sup_->after_launch = [fair_after, r](const Service& s) {
    if (fair_after) fair_after(s);
    r->after_launch(s);
  };
  auto fair_status = std::move(sup_->decorate_status);
  sup_->decorate_status = [fair_status, r, g](const Service& s, protocol::ServiceStatus& st) {
    if (fair_status) fair_status(s, st);
    r->decorate(s, st);
    if (g->waiting(s.spec.name()) && st.error.empty())
      if (auto b = g->blocker(s)) st.error = corral::readiness::waiting_text(*b);
  };
  return {};
}

// "12 services: 11 running, 1 fatal" for corrald's own STATUS=.
std::string Daemon::services_summary() const {
  std::map<std::string, int> by_state;
  for (const auto& [name, s] : sup_->services()) ++by_state[std::string(supervise::state_name(s->machine.state()))];
  std::string text = std::to_string(sup_->services().size()) + " services";
  const char* sep = ": ";
  for (const auto& [state, n] : by_state) {
    text += sep + std::to_string(n) + " " + state;
    sep = ", ";
  }
  return text;
}

// A start or restart that blocks (no --no-block): settled once each service is
// ready, or has failed (backoff, fatal, exited with an error), or waits for a
// service it requires that is down.
bool Daemon::start_settled(const std::string& name) {
  Service* s = sup_->find(name);
  if (!s) return true;
  if (gate_->waiting(name)) {
    auto b = gate_->blocker(*s);
    return b && b->state == corral::readiness::DependencyState::Down;
  }
  using supervise::State;
  State st = s->machine.state();
  if (st == State::Starting || st == State::Stopping || s->machine.start_queued()) return false;
  if (st == State::Unhealthy) return !s->machine.condemned() || s->pid <= 0;
  return true;
}

}  // namespace corral::daemon
