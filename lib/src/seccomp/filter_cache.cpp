// SPDX-License-Identifier: Apache-2.0
#include "corral/seccomp/filter_cache.hpp"

#include <map>
#include <mutex>
#include <string>

namespace corral::seccomp {
namespace {

// Distinct filter settings are few (one per differently configured service),
// but a daemon reloaded for months could see many; beyond this many programs the
// oldest built is dropped (a running service keeps its own shared_ptr).
constexpr std::size_t kMaxPrograms = 256;

// A compact, exact key: the mode, the action, the list kind and every resolved name.
std::string key_of(const FilterConfig& c) {
  std::string key = std::string(to_string(c.mode)) + '|' + to_string(c.action) + '|' + (c.spec.allow_list ? 'A' : 'D');
  for (const auto& name : c.spec.syscalls) {
    key += '|';
    key += name;
  }
  return key;
}

struct Cache {
  std::mutex mutex;
  std::map<std::string, std::pair<std::size_t, std::shared_ptr<const BpfProgram>>> programs;  // key -> (build no., program)
  std::size_t builds = 0;
};

Cache& cache() {
  static Cache c;
  return c;
}

}  // namespace

Result<std::shared_ptr<const BpfProgram>> cached_filter(const FilterConfig& config) {
  std::string key = key_of(config);
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    if (auto it = c.programs.find(key); it != c.programs.end()) return it->second.second;
  }
  // Built outside the lock: two threads may build the same program once each, and
  // the second insert keeps the first; that is cheaper than serialising every build.
  auto prog = build_filter(config.spec, config.action, config.mode);
  if (!prog) return prog.error();
  auto shared = std::make_shared<const BpfProgram>(std::move(*prog));
  std::lock_guard lock(c.mutex);
  ++c.builds;
  if (c.programs.size() >= kMaxPrograms) {
    auto oldest = c.programs.begin();
    for (auto it = c.programs.begin(); it != c.programs.end(); ++it)
      if (it->second.first < oldest->second.first) oldest = it;
    c.programs.erase(oldest);
  }
  auto [it, fresh] = c.programs.emplace(std::move(key), std::make_pair(c.builds, shared));
  return fresh ? shared : it->second.second;
}

std::size_t cached_filter_count() {
  std::lock_guard lock(cache().mutex);
  return cache().programs.size();
}

std::size_t filter_builds() {
  std::lock_guard lock(cache().mutex);
  return cache().builds;
}

}  // namespace corral::seccomp
