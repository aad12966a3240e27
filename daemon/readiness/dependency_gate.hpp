// SPDX-License-Identifier: Apache-2.0
// Starts that wait for readiness: a service starts once every service in its
// `after` list is ready (a stopped one only orders, it does not hold), and every
// one in its `requires` list is ready (a stopped or fatal one holds it). When a
// required service stops or goes fatal, its dependents are stopped and wait to
// start again once it is ready again. Follows the services on the event bus.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "../event_bus.hpp"
#include "../supervisor.hpp"
#include "corral/readiness/dependencies.hpp"

namespace corral::daemon::readiness {

class DependencyGate {
 public:
  DependencyGate(Supervisor& sup, EventBus& events);
  ~DependencyGate();

  // Start s now, or once what it waits for is ready. pull_requirements: start
  // what it requires (transitively) first, as `corralctl start` does.
  void request_start(Service& s, bool pull_requirements);
  // A stop by hand: s no longer waits to start.
  void cancel(const std::string& name);
  void clear() {  // shutdown: nothing more starts
    waiting_.clear();
    closed_ = true;
  }
  bool waiting(const std::string& name) const { return waiting_.count(name) > 0; }
  // "waiting for db to be ready", or nullopt when it does not wait.
  std::optional<corral::readiness::Blocker> blocker(const Service& s) const;

 private:
  void on_event(const DaemonEvent& e);
  void release();
  corral::readiness::DependencyState instance_state(const Service& s) const;
  corral::readiness::DependencyState template_state(const std::string& tpl) const;

  Supervisor& sup_;
  EventBus& events_;
  EventBus::SubscriptionId sub_ = 0;
  std::set<std::string> waiting_;
  bool releasing_ = false;
  bool closed_ = false;
};

}  // namespace corral::daemon::readiness
