// SPDX-License-Identifier: Apache-2.0
#include "metrics_component.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>

#include "corral/config/listen_address.hpp"

namespace corral::daemon {

namespace {

// Descriptors the scrape may keep open (two per service with cgroups): a quarter
// of corrald's limit, at most 4,096, so clients and services keep the rest.
std::size_t kept_files_budget() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 4096;
  return std::min<std::size_t>(4096, rl.rlim_cur / 4);
}

}  // namespace

MetricsComponent::MetricsComponent(EventLoop& loop, const Supervisor& sup, const std::unique_ptr<FairShare>& fair,
                                   const DeadlockMonitor& deadlocks)
    : loop_(loop), kept_(kept_files_budget()), sources_{loop, sup, fair, deadlocks, requests_, kept_} {}

Status MetricsComponent::listen(const std::string& address) {
  if (address == address_) return {};
  if (address.empty()) {
    http_.reset();
    address_.clear();
    return {};
  }
  auto a = config::parse_listen_address(address);
  if (!a) return Error::logic("metrics_listen: " + a.error().message);
  auto http = std::make_unique<MetricsHttp>(loop_, [this](std::string_view accept) {
    metrics::Format f = metrics::negotiate(accept);
    return MetricsHttp::Body{exposition(f, "scrape"), std::string(metrics::content_type(f))};
  });
  if (Status st = http->listen(*a); !st) return st;
  http_ = std::move(http);
  address_ = address;
  return {};
}

std::string MetricsComponent::exposition(metrics::Format f, std::string_view request) {
  auto t0 = std::chrono::steady_clock::now();
  std::string text = metrics::render(collect_metrics(sources_), f);
  kept_.sweep();  // services gone, or restarted under a new pid, since the last scrape
  requests_.observe(request, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return text;
}

}  // namespace corral::daemon
