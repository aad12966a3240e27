// SPDX-License-Identifier: Apache-2.0
#include "metrics_component.hpp"

#include <chrono>

#include "corral/config/listen_address.hpp"

namespace corral::daemon {

MetricsComponent::MetricsComponent(EventLoop& loop, const Supervisor& sup, const std::unique_ptr<FairShare>& fair,
                                   const DeadlockMonitor& deadlocks)
    : loop_(loop), sources_{loop, sup, fair, deadlocks, requests_} {}

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
  requests_.observe(request, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return text;
}

}  // namespace corral::daemon
