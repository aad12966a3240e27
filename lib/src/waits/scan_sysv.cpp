// SPDX-License-Identifier: Apache-2.0
// System V semaphores: the kernel keeps counts of waiters (semncnt, semzcnt) but not who
// "holds" a semaphore, so they are context in the report, never edges of the graph.
#include <sys/ipc.h>
#include <sys/sem.h>

#include <cstdio>
#include <cstdlib>

#include "corral/base/file_read.hpp"
#include "scan_context.hpp"

namespace corral::waits::detail {
namespace {
constexpr long kSysSemop = 65, kSysSemtimedop = 220;  // x86_64
}

void add_sysv_notes(ScanContext& ctx) {
  auto text = read_file("/proc/sysvipc/sem");
  if (!text) return;
  // "key semid perms nsems uid gid cuid cgid otime ctime", after a header line.
  std::size_t pos = text->find('\n');
  while (pos != std::string::npos && pos + 1 < text->size()) {
    std::size_t nl = text->find('\n', pos + 1);
    std::string line = text->substr(pos + 1, nl == std::string::npos ? std::string::npos : nl - pos - 1);
    pos = nl;
    long long key = 0;
    int semid = 0, nsems = 0;
    unsigned perms = 0;
    if (std::sscanf(line.c_str(), "%lld %d %o %d", &key, &semid, &perms, &nsems) != 4) continue;
    long ncnt = 0, zcnt = 0;
    for (int i = 0; i < nsems; ++i) {
      int n = ::semctl(semid, i, GETNCNT);
      int z = ::semctl(semid, i, GETZCNT);
      if (n > 0) ncnt += n;
      if (z > 0) zcnt += z;
    }
    if (ncnt == 0 && zcnt == 0) continue;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "System V semaphore set id %d (key 0x%llx, %d semaphores): %ld waiting for an increase, "
                  "%ld waiting for zero; holders are not knowable",
                  semid, static_cast<unsigned long long>(key), nsems, ncnt, zcnt);
    ctx.snap.notes.push_back(buf);
  }
}

void examine_sysv(ScanContext& ctx, pid_t pid) {
  for (const auto& c : ctx.calls(pid)) {
    if (c.nr != kSysSemop && c.nr != kSysSemtimedop) continue;
    Resource r;
    r.kind = ResourceKind::kSysvSem;
    r.key = "sysv-sem:" + std::to_string(c.args[0]);
    r.label = "System V semaphore set id " + std::to_string(c.args[0]) + " (holders not knowable)";
    // No holders: the wait is listed as blocked, never as part of a deadlock.
    const std::size_t idx = ctx.snap.add_resource(r);
    ctx.snap.waits.push_back({pid, c.tid, idx, "semop"});
  }
}

}  // namespace corral::waits::detail
