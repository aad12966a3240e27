// SPDX-License-Identifier: Apache-2.0
#include "config_bridge.hpp"

namespace corral::daemon {

Result<LoadedConfig> load_daemon_config(const std::string& path) {
  config::ConfigStamp before = config::stamp_config(path);
  auto cfg = config::load_config(path);
  if (!cfg) return cfg.error();
  LoadedConfig out;
  if (config::ConfigStamp after = config::stamp_config(path); after == before) out.stamp = std::move(after);
  out.daemon = cfg->daemon;
  out.groups = cfg->groups;
  out.queues = cfg->queues;
  for (const auto& name : config::start_order(*cfg)) {
    auto it = cfg->services.find(name);
    if (it == cfg->services.end()) continue;
    ServiceSpec spec;
    spec.cfg = std::move(it->second);  // cfg is ours: no copy per service
    out.services.push_back(std::move(spec));
  }
  return out;
}

}  // namespace corral::daemon
