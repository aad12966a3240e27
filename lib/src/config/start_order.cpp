// SPDX-License-Identifier: Apache-2.0
// Start order: Kahn's algorithm over instances, always taking the smallest ready
// one, so the order is the same on every load of the same file.
#include <algorithm>
#include <set>
#include <tuple>

#include "corral/config/config.hpp"

namespace corral::config {
namespace {

// "web@10" sorts after "web@9": by template name, then instance number.
using Key = std::tuple<std::string, unsigned, std::string>;
Key key_of(const ServiceConfig& s) { return {s.template_name, s.instance, s.name}; }

}  // namespace

std::vector<std::string> start_order(const Config& config) {
  std::map<std::string, std::vector<const ServiceConfig*>> by_template;
  for (auto& [name, s] : config.services) by_template[s.template_name].push_back(&s);

  std::map<std::string, size_t> waiting;                            // instance -> unmet dependencies
  std::map<std::string, std::vector<const ServiceConfig*>> users;  // instance -> instances after it
  for (auto& [name, s] : config.services) {
    size_t n = 0;
    for (const std::string& dep : s.after) {
      auto it = by_template.find(dep);
      if (it == by_template.end() || dep == s.template_name) continue;
      for (const ServiceConfig* d : it->second) {
        users[d->name].push_back(&s);
        ++n;
      }
    }
    waiting[name] = n;
  }

  std::set<Key> ready;
  for (auto& [name, s] : config.services)
    if (waiting[name] == 0) ready.insert(key_of(s));
  std::vector<std::string> order;
  while (!ready.empty()) {
    Key k = *ready.begin();
    ready.erase(ready.begin());
    const std::string& name = std::get<2>(k);
    order.push_back(name);
    for (const ServiceConfig* u : users[name])
      if (--waiting[u->name] == 0) ready.insert(key_of(*u));
  }
  // Only a cycle leaves services behind; load_config rejects those, but a
  // hand-built Config might not have been checked.
  if (order.size() < config.services.size()) {
    std::vector<Key> rest;
    for (auto& [name, s] : config.services)
      if (waiting[name] > 0) rest.push_back(key_of(s));
    std::sort(rest.begin(), rest.end());
    for (const Key& k : rest) order.push_back(std::get<2>(k));
  }
  return order;
}

}  // namespace corral::config
