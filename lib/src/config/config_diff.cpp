// SPDX-License-Identifier: Apache-2.0
#include "corral/config/config_diff.hpp"

namespace corral::config {
namespace {

// Both maps are sorted by name, so one merge pass classifies every name.
template <typename Map, typename OnBoth>
void merge_names(const Map& old_map, const Map& new_map, std::vector<std::string>& added,
                 std::vector<std::string>& removed, OnBoth on_both) {
  auto a = old_map.begin(), b = new_map.begin();
  while (a != old_map.end() || b != new_map.end()) {
    if (b == new_map.end() || (a != old_map.end() && a->first < b->first)) {
      removed.push_back(a->first);
      ++a;
    } else if (a == old_map.end() || b->first < a->first) {
      added.push_back(b->first);
      ++b;
    } else {
      on_both(a->first, a->second == b->second);
      ++a;
      ++b;
    }
  }
}

}  // namespace

ConfigDiff diff(const Config& old_config, const Config& new_config) {
  ConfigDiff d;
  merge_names(old_config.services, new_config.services, d.added, d.removed,
              [&](const std::string& name, bool same) { (same ? d.unchanged : d.changed).push_back(name); });
  std::vector<std::string> groups_same;
  merge_names(old_config.groups, new_config.groups, d.groups_added, d.groups_removed,
              [&](const std::string& name, bool same) { (same ? groups_same : d.groups_changed).push_back(name); });
  d.daemon_changed = !(old_config.daemon == new_config.daemon);
  return d;
}

}  // namespace corral::config
