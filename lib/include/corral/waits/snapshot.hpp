// SPDX-License-Identifier: Apache-2.0
// What the sources saw on a real system, before any graph is built: processes, the
// resources they hold and the ones they wait for. The scanner fills it from /proc and
// corral's registry; analyze() turns it into a WaitGraph and a Report. Keeping the two
// apart lets the tests feed hand-made snapshots (the textbook's examples) to analyze().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "corral/waits/wait_graph.hpp"

namespace corral::waits {

enum class ResourceKind : std::uint8_t { kFileLock, kPipe, kMutex, kRegistry, kSysvSem, kMessage };
const char* to_string(ResourceKind kind);

inline constexpr std::uint64_t kToEof = UINT64_MAX;

struct Resource {
  ResourceKind kind = ResourceKind::kFileLock;
  std::string key;    // unique identity, e.g. "lock:POSIX:8:1:1234:0-EOF:WRITE:4242"
  std::string label;  // for people: "/tmp/f (08:01:1234) bytes 0-EOF POSIX WRITE"
  // How the waits on this resource combine over its holders: AND (every holder must
  // release: read locks held by several) or OR (any one suffices: a pipe's writers).
  WaitMode holders_mode = WaitMode::kAnd;
  // True when the resource can be granted without any holder acting (e.g. a registry
  // semaphore with instances left, deferred only by the banker).
  bool free_now = false;
  // Details for --json (unused fields stay empty / zero).
  std::string path;         // file, FIFO or mapping path
  std::string device;       // "major:minor"
  std::uint64_t inode = 0;  // file or pipe inode
  std::uint64_t start = 0, end = 0;  // byte range of a lock; end == kToEof for EOF
  std::uint64_t address = 0;         // mutex address (in the first process that showed it)
  std::string lock_type;             // FLOCK / POSIX / OFDLCK
  std::string access;                // READ / WRITE
};

struct Holding {
  pid_t pid = 0;
  std::size_t resource = 0;
  std::string what;  // "write end fd 5", "owner tid 4243", "1 of 1"
};

struct Waiting {
  pid_t pid = 0;
  pid_t tid = 0;  // the blocked thread (== pid for a single-threaded process)
  std::size_t resource = 0;
  std::string what;  // "read fd 3", "F_SETLKW WRITE 0-EOF", "futex 0x7f..."
};

struct ProcessInfo {
  pid_t pid = 0;
  std::string comm;
  std::vector<pid_t> tids;        // every thread; a process is stuck only if all are
  std::uint64_t cpu_ticks = 0;    // utime + stime
  std::uint64_t start_ticks = 0;  // since boot: larger = younger
  long priority = 0;              // kernel priority (stat field 18): larger = lower
  long nice = 0;
  char state = '?';
};

struct Snapshot {
  std::vector<ProcessInfo> processes;
  std::vector<Resource> resources;
  std::vector<Holding> holds;
  std::vector<Waiting> waits;
  // Things seen but not turned into edges: System V semaphore waiters (their holders are
  // not knowable), futexes that could not be read ("not visible"), ...
  std::vector<std::string> notes;

  // Adds the resource unless one with the same key exists; returns its index.
  std::size_t add_resource(Resource r);
  const ProcessInfo* process(pid_t pid) const;

 private:
  std::unordered_map<std::string, std::size_t> resource_index_;
};

struct Deadlock {
  std::vector<pid_t> pids;                // sorted
  std::vector<std::size_t> resources;     // indices into Snapshot::resources
};

struct Report {
  std::vector<Deadlock> deadlocks;
  // Waits (indices into Snapshot::waits) that are blocked but not part of a deadlock
  // cycle; waits_on_deadlock marks those that can never end because they wait on one.
  std::vector<std::size_t> blocked;
  std::vector<bool> waits_on_deadlock;  // parallel to `blocked`
};

// Builds the wait graph of a snapshot and finds its deadlocks (the mixed AND/OR model:
// cycles for locks and mutexes, knots for pipes and multi-instance resources).
Report analyze(const Snapshot& snap);

}  // namespace corral::waits
