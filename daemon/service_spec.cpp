// SPDX-License-Identifier: Apache-2.0
#include "service_spec.hpp"

namespace corral::daemon {
namespace {

supervise::Duration ms(config::Duration d) { return std::chrono::duration_cast<supervise::Duration>(d); }

supervise::Restart restart_of(config::Restart r) {
  switch (r) {
    case config::Restart::No: return supervise::Restart::No;
    case config::Restart::OnFailure: return supervise::Restart::OnFailure;
    case config::Restart::Always: return supervise::Restart::Always;
  }
  return supervise::Restart::OnFailure;
}

}  // namespace

supervise::Policy ServiceSpec::policy() const {
  supervise::Policy p;
  p.restart = restart_of(cfg.restart);
  p.start_secs = ms(cfg.start_secs);
  p.backoff_initial = ms(cfg.backoff_initial);
  p.backoff_max = ms(cfg.backoff_max);
  p.start_limit_burst = static_cast<int>(cfg.start_limit_burst);
  p.start_limit_interval = ms(cfg.start_limit_interval);
  p.stop_timeout = ms(cfg.stop_timeout);
  p.waits_for_ready = cfg.readiness.waits_for_ready();
  p.start_timeout = ms(cfg.readiness.start_timeout);
  return p;
}

}  // namespace corral::daemon
