// SPDX-License-Identifier: Apache-2.0
// corrald's metrics component: request counters, the exposition (for
// `corralctl metrics` and for scrapes) and, when [daemon] metrics_listen is
// set, the HTTP endpoint. It reads what the daemon holds at scrape time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "corral/metrics/exposition.hpp"
#include "http_endpoint.hpp"
#include "metrics_view.hpp"
#include "request_stats.hpp"

namespace corral::daemon {

class MetricsComponent {
 public:
  MetricsComponent(EventLoop& loop, const Supervisor& sup, const std::unique_ptr<FairShare>& fair,
                   const DeadlockMonitor& deadlocks);

  // "HOST:PORT" or a socket path, as checked by the config; "" = no endpoint.
  // Called again (reload) with another address, it opens the new endpoint
  // before closing the old one: on failure the old one keeps serving.
  Status listen(const std::string& address);
  std::string where() const { return http_ ? http_->where() : std::string(); }

  void observe_request(std::string_view request, double seconds) { requests_.observe(request, seconds); }
  void set_queues(const QueueRunner* queues) { sources_.queues = queues; }
  // Renders the exposition now (and counts it as a request of the given name).
  std::string exposition(metrics::Format f, std::string_view request = "metrics");

 private:
  EventLoop& loop_;
  KeptFiles kept_;  // declared before sources_, which points at it
  MetricsSources sources_;
  RequestStats requests_;
  std::unique_ptr<MetricsHttp> http_;
  std::string address_;  // as configured, "" when off
};

}  // namespace corral::daemon
