// SPDX-License-Identifier: Apache-2.0
// corral::ipc::TrackedSemaphore: a counting semaphore shared between processes whose
// holders and waiters are recorded in corral's resource registry, so that
// `corralctl waits` can see a deadlock among them (e.g. philosophers holding forks).
//
//   auto fork = TrackedSemaphore::create("philo-" + std::to_string(getpid()), "fork0", 1);
//   fork->wait(); ... fork->post();
//   fork->remove();   // the creator unlinks the registry segment at the end of the run
//
// All semaphores of one registry share its lock; a registry holds up to 64 of them.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "corral/base/result.hpp"
#include "corral/waits/registry.hpp"

namespace corral::ipc {

class TrackedSemaphore {
 public:
  // Creates the semaphore NAME with `initial` instances in registry REGISTRY (creating
  // the registry's segment /dev/shm/corral-reg-REGISTRY if needed). If NAME already
  // exists there, opens it as it is.
  static Result<TrackedSemaphore> create(const std::string& registry, const std::string& name,
                                         std::uint32_t initial);
  // Opens an existing semaphore (ENOENT if the registry or the name is missing).
  static Result<TrackedSemaphore> open(const std::string& registry, const std::string& name);
  // Unlinks the registry segment REGISTRY (for cleanup by whoever owns the run).
  static Status remove_registry(const std::string& registry);

  // P / wait: take one instance, blocking until one is available.
  Status wait();
  // false instead of blocking.
  Result<bool> try_wait();
  // false when `timeout` passed first.
  Result<bool> timed_wait(std::chrono::milliseconds timeout);
  // V / signal: give one instance back.
  Status post();
  // Instances available now (never negative; waiters are in the registry).
  Result<std::uint32_t> value();

  const std::string& name() const { return name_; }
  const std::string& registry_name() const { return registry_.name(); }
  // True in the process whose create() made the registry segment.
  bool creator() const { return registry_.created_segment() && creator_pid_ == ::getpid(); }
  // Unlinks the registry segment if this process created it (a forked child's copy does
  // nothing); mappings stay valid until every process unmaps.
  Status remove();

 private:
  TrackedSemaphore(waits::Registry registry, std::string name, std::uint32_t index)
      : registry_(std::move(registry)), name_(std::move(name)), index_(index), creator_pid_(::getpid()) {}

  waits::Registry registry_;
  std::string name_;
  std::uint32_t index_ = 0;
  pid_t creator_pid_ = 0;
};

}  // namespace corral::ipc
