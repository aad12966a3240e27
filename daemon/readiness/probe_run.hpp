// SPDX-License-Identifier: Apache-2.0
// One run of a probe, driven by the event loop and never blocking it: a
// non-blocking connect (tcp), a minimal HTTP/1.0 GET over a non-blocking socket
// (http), or a child launched through corral's launcher with the service's
// user, environment and cgroup (exec). The result arrives through `done`, always
// from the loop (never from inside start()). Destroying a run cancels it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "../event_loop.hpp"
#include "corral/launch/launch_spec.hpp"
#include "corral/readiness/probe.hpp"
#include "probe_sockets.hpp"

namespace corral::daemon {
class Supervisor;
}

namespace corral::daemon::readiness {

class ProbeRun {
 public:
  using Done = std::function<void(bool ok, std::string detail)>;

  // exec_base: the service's launch settings (user, env, cwd, cgroup) for an exec
  // probe; sockets: where a tcp probe takes its socket from and gives it back.
  static std::unique_ptr<ProbeRun> start(EventLoop& loop, Supervisor& sup, const std::shared_ptr<ProbeSockets>& sockets,
                                         const corral::readiness::ProbeSpec& spec, const launch::LaunchSpec& exec_base,
                                         Done done);
  virtual ~ProbeRun() = default;

 protected:
  ProbeRun() = default;
};

}  // namespace corral::daemon::readiness
