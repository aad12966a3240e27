// SPDX-License-Identifier: Apache-2.0
// Dependency logic between services, pure: cycles, the closure of `requires`
// (what `corralctl start web` starts first) and what a service still waits for.
// Every walk is iterative with an explicit stack: a long chain in a config file
// cannot deepen the daemon's call stack.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace corral::readiness {

// name -> the names it waits for (after ∪ requires), or the names it requires.
using DependencyGraph = std::map<std::string, std::vector<std::string>>;

// Each cycle once, as the names along it starting from the smallest
// ({"a","b"} for a -> b -> a). Names not in the graph are skipped.
std::vector<std::vector<std::string>> find_cycles(const DependencyGraph& g);

// Everything `name` needs, transitively, in an order to start them (each after
// what it needs); `name` itself is not included. Cycles do not loop.
std::vector<std::string> dependency_closure(const DependencyGraph& g, const std::string& name);

// The services that need `name`, transitively (what to stop when it stops).
std::vector<std::string> dependents_closure(const DependencyGraph& g, const std::string& name);

enum class DependencyState : std::uint8_t {
  Ready,     // up and ready: dependents may start
  Pending,   // starting, or waiting itself: dependents wait
  Down,      // stopped by hand, exited, or fatal: `requires` keeps dependents down
};

struct Blocker {
  std::string name;
  DependencyState state = DependencyState::Pending;
};

// The first of `deps` that is not Ready, in list order; nullopt when all are.
std::optional<Blocker> first_blocker(const std::vector<std::string>& deps,
                                     const std::function<DependencyState(const std::string&)>& state_of);
// "waiting for db to be ready" / "waiting for db (down)".
std::string waiting_text(const Blocker& b);

}  // namespace corral::readiness
