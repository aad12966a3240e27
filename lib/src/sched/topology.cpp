// SPDX-License-Identifier: Apache-2.0
#include "corral/sched/topology.hpp"

#include <dirent.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>

#include "corral/base/cpu_list.hpp"
#include "corral/base/file_read.hpp"

namespace corral::sched {
namespace {

Result<std::string> slurp(const std::string& path) {
  auto r = read_file(path);
  if (!r) return r.error();
  while (!r->empty() && (r->back() == '\n' || r->back() == ' ')) r->pop_back();
  return std::move(*r);
}

Result<int> read_int(const std::string& path) {
  auto s = slurp(path);
  if (!s) return s.error();
  int v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size())
    return Error::logic(path + ": not an integer: \"" + *s + "\"", EINVAL);
  return v;
}

Result<std::vector<int>> read_list(const std::string& path) {
  auto s = slurp(path);
  if (!s) return s.error();
  // An empty list is legitimate in sysfs (a memory-only NUMA node, an offline set).
  if (s->empty()) return std::vector<int>{};
  auto l = parse_cpu_list(*s);
  if (!l) return Error::logic(path + ": " + l.error().message, EINVAL);
  return l;
}

// Entries of dir named <prefix><number>, as numbers, ascending.
std::vector<int> numbered(const std::string& dir, std::string_view prefix) {
  std::vector<int> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (!n.starts_with(prefix)) continue;
    n.remove_prefix(prefix.size());
    int v = 0;
    auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
    if (ec == std::errc() && p == n.data() + n.size()) out.push_back(v);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<CpuTopology> CpuTopology::read(const std::string& sysfs_root) {
  const std::string cpu_dir = sysfs_root + "/devices/system/cpu";
  auto online = read_list(cpu_dir + "/online");
  if (!online) return online.error();
  if (online->empty()) return Error::logic(cpu_dir + "/online: no CPU is online", EINVAL);

  CpuTopology t;
  std::map<int, int> node_of;
  const std::string node_dir = sysfs_root + "/devices/system/node";
  for (int n : numbered(node_dir, "node")) {
    auto l = read_list(node_dir + "/node" + std::to_string(n) + "/cpulist");
    if (!l) return l.error();
    Node node{n, {}};
    for (int c : *l)
      if (std::binary_search(online->begin(), online->end(), c)) {
        node_of[c] = n;
        node.cpus.push_back(c);
      }
    if (!node.cpus.empty()) t.nodes.push_back(std::move(node));
  }
  if (t.nodes.empty()) t.nodes.push_back(Node{0, *online});  // no NUMA info: one node

  std::map<std::tuple<int, int>, int> core_index;  // (package, core_id) -> index
  for (int c : *online) {
    std::string base = cpu_dir + "/cpu" + std::to_string(c);
    Cpu cpu;
    cpu.id = c;
    auto core_id = read_int(base + "/topology/core_id");
    if (!core_id) return core_id.error();
    auto pkg = read_int(base + "/topology/physical_package_id");
    if (!pkg) return pkg.error();
    auto sib = read_list(base + "/topology/thread_siblings_list");
    if (!sib) return sib.error();
    cpu.core_id = *core_id;
    cpu.package = *pkg;
    cpu.node = node_of.count(c) ? node_of[c] : t.nodes.front().id;
    cpu.siblings = *sib;
    auto key = std::make_tuple(cpu.package, cpu.core_id);
    auto it = core_index.find(key);
    if (it == core_index.end()) {
      it = core_index.emplace(key, static_cast<int>(t.cores.size())).first;
      t.cores.push_back(Core{cpu.package, cpu.core_id, cpu.node, {}});
    }
    cpu.core = it->second;
    t.cores[static_cast<std::size_t>(cpu.core)].cpus.push_back(c);
    if (std::find(t.packages.begin(), t.packages.end(), cpu.package) == t.packages.end())
      t.packages.push_back(cpu.package);

    for (int idx : numbered(base + "/cache", "index")) {
      std::string cb = base + "/cache/index" + std::to_string(idx);
      auto level = read_int(cb + "/level");
      auto type = slurp(cb + "/type");
      auto shared = read_list(cb + "/shared_cpu_list");
      if (!level || !type || !shared) continue;  // some caches lack fields; skip them
      Cache cache{*level, *type, *shared};
      bool seen = std::any_of(t.caches.begin(), t.caches.end(), [&](const Cache& k) {
        return k.level == cache.level && k.type == cache.type && k.cpus == cache.cpus;
      });
      if (!seen) t.caches.push_back(std::move(cache));
    }
    t.cpus.push_back(std::move(cpu));
  }
  std::sort(t.packages.begin(), t.packages.end());
  std::sort(t.caches.begin(), t.caches.end(), [](const Cache& a, const Cache& b) {
    return std::tie(a.level, a.type, a.cpus) < std::tie(b.level, b.type, b.cpus);
  });
  return t;
}

const Cpu* CpuTopology::find(int cpu) const {
  for (const auto& c : cpus)
    if (c.id == cpu) return &c;
  return nullptr;
}

std::vector<int> CpuTopology::online() const {
  std::vector<int> out;
  for (const auto& c : cpus) out.push_back(c.id);
  return out;
}

bool CpuTopology::smt() const {
  return std::any_of(cores.begin(), cores.end(), [](const Core& c) { return c.cpus.size() > 1; });
}

}  // namespace corral::sched
