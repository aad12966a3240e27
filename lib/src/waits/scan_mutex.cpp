// SPDX-License-Identifier: Apache-2.0
// pthread mutexes: a thread asleep in futex(FUTEX_WAIT / FUTEX_LOCK_PI) on a mutex word
// waits for the owner. glibc keeps the owner's TID in the mutex: in the lock word's low
// 30 bits (FUTEX_TID_MASK) for robust and PI mutexes, in __owner (offset 8) for normal
// ones, whose lock word is just 0/1/2. The word is read with process_vm_readv; where
// that is refused, the wait is reported as "not visible", never guessed.
#include <sys/uio.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "corral/base/file_read.hpp"
#include "scan_context.hpp"

namespace corral::waits::detail {
namespace {

constexpr long kSysFutex = 202;  // x86_64
constexpr std::uint64_t kFutexWait = 0, kFutexLockPi = 6, kFutexLockPi2 = 13;
constexpr std::uint64_t kFutexCmdMask = ~std::uint64_t{128 | 256};  // PRIVATE, CLOCK_REALTIME
constexpr std::uint32_t kTidMask = 0x3fffffff;
constexpr int kKindRobust = 16, kKindPi = 32, kKindKnown = 0x3 | 16 | 32 | 64 | 128 | 256 | 512;

// glibc's x86_64 struct __pthread_mutex_s, first 20 bytes.
struct MutexHead {
  std::int32_t lock;
  std::uint32_t count;
  std::int32_t owner;
  std::uint32_t nusers;
  std::int32_t kind;
};

struct Mapping {
  std::uint64_t start = 0, end = 0, offset = 0, inode = 0;
  std::string device, path;
};

std::optional<Mapping> mapping_of(pid_t pid, std::uint64_t addr) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/maps");
  if (!text) return std::nullopt;
  std::size_t pos = 0;
  while (pos < text->size()) {
    std::size_t nl = text->find('\n', pos);
    if (nl == std::string::npos) nl = text->size();
    std::string line = text->substr(pos, nl - pos);
    pos = nl + 1;
    Mapping m;
    char perms[8], dev[16];
    unsigned long long s = 0, e = 0, off = 0, ino = 0;
    int consumed = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %15s %llu %n", &s, &e, perms, &off, dev, &ino, &consumed) < 6)
      continue;
    if (addr < s || addr >= e) continue;
    m.start = s;
    m.end = e;
    m.offset = off;
    m.inode = ino;
    m.device = dev;
    if (consumed > 0 && static_cast<std::size_t>(consumed) <= line.size()) m.path = line.substr(static_cast<std::size_t>(consumed));
    return m;
  }
  return std::nullopt;
}

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

void examine_mutexes(ScanContext& ctx, pid_t pid) {
  for (const auto& c : ctx.calls(pid)) {
    if (c.nr != kSysFutex) continue;
    const std::uint64_t cmd = c.args[1] & kFutexCmdMask;
    if (cmd != kFutexWait && cmd != kFutexLockPi && cmd != kFutexLockPi2) continue;  // condvars use WAIT_BITSET
    const std::uint64_t addr = c.args[0];
    MutexHead m{};
    iovec local{&m, sizeof m};
    iovec remote{reinterpret_cast<void*>(addr), sizeof m};
    if (::process_vm_readv(pid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(sizeof m)) {
      ctx.snap.notes.push_back("pid " + std::to_string(pid) + " tid " + std::to_string(c.tid) + " waits on futex " +
                               hex(addr) + ": not visible (" + std::strerror(errno) + ")");
      continue;
    }
    const std::uint32_t word = static_cast<std::uint32_t>(m.lock);
    pid_t owner = 0;
    if ((m.kind & ~kKindKnown) != 0) continue;  // not a mutex we understand
    if (cmd == kFutexWait) {
      const std::uint32_t expected = static_cast<std::uint32_t>(c.args[2]);
      if ((m.kind & (kKindRobust | kKindPi)) == 0) {
        // Normal mutex: lll_lock sleeps with the value 2 ("locked, with waiters").
        if (expected != 2 || word == 0 || word > 2) continue;
        owner = m.owner;
      } else if (m.kind & kKindRobust) {
        if ((expected & kTidMask) == 0) continue;
        owner = static_cast<pid_t>(word & kTidMask);
        if (m.owner != owner) continue;  // glibc mirrors the owner in __owner
      } else {
        continue;
      }
    } else {
      owner = static_cast<pid_t>(word & kTidMask);
    }
    if (owner <= 0) continue;  // released in the meantime
    const pid_t owner_pid = tgid_of(owner);
    if (owner_pid <= 0) {
      ctx.snap.notes.push_back("pid " + std::to_string(pid) + " waits on mutex " + hex(addr) + " owned by tid " +
                               std::to_string(owner) + ", which no longer exists (owner died?)");
      continue;
    }
    Resource r;
    r.kind = ResourceKind::kMutex;
    r.address = addr;
    auto map = mapping_of(pid, addr);
    if (map && map->inode != 0) {
      // A shared mapping of a file or shmem: the same mutex may sit at different addresses
      // in different processes, so name it by file and offset.
      r.key = "mutex:" + map->device + ":" + std::to_string(map->inode) + ":" + std::to_string(addr - map->start + map->offset);
      r.path = map->path;
      r.device = map->device;
      r.inode = map->inode;
    } else {
      r.key = "mutex:" + std::to_string(pid) + ":" + hex(addr);
      r.path = map ? map->path : std::string();
    }
    r.label = "mutex " + hex(addr) + " in " + (r.path.empty() ? std::string("[anonymous]") : r.path);
    r.holders_mode = WaitMode::kAnd;
    const std::size_t before = ctx.snap.resources.size();
    const std::size_t idx = ctx.snap.add_resource(r);
    if (idx == before) {
      ctx.snap.holds.push_back({owner_pid, idx, "owner tid " + std::to_string(owner)});
      ctx.want(owner_pid);
    }
    ctx.snap.waits.push_back({pid, c.tid, idx, "futex " + hex(addr) + " (pthread mutex)"});
  }
}

}  // namespace corral::waits::detail
