// SPDX-License-Identifier: Apache-2.0
// TrackedSemaphore: a thin face over one registry resource.
#include "corral/ipc/tracked_semaphore.hpp"

namespace corral::ipc {

Result<TrackedSemaphore> TrackedSemaphore::create(const std::string& registry, const std::string& name,
                                                  std::uint32_t initial) {
  auto reg = waits::Registry::open_or_create(registry);
  if (!reg) return reg.error();
  auto index = reg->add_resource(name, initial);
  if (!index) return index.error();
  return TrackedSemaphore(std::move(*reg), name, *index);
}

Result<TrackedSemaphore> TrackedSemaphore::open(const std::string& registry, const std::string& name) {
  auto reg = waits::Registry::open(registry);
  if (!reg) return reg.error();
  auto index = reg->find_resource(name);
  if (!index) return index.error();
  return TrackedSemaphore(std::move(*reg), name, *index);
}

Status TrackedSemaphore::remove_registry(const std::string& registry) { return waits::Registry::remove(registry); }

Status TrackedSemaphore::wait() { return registry_.acquire(index_, 1); }

Result<bool> TrackedSemaphore::try_wait() { return registry_.try_acquire(index_, 1); }

Result<bool> TrackedSemaphore::timed_wait(std::chrono::milliseconds timeout) {
  return registry_.acquire_for(index_, 1, timeout);
}

Status TrackedSemaphore::post() { return registry_.release(index_, 1); }

Result<std::uint32_t> TrackedSemaphore::value() { return registry_.available(index_); }

Status TrackedSemaphore::remove() {
  if (!creator()) return {};
  return waits::Registry::remove(registry_.name());
}

}  // namespace corral::ipc
