// SPDX-License-Identifier: Apache-2.0
// What a reload changes: the daemon starts `added`, stops `removed` and restarts
// (or re-applies) `changed` services; `unchanged` ones keep running untouched.
#pragma once

#include <string>
#include <vector>

#include "corral/config/config.hpp"

namespace corral::config {

struct ConfigDiff {
  // Instance names, each list sorted.
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;    // any setting differs (operator== on ServiceConfig)
  std::vector<std::string> unchanged;
  // Group names, sorted.
  std::vector<std::string> groups_added;
  std::vector<std::string> groups_removed;
  std::vector<std::string> groups_changed;
  bool daemon_changed = false;         // any [daemon] setting differs

  bool empty() const {
    return added.empty() && removed.empty() && changed.empty() && groups_added.empty() &&
           groups_removed.empty() && groups_changed.empty() && !daemon_changed;
  }
};

ConfigDiff diff(const Config& old_config, const Config& new_config);

}  // namespace corral::config
