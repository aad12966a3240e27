// SPDX-License-Identifier: Apache-2.0
#include "dependency_gate.hpp"

#include <algorithm>
#include <vector>

#include "../daemon_log.hpp"

namespace corral::daemon::readiness {

using corral::readiness::Blocker;
using corral::readiness::DependencyState;
using supervise::State;

DependencyGate::DependencyGate(Supervisor& sup, EventBus& events) : sup_(sup), events_(events) {
  sub_ = events_.subscribe([this](const DaemonEvent& e) { on_event(e); });
}

DependencyGate::~DependencyGate() { events_.unsubscribe(sub_); }

DependencyState DependencyGate::instance_state(const Service& s) const {
  if (waiting_.count(s.spec.name())) return DependencyState::Pending;
  switch (s.machine.state()) {
    case State::Running:
    case State::Unhealthy: return DependencyState::Ready;
    case State::Starting:
    case State::Backoff: return DependencyState::Pending;
    case State::Stopping: return s.machine.start_queued() ? DependencyState::Pending : DependencyState::Down;
    case State::Stopped:
    case State::Exited:
    case State::Fatal: return DependencyState::Down;
  }
  return DependencyState::Down;
}

DependencyState DependencyGate::template_state(const std::string& tpl) const {
  bool any = false, pending = false, ready = false;
  for (const auto& [name, s] : sup_.services()) {
    if (s->spec.cfg.template_name != tpl) continue;
    any = true;
    DependencyState st = instance_state(*s);
    pending |= st == DependencyState::Pending;
    ready |= st == DependencyState::Ready;
  }
  if (!any) return DependencyState::Ready;  // gone (reload): nothing to wait for
  return pending ? DependencyState::Pending : ready ? DependencyState::Ready : DependencyState::Down;
}

std::optional<Blocker> DependencyGate::blocker(const Service& s) const {
  const auto& cfg = s.spec.cfg;
  const auto& req = cfg.readiness.required;
  return corral::readiness::first_blocker(cfg.after, [&](const std::string& dep) {
    if (dep == cfg.template_name) return DependencyState::Ready;
    DependencyState st = template_state(dep);
    // `after` alone orders the starts; only `requires` holds a service while the other is down.
    if (st == DependencyState::Down && std::find(req.begin(), req.end(), dep) == req.end())
      return DependencyState::Ready;
    return st;
  });
}

void DependencyGate::request_start(Service& s, bool pull_requirements) {
  if (closed_) return;
  const std::string name = s.spec.name();
  if (pull_requirements && !s.spec.cfg.readiness.required.empty()) {
    corral::readiness::DependencyGraph req;
    for (const auto& [n, sv] : sup_.services()) req[sv->spec.cfg.template_name] = sv->spec.cfg.readiness.required;
    for (const std::string& tpl : corral::readiness::dependency_closure(req, s.spec.cfg.template_name)) {
      std::vector<Service*> down;
      for (const auto& [n, sv] : sup_.services())
        if (sv->spec.cfg.template_name == tpl && instance_state(*sv) == DependencyState::Down) down.push_back(sv.get());
      for (Service* d : down) request_start(*d, false);
    }
  }
  if (auto b = blocker(s)) {
    waiting_.insert(name);
    log_line("%s: %s", name.c_str(), corral::readiness::waiting_text(*b).c_str());
    return;
  }
  waiting_.erase(name);
  sup_.start(s);
}

void DependencyGate::cancel(const std::string& name) { waiting_.erase(name); }

void DependencyGate::release() {
  if (releasing_ || waiting_.empty()) return;
  releasing_ = true;
  std::vector<std::string> names(waiting_.begin(), waiting_.end());
  for (const auto& name : names) {
    Service* s = sup_.find(name);
    if (!s) {
      waiting_.erase(name);
      continue;
    }
    if (!waiting_.count(name) || blocker(*s)) continue;
    waiting_.erase(name);
    sup_.start(*s);
  }
  releasing_ = false;
}

void DependencyGate::on_event(const DaemonEvent& e) {
  if (closed_) return;
  if (e.kind == DaemonEvent::Kind::Removed) {
    waiting_.erase(e.service);
    release();
    return;
  }
  if (e.kind != DaemonEvent::Kind::State) return;
  Service* s = sup_.find(e.service);
  if (s && (e.to == "stopping" || e.to == "exited" || e.to == "fatal")) {
    // What requires it goes down with it, and comes back once it is ready again.
    const std::string& tpl = s->spec.cfg.template_name;
    std::vector<Service*> users;
    for (const auto& [n, sv] : sup_.services()) {
      const auto& req = sv->spec.cfg.readiness.required;
      if (sv.get() != s && std::find(req.begin(), req.end(), tpl) != req.end()) users.push_back(sv.get());
    }
    for (Service* u : users) {
      State st = u->machine.state();
      if (st == State::Stopped || st == State::Exited || st == State::Fatal) continue;
      if (st == State::Stopping && !u->machine.start_queued()) continue;
      log_line("%s: stopping: it requires %s, which is %s", u->spec.name().c_str(), e.service.c_str(), e.to.c_str());
      waiting_.insert(u->spec.name());
      sup_.stop(*u);
    }
  }
  release();
}

}  // namespace corral::daemon::readiness
