// SPDX-License-Identifier: Apache-2.0
#include "corral/sched/placement.hpp"

#include <algorithm>
#include <map>

#include "corral/base/cpu_list.hpp"

namespace corral::sched {

std::string_view to_string(PinMode m) {
  switch (m) {
    case PinMode::None: return "none";
    case PinMode::Spread: return "spread";
    case PinMode::Compact: return "compact";
  }
  return "?";
}

std::optional<PinMode> parse_pin_mode(std::string_view s) {
  if (s == "none") return PinMode::None;
  if (s == "spread") return PinMode::Spread;
  if (s == "compact") return PinMode::Compact;
  return std::nullopt;
}

int Placement::cpu_for(std::size_t i) const {
  if (order.empty()) return -1;
  return order[i % order.size()];
}

Result<Placement> make_placement(const CpuTopology& topo, const std::vector<int>& allowed_in,
                                 PinMode mode) {
  Placement p;
  p.mode = mode;
  for (int c : topo.online())
    if (allowed_in.empty() || std::find(allowed_in.begin(), allowed_in.end(), c) != allowed_in.end())
      p.allowed.push_back(c);
  if (p.allowed.empty())
    return Error::logic("cpus \"" + format_cpu_list(allowed_in) + "\": none of them is online (online: " +
                            format_cpu_list(topo.online()) + ")",
                        EINVAL);
  if (mode == PinMode::None) return p;

  auto ok = [&](int c) { return std::binary_search(p.allowed.begin(), p.allowed.end(), c); };
  // Each core's allowed threads; cores with none are dropped.
  struct C {
    int domain;
    int first;
    std::vector<int> cpus;
  };
  // Domains to alternate between: NUMA nodes when there are several, else packages.
  bool by_node = topo.nodes.size() > 1;
  std::vector<C> cores;
  for (const auto& core : topo.cores) {
    C c{by_node ? core.node : core.package, 0, {}};
    for (int cpu : core.cpus)
      if (ok(cpu)) c.cpus.push_back(cpu);
    if (c.cpus.empty()) continue;
    c.first = c.cpus.front();
    cores.push_back(std::move(c));
  }
  std::stable_sort(cores.begin(), cores.end(), [](const C& a, const C& b) {
    return a.domain != b.domain ? a.domain < b.domain : a.first < b.first;
  });

  if (mode == PinMode::Compact) {
    for (const auto& c : cores) p.order.insert(p.order.end(), c.cpus.begin(), c.cpus.end());
    return p;
  }

  // Spread: interleave the domains' core lists: d0c0, d1c0, d0c1, d1c1, ...
  std::map<int, std::vector<const C*>> per_domain;
  for (const auto& c : cores) per_domain[c.domain].push_back(&c);
  std::vector<const C*> core_order;
  for (std::size_t round = 0; core_order.size() < cores.size(); ++round)
    for (auto& [d, list] : per_domain)
      if (round < list.size()) core_order.push_back(list[round]);
  // Then pass k takes the k-th SMT thread of each core in that order.
  std::size_t max_threads = 0;
  for (const auto& c : cores) max_threads = std::max(max_threads, c.cpus.size());
  for (std::size_t k = 0; k < max_threads; ++k)
    for (const C* c : core_order)
      if (k < c->cpus.size()) p.order.push_back(c->cpus[k]);
  return p;
}

Result<std::vector<int>> place(const CpuTopology& topo, const std::vector<int>& allowed,
                               unsigned threads, PinMode mode) {
  auto p = make_placement(topo, allowed, mode);
  if (!p) return p.error();
  std::vector<int> out;
  if (mode == PinMode::None) return out;
  for (unsigned i = 0; i < threads; ++i) out.push_back(p->cpu_for(i));
  return out;
}

}  // namespace corral::sched
