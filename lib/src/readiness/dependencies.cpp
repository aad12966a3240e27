// SPDX-License-Identifier: Apache-2.0
#include "corral/readiness/dependencies.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace corral::readiness {
namespace {

const std::vector<std::string>* edges_of(const DependencyGraph& g, const std::string& n) {
  auto it = g.find(n);
  return it == g.end() ? nullptr : &it->second;
}

}  // namespace

std::vector<std::vector<std::string>> find_cycles(const DependencyGraph& g) {
  enum class Mark : std::uint8_t { White, Grey, Black };
  std::map<std::string, Mark> mark;
  for (const auto& [n, e] : g) mark[n] = Mark::White;
  std::vector<std::vector<std::string>> cycles;
  std::set<std::string> in_reported;
  // Frame: a node and the index of its next edge to follow.
  std::vector<std::pair<std::string, std::size_t>> stack;
  for (const auto& [root, unused] : g) {
    if (mark[root] != Mark::White) continue;
    stack.emplace_back(root, 0);
    mark[root] = Mark::Grey;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto* edges = edges_of(g, node);
      if (!edges || next >= edges->size()) {
        mark[node] = Mark::Black;
        stack.pop_back();
        continue;
      }
      const std::string dep = (*edges)[next++];
      auto it = mark.find(dep);
      if (it == mark.end()) continue;  // not in the graph
      if (it->second == Mark::White) {
        it->second = Mark::Grey;
        stack.emplace_back(dep, 0);
      } else if (it->second == Mark::Grey) {
        auto from = std::find_if(stack.begin(), stack.end(), [&](const auto& f) { return f.first == dep; });
        std::vector<std::string> cycle;
        for (auto f = from; f != stack.end(); ++f) cycle.push_back(f->first);
        if (std::none_of(cycle.begin(), cycle.end(), [&](const auto& c) { return in_reported.count(c) > 0; })) {
          std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
          in_reported.insert(cycle.begin(), cycle.end());
          cycles.push_back(std::move(cycle));
        }
      }
    }
  }
  return cycles;
}

std::vector<std::string> dependency_closure(const DependencyGraph& g, const std::string& name) {
  // Post-order over an explicit stack: a node is emitted once all it needs is.
  std::vector<std::string> order;
  std::set<std::string> seen{name};
  std::vector<std::pair<std::string, std::size_t>> stack{{name, 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    const auto* edges = edges_of(g, node);
    if (edges && next < edges->size()) {
      const std::string dep = (*edges)[next++];
      if (seen.insert(dep).second) stack.emplace_back(dep, 0);
      continue;
    }
    if (node != name) order.push_back(node);
    stack.pop_back();
  }
  return order;
}

std::vector<std::string> dependents_closure(const DependencyGraph& g, const std::string& name) {
  std::map<std::string, std::vector<std::string>> reverse;
  for (const auto& [n, deps] : g)
    for (const auto& d : deps) reverse[d].push_back(n);
  std::vector<std::string> out;
  std::set<std::string> seen{name};
  std::vector<std::string> todo{name};
  while (!todo.empty()) {
    std::string n = std::move(todo.back());
    todo.pop_back();
    for (const auto& user : reverse[n])
      if (seen.insert(user).second) {
        out.push_back(user);
        todo.push_back(user);
      }
  }
  return out;
}

std::optional<Blocker> first_blocker(const std::vector<std::string>& deps,
                                     const std::function<DependencyState(const std::string&)>& state_of) {
  for (const auto& d : deps) {
    DependencyState s = state_of(d);
    if (s != DependencyState::Ready) return Blocker{d, s};
  }
  return std::nullopt;
}

std::string waiting_text(const Blocker& b) {
  if (b.state == DependencyState::Down) return "waiting for " + b.name + " (down: start it first)";
  return "waiting for " + b.name + " to be ready";
}

}  // namespace corral::readiness
