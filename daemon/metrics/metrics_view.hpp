// SPDX-License-Identifier: Apache-2.0
// The metrics as a view over what corrald already holds: the supervisor's
// services, the fair-share groups, the deadlock check and corrald's own
// counters. Built on demand, per scrape; nothing here runs in between.
#pragma once

#include <memory>
#include <vector>

#include "../deadlock_monitor.hpp"
#include "../event_loop.hpp"
#include "../fair_share.hpp"
#include "../supervisor.hpp"
#include "corral/base/kept_files.hpp"
#include "corral/metrics/exposition.hpp"
#include "request_stats.hpp"

namespace corral::daemon {

class QueueRunner;

struct MetricsSources {
  const EventLoop& loop;
  const Supervisor& sup;
  const std::unique_ptr<FairShare>& fair;  // may be empty
  const DeadlockMonitor& deadlocks;
  const RequestStats& requests;
  KeptFiles& kept;                      // per-service files kept open between scrapes
  const QueueRunner* queues = nullptr;  // the job queues (daemon/jobs/), once made
};

std::vector<metrics::Family> collect_metrics(const MetricsSources& src);

}  // namespace corral::daemon
