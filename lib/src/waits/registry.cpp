// SPDX-License-Identifier: Apache-2.0
// The registry's shared-memory table and its acquire/release protocol.
#include "corral/waits/registry.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <boost/date_time/posix_time/posix_time_types.hpp>
#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/sync/interprocess_condition.hpp>
#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/scoped_lock.hpp>
#include <cstring>
#include <map>
#include <optional>

#include "corral/waits/banker.hpp"

namespace bip = boost::interprocess;

namespace corral::waits {
namespace {

constexpr std::uint32_t kMagic = 0x636f7252;  // "Rroc"
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kSegmentSize = 256 * 1024;

struct ShmResource {
  char name[kRegistryNameMax + 1];
  std::uint32_t total;
  std::uint32_t available;
  bool used;
};

struct ShmEntry {
  std::int32_t pid;
  std::int32_t tid;
  std::uint32_t resource;
  std::uint32_t held;
  std::uint32_t waiting;
  std::uint32_t claim;
  bool used;
};

// Everything lives in one object so a reader copies a consistent table under one lock.
struct ShmTable {
  std::uint32_t magic = kMagic;
  std::uint32_t version = kVersion;
  bool avoidance = false;
  bip::interprocess_mutex mutex;
  bip::interprocess_condition changed;  // broadcast on every release and purge
  ShmResource resources[kRegistryMaxResources] = {};
  ShmEntry entries[kRegistryMaxEntries] = {};
};

bool pid_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

pid_t current_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > kRegistryNameMax) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

}  // namespace

struct Registry::Impl {
  std::string name;
  bool created = false;
  bip::managed_shared_memory segment;
  ShmTable* table = nullptr;

  using Lock = bip::scoped_lock<bip::interprocess_mutex>;

  ShmEntry* find_entry(pid_t pid, std::uint32_t resource) {
    for (auto& e : table->entries)
      if (e.used && e.pid == pid && e.resource == resource) return &e;
    return nullptr;
  }

  ShmEntry* entry_for(pid_t pid, std::uint32_t resource) {
    if (auto* e = find_entry(pid, resource)) return e;
    for (auto& e : table->entries) {
      if (e.used) continue;
      e = ShmEntry{pid, 0, resource, 0, 0, 0, true};
      return &e;
    }
    return nullptr;
  }

  void drop_if_empty(ShmEntry* e) {
    if (e->held == 0 && e->waiting == 0 && e->claim == 0) e->used = false;
  }

  // A process that died cannot hold anything: give its instances back, forget its waits.
  // Returns true when something changed (the caller then wakes the waiters).
  bool purge_dead() {
    bool changed = false;
    for (auto& e : table->entries) {
      if (!e.used || pid_alive(e.pid)) continue;
      if (e.resource < kRegistryMaxResources) table->resources[e.resource].available += e.held;
      e.used = false;
      changed = true;
    }
    return changed;
  }

  Status check_resource(std::uint32_t resource) const {
    if (resource >= kRegistryMaxResources || !table->resources[resource].used)
      return Error::logic("registry " + name + ": no resource #" + std::to_string(resource), EINVAL);
    return {};
  }

  // The banker's view of the table with `pid`'s pending request of n on `resource`
  // granted; true when that state is safe. Claims default to what a process holds and
  // waits for, so a process that declared nothing has no further claims.
  bool safe_after_grant(pid_t pid, std::uint32_t resource, std::uint32_t n) {
    std::map<pid_t, std::size_t> index;
    for (const auto& e : table->entries)
      if (e.used) index.emplace(e.pid, index.size());
    BankerState s;
    s.total.assign(kRegistryMaxResources, 0);
    for (std::size_t r = 0; r < kRegistryMaxResources; ++r)
      if (table->resources[r].used) s.total[r] = table->resources[r].total;
    s.claim.assign(index.size(), Vec(kRegistryMaxResources, 0));
    s.alloc.assign(index.size(), Vec(kRegistryMaxResources, 0));
    for (const auto& e : table->entries) {
      if (!e.used) continue;
      std::size_t p = index[e.pid];
      std::int64_t held = e.held + ((e.pid == pid && e.resource == resource) ? n : 0);
      s.alloc[p][e.resource] = held;
      s.claim[p][e.resource] = std::max<std::int64_t>({e.claim, held, e.held + e.waiting});
    }
    return banker_safe_sequence(s).has_value();
  }

  bool grantable(pid_t pid, std::uint32_t resource, std::uint32_t n) {
    if (table->resources[resource].available < n) return false;
    return !table->avoidance || safe_after_grant(pid, resource, n);
  }

  void grant(ShmEntry* e, std::uint32_t n) {
    table->resources[e->resource].available -= n;
    e->held += n;
  }

  // The one acquisition path: deadline empty = wait forever, zero = try only.
  Result<bool> acquire(std::uint32_t resource, std::uint32_t n,
                       std::optional<boost::posix_time::ptime> deadline, bool try_only) {
    if (auto st = check_resource(resource); !st) return st.error();
    try {
      Lock lock(table->mutex);
      if (purge_dead()) table->changed.notify_all();
      const pid_t pid = ::getpid();
      ShmEntry* e = entry_for(pid, resource);
      if (!e) return Error::logic("registry " + name + ": table full", ENOSPC);
      if (table->avoidance && e->claim != 0 && e->held + n > e->claim)
        return Error::logic("registry " + name + ": request exceeds the declared claim of " +
                                std::string(table->resources[resource].name),
                            EINVAL);
      if (grantable(pid, resource, n)) {
        grant(e, n);
        return true;
      }
      if (try_only) {
        drop_if_empty(e);
        return false;
      }
      // Record the wait so the detector sees who waits for what while we sleep.
      e->waiting += n;
      e->tid = current_tid();
      for (;;) {
        // Wake at least twice a second to purge holders that died without releasing:
        // nobody else would tell us that their instances came back.
        auto now = boost::posix_time::microsec_clock::universal_time();
        auto wake = now + boost::posix_time::milliseconds(500);
        if (deadline && *deadline < wake) wake = *deadline;
        table->changed.timed_wait(lock, wake);
        if (purge_dead()) table->changed.notify_all();
        // Look our entry up again rather than trust the pointer across the wait.
        e = find_entry(pid, resource);
        if (!e) return Error::logic("registry " + name + ": own entry vanished", EIO);
        if (grantable(pid, resource, n)) {
          e->waiting -= std::min(e->waiting, n);
          grant(e, n);
          return true;
        }
        if (deadline && boost::posix_time::microsec_clock::universal_time() >= *deadline) {
          e->waiting -= std::min(e->waiting, n);
          drop_if_empty(e);
          return false;
        }
      }
    } catch (const bip::interprocess_exception& ex) {
      return Error::logic("registry " + name + ": " + ex.what(), EIO);
    }
  }
};

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;
Registry::~Registry() = default;

const std::string& Registry::name() const { return impl_->name; }
bool Registry::created_segment() const { return impl_->created; }

Result<Registry> Registry::open_or_create(const std::string& name, Options options) {
  if (!valid_name(name)) return Error::logic("registry name '" + name + "': use 1-47 of [A-Za-z0-9._-]", EINVAL);
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  const std::string seg = segment_name(name);
  try {
    // Try to create first so we know whether we are the creator (who removes it).
    try {
      impl->segment = bip::managed_shared_memory(bip::create_only, seg.c_str(), kSegmentSize);
      impl->created = true;
    } catch (const bip::interprocess_exception&) {
      impl->segment = bip::managed_shared_memory(bip::open_only, seg.c_str());
    }
    impl->table = impl->segment.find_or_construct<ShmTable>("table")();
    if (impl->created) impl->table->avoidance = options.avoidance;
  } catch (const bip::interprocess_exception& ex) {
    return Error::logic("registry " + seg + ": " + ex.what(), EIO);
  }
  if (impl->table->magic != kMagic || impl->table->version != kVersion)
    return Error::logic("registry " + seg + ": not a corral registry of version " + std::to_string(kVersion), EPROTO);
  return Registry(std::move(impl));
}

Result<Registry> Registry::open(const std::string& name) {
  if (!valid_name(name)) return Error::logic("registry name '" + name + "': use 1-47 of [A-Za-z0-9._-]", EINVAL);
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  const std::string seg = segment_name(name);
  try {
    impl->segment = bip::managed_shared_memory(bip::open_only, seg.c_str());
    impl->table = impl->segment.find<ShmTable>("table").first;
  } catch (const bip::interprocess_exception& ex) {
    return Error::logic("registry " + seg + ": " + ex.what(), ENOENT);
  }
  if (!impl->table) return Error::logic("registry " + seg + ": no table in the segment", EPROTO);
  if (impl->table->magic != kMagic || impl->table->version != kVersion)
    return Error::logic("registry " + seg + ": not a corral registry of version " + std::to_string(kVersion), EPROTO);
  return Registry(std::move(impl));
}

Status Registry::remove(const std::string& name) {
  const std::string seg = segment_name(name);
  if (!bip::shared_memory_object::remove(seg.c_str()))
    return Error::logic("remove registry " + seg + ": not found", ENOENT);
  return {};
}

std::vector<std::string> Registry::list() {
  std::vector<std::string> names;
  DIR* dir = ::opendir("/dev/shm");
  if (!dir) return names;
  const std::size_t plen = std::strlen(kRegistryPrefix);
  while (dirent* de = ::readdir(dir))
    if (std::strncmp(de->d_name, kRegistryPrefix, plen) == 0) names.emplace_back(de->d_name + plen);
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::uint32_t> Registry::add_resource(const std::string& name, std::uint32_t instances) {
  if (!valid_name(name)) return Error::logic("resource name '" + name + "': use 1-47 of [A-Za-z0-9._-]", EINVAL);
  try {
    Impl::Lock lock(impl_->table->mutex);
    auto* res = impl_->table->resources;
    for (std::uint32_t r = 0; r < kRegistryMaxResources; ++r)
      if (res[r].used && name == res[r].name) return r;
    for (std::uint32_t r = 0; r < kRegistryMaxResources; ++r) {
      if (res[r].used) continue;
      std::memset(res[r].name, 0, sizeof res[r].name);
      std::memcpy(res[r].name, name.data(), name.size());
      res[r].total = instances;
      res[r].available = instances;
      res[r].used = true;
      return r;
    }
  } catch (const bip::interprocess_exception& ex) {
    return Error::logic("registry " + impl_->name + ": " + ex.what(), EIO);
  }
  return Error::logic("registry " + impl_->name + ": no room for resource " + name, ENOSPC);
}

Result<std::uint32_t> Registry::find_resource(const std::string& name) {
  try {
    Impl::Lock lock(impl_->table->mutex);
    for (std::uint32_t r = 0; r < kRegistryMaxResources; ++r)
      if (impl_->table->resources[r].used && name == impl_->table->resources[r].name) return r;
  } catch (const bip::interprocess_exception& ex) {
    return Error::logic("registry " + impl_->name + ": " + ex.what(), EIO);
  }
  return Error::logic("registry " + impl_->name + ": no resource " + name, ENOENT);
}

Status Registry::declare_claim(std::uint32_t resource, std::uint32_t max) {
  if (auto st = impl_->check_resource(resource); !st) return st;
  try {
    Impl::Lock lock(impl_->table->mutex);
    if (max > impl_->table->resources[resource].total)
      return Error::logic("registry " + impl_->name + ": claim of " + std::to_string(max) + " on " +
                              impl_->table->resources[resource].name + " exceeds its total",
                          EINVAL);
    ShmEntry* e = impl_->entry_for(::getpid(), resource);
    if (!e) return Error::logic("registry " + impl_->name + ": table full", ENOSPC);
    e->claim = max;
  } catch (const bip::interprocess_exception& ex) {
    return Error::logic("registry " + impl_->name + ": " + ex.what(), EIO);
  }
  return {};
}

Status Registry::acquire(std::uint32_t resource, std::uint32_t n) {
  auto r = impl_->acquire(resource, n, std::nullopt, false);
  if (!r) return r.error();
  return {};
}

Result<bool> Registry::try_acquire(std::uint32_t resource, std::uint32_t n) {
  return impl_->acquire(resource, n, std::nullopt, true);
}

Result<bool> Registry::acquire_for(std::uint32_t resource, std::uint32_t n, std::chrono::milliseconds timeout) {
  auto deadline = boost::posix_time::microsec_clock::universal_time() +
                  boost::posix_time::milliseconds(timeout.count());
  return impl_->acquire(resource, n, deadline, false);
}

Status Registry::release(std::uint32_t resource, std::uint32_t n) {
  if (auto st = impl_->check_resource(resource); !st) return st;
  try {
    Impl::Lock lock(impl_->table->mutex);
    auto& res = impl_->table->resources[resource];
    ShmEntry* e = impl_->find_entry(::getpid(), resource);
    std::uint32_t from_held = e ? std::min(e->held, n) : 0;
    if (e) {
      e->held -= from_held;
      impl_->drop_if_empty(e);
    }
    // Instances beyond what we held are new ones (a semaphore used for signalling).
    res.total += n - from_held;
    res.available += n;
    impl_->table->changed.notify_all();
  } catch (const bip::interprocess_exception& ex) {
    return Error::logic("registry " + impl_->name + ": " + ex.what(), EIO);
  }
  return {};
}

Result<std::uint32_t> Registry::available(std::uint32_t resource) {
  if (auto st = impl_->check_resource(resource); !st) return st.error();
  try {
    Impl::Lock lock(impl_->table->mutex);
    return impl_->table->resources[resource].available;
  } catch (const bip::interprocess_exception& ex) {
    return Error::logic("registry " + impl_->name + ": " + ex.what(), EIO);
  }
}

Result<RegistrySnapshot> Registry::snapshot() {
  RegistrySnapshot snap;
  snap.name = impl_->name;
  try {
    Impl::Lock lock(impl_->table->mutex);
    if (impl_->purge_dead()) impl_->table->changed.notify_all();
    const ShmTable& t = *impl_->table;
    snap.avoidance = t.avoidance;
    // Keep indices stable: resources are listed by slot, unused slots as empty names.
    std::uint32_t last = 0;
    for (std::uint32_t r = 0; r < kRegistryMaxResources; ++r)
      if (t.resources[r].used) last = r + 1;
    for (std::uint32_t r = 0; r < last; ++r)
      snap.resources.push_back({t.resources[r].used ? t.resources[r].name : "", t.resources[r].total,
                                t.resources[r].available});
    for (const auto& e : t.entries)
      if (e.used) snap.entries.push_back({e.pid, e.tid, e.resource, e.held, e.waiting, e.claim});
  } catch (const bip::interprocess_exception& ex) {
    return Error::logic("registry " + impl_->name + ": " + ex.what(), EIO);
  }
  return snap;
}

}  // namespace corral::waits
