// SPDX-License-Identifier: Apache-2.0
// corral::waits::Registry: corral's own resource registry, a shared-memory table of
// counted resources that records which process holds how many instances of each and
// which process (and thread) waits for how many. The deadlock detector reads it beside
// the kernel's view (file locks, pipes, mutexes); in avoidance mode every acquisition is
// first checked by the banker's algorithm against the declared maximum claims.
//
// One registry is one Boost.Interprocess managed segment, /dev/shm/corral-reg-NAME, so a
// run picks a unique NAME (e.g. with its pid) and removes the segment when it is done.
// One interprocess mutex and condition guard the whole table: the banker must see every
// resource at once, and a release anywhere may make a deferred request safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::waits {

inline constexpr std::size_t kRegistryMaxResources = 64;
inline constexpr std::size_t kRegistryMaxEntries = 1024;
inline constexpr std::size_t kRegistryNameMax = 47;  // resource and registry names
inline constexpr const char* kRegistryPrefix = "corral-reg-";

// A copy of the table taken under its lock, for the detector and for tests.
struct RegistrySnapshot {
  struct Resource {
    std::string name;
    std::uint32_t total = 0;      // instances in existence
    std::uint32_t available = 0;  // instances nobody holds
  };
  struct Entry {
    pid_t pid = 0;               // the process that holds or waits
    pid_t tid = 0;               // the thread that last waited (0 if none)
    std::uint32_t resource = 0;  // index into resources
    std::uint32_t held = 0;      // instances held now
    std::uint32_t waiting = 0;   // instances requested and not yet granted
    std::uint32_t claim = 0;     // declared maximum claim (avoidance mode), 0 if none
  };
  std::string name;  // the registry name (without the prefix)
  bool avoidance = false;
  std::vector<Resource> resources;
  std::vector<Entry> entries;
};

class Registry {
 public:
  struct Options {
    bool avoidance = false;  // defer requests that would leave an unsafe state
  };

  // Opens the registry NAME, creating its segment if it does not exist yet.
  static Result<Registry> open_or_create(const std::string& name, Options options);
  static Result<Registry> open_or_create(const std::string& name) { return open_or_create(name, Options{}); }
  // Opens an existing registry (ENOENT if there is none).
  static Result<Registry> open(const std::string& name);
  // Unlinks the segment; processes that have it mapped keep using it.
  static Status remove(const std::string& name);
  // Names of the registries present in /dev/shm.
  static std::vector<std::string> list();
  static std::string segment_name(const std::string& name) { return kRegistryPrefix + name; }

  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  ~Registry();

  const std::string& name() const;
  bool created_segment() const;  // this object's open created the segment

  // Finds the resource NAME or adds it with `instances` instances; returns its index.
  Result<std::uint32_t> add_resource(const std::string& name, std::uint32_t instances);
  Result<std::uint32_t> find_resource(const std::string& name);

  // Avoidance mode: the calling process declares it will never hold more than `max`.
  Status declare_claim(std::uint32_t resource, std::uint32_t max);

  // Acquire n instances for the calling process, blocking until granted.
  Status acquire(std::uint32_t resource, std::uint32_t n = 1);
  // Non-blocking: false when it would have to wait.
  Result<bool> try_acquire(std::uint32_t resource, std::uint32_t n = 1);
  // Blocks at most `timeout`; false when it timed out.
  Result<bool> acquire_for(std::uint32_t resource, std::uint32_t n, std::chrono::milliseconds timeout);
  // Gives back n instances. Releasing more than the caller holds adds instances (a
  // signalling use of a semaphore), which the detector then sees as available.
  Status release(std::uint32_t resource, std::uint32_t n = 1);
  // Instances currently available.
  Result<std::uint32_t> available(std::uint32_t resource);

  Result<RegistrySnapshot> snapshot();

  struct Impl;

 private:
  explicit Registry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace corral::waits
