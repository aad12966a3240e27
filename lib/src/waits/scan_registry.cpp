// SPDX-License-Identifier: Apache-2.0
// corral's registry: holders and waiters are recorded by the processes themselves.
#include "corral/waits/registry.hpp"

#include "scan_context.hpp"

namespace corral::waits::detail {

RegistrySource::RegistrySource(ScanContext& ctx) : ctx_(ctx) {
  for (const std::string& name : Registry::list()) {
    auto reg = Registry::open(name);
    if (!reg) {
      ctx_.snap.notes.push_back("registry " + name + " not visible: " + reg.error().message);
      continue;
    }
    auto snap = reg->snapshot();
    if (!snap) {
      ctx_.snap.notes.push_back(snap.error().message);
      continue;
    }
    std::vector<std::uint32_t> waiting(snap->resources.size(), 0);
    for (const auto& e : snap->entries)
      if (e.resource < waiting.size()) waiting[e.resource] += e.waiting;
    for (std::size_t r = 0; r < snap->resources.size(); ++r) {
      const auto& res = snap->resources[r];
      if (res.name.empty()) continue;
      bool anyone_waits = waiting[r] > 0;
      if (!anyone_waits) continue;  // only resources somebody waits for matter
      Resource out;
      out.kind = ResourceKind::kRegistry;
      out.key = "registry:" + name + ":" + res.name;
      out.path = "/dev/shm/" + Registry::segment_name(name);
      out.label = "registry " + name + " resource " + res.name + " (" + std::to_string(res.available) + " of " +
                  std::to_string(res.total) + " free)";
      // Any holder can give back the one instance a waiter needs; a wait while instances
      // are free is the banker's deferral, which ends without any holder acting.
      out.holders_mode = WaitMode::kOr;
      out.free_now = res.available > 0;
      const std::size_t idx = ctx_.snap.add_resource(out);
      for (const auto& e : snap->entries) {
        if (e.resource != r) continue;
        if (e.held > 0)
          holders_[idx].push_back({e.pid, std::to_string(e.held) + " of " + std::to_string(res.total)});
        if (e.waiting > 0)
          waits_[e.pid].push_back({e.tid ? e.tid : e.pid, idx, "wait for " + std::to_string(e.waiting) + " of " + res.name});
      }
    }
  }
  // Holds are recorded right away (they are facts about the table); waits per process.
  for (auto& [idx, hs] : holders_)
    for (auto& [pid, what] : hs) ctx_.snap.holds.push_back({pid, idx, what});
}

void RegistrySource::examine(pid_t pid) {
  auto it = waits_.find(pid);
  if (it == waits_.end()) return;
  for (const auto& w : it->second) {
    ctx_.snap.waits.push_back({pid, w.tid, w.resource, w.what});
    auto h = holders_.find(w.resource);
    if (h != holders_.end())
      for (auto& [holder, what] : h->second) ctx_.want(holder);
  }
}

}  // namespace corral::waits::detail
