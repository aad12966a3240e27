// SPDX-License-Identifier: Apache-2.0
// Pipes and FIFOs: a thread asleep in read(2) on an empty pipe waits for any process
// holding a write end; one asleep in write(2) on a full pipe waits for any reader.
// An OR wait: a cycle through pipes is a deadlock only when it is a knot.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdio>
#include <cstring>

#include "scan_context.hpp"

namespace corral::waits::detail {
namespace {

constexpr long kSysRead = 0, kSysWrite = 1, kSysReadv = 19, kSysWritev = 20;

// Identity of a pipe or FIFO from a /proc/PID/fd link: "pipe:[123]" or a FIFO's path.
struct PipeId {
  std::string key;   // "pipe:123" or "fifo:maj:min:ino"
  std::string path;  // FIFO path, empty for anonymous pipes
  std::uint64_t inode = 0;
  std::string device;
};

std::optional<PipeId> pipe_of(pid_t pid, int fd, const std::string& target) {
  PipeId id;
  if (target.rfind("pipe:[", 0) == 0) {
    id.inode = std::strtoull(target.c_str() + 6, nullptr, 10);
    id.key = "pipe:" + std::to_string(id.inode);
    return id;
  }
  if (target.empty() || target[0] != '/') return std::nullopt;
  char link[64];
  std::snprintf(link, sizeof link, "/proc/%d/fd/%d", pid, fd);
  struct stat st {};
  if (::stat(link, &st) != 0 || !S_ISFIFO(st.st_mode)) return std::nullopt;
  char dev[32];
  std::snprintf(dev, sizeof dev, "%02x:%02x", major(st.st_dev), minor(st.st_dev));
  id.device = dev;
  id.inode = st.st_ino;
  id.path = target;
  id.key = "fifo:" + id.device + ":" + std::to_string(id.inode);
  return id;
}

int access_mode(ScanContext& ctx, pid_t pid, int fd) {
  const std::string& info = ctx.fdinfo(pid, fd);
  auto pos = info.find("flags:");
  if (pos == std::string::npos) return -1;
  return static_cast<int>(std::strtoul(info.c_str() + pos + 6, nullptr, 8)) & O_ACCMODE;
}

}  // namespace

void examine_pipes(ScanContext& ctx, pid_t pid) {
  for (const auto& c : ctx.calls(pid)) {
    const bool reading = c.nr == kSysRead || c.nr == kSysReadv;
    const bool writing = c.nr == kSysWrite || c.nr == kSysWritev;
    if (!reading && !writing) continue;
    const int fd = static_cast<int>(c.args[0]);
    auto id = pipe_of(pid, fd, ScanContext::fd_target(pid, fd));
    if (!id) continue;
    Resource r;
    r.kind = ResourceKind::kPipe;
    r.key = id->key + (reading ? ":data" : ":space");  // data to read vs room to write
    r.inode = id->inode;
    r.path = id->path;
    r.device = id->device;
    r.label = (id->path.empty() ? "pipe:[" + std::to_string(id->inode) + "]" : "FIFO " + id->path + " (inode " +
                                                                                  id->device + ":" +
                                                                                  std::to_string(id->inode) + ")") +
              (reading ? " (empty: waiting for a writer)" : " (full: waiting for a reader)");
    r.holders_mode = WaitMode::kOr;
    const std::size_t before = ctx.snap.resources.size();
    const std::size_t idx = ctx.snap.add_resource(r);
    if (idx == before) {
      // Who holds the other end: every process with an fd on the same pipe whose access
      // mode can write (for a reader) or read (for a writer).
      auto consider = [&](const FdEntry& e) {
        const int mode = access_mode(ctx, e.pid, e.fd);
        const bool can = reading ? (mode == O_WRONLY || mode == O_RDWR) : (mode == O_RDONLY || mode == O_RDWR);
        if (!can) return;
        ctx.snap.holds.push_back({e.pid, idx, std::string(reading ? "write" : "read") + " end fd " + std::to_string(e.fd)});
        ctx.want(e.pid);
      };
      if (id->path.empty()) {
        for (const FdEntry* e : ctx.pipe_fds(id->inode)) consider(*e);
      } else {
        // FIFOs are matched by the path they were opened by (no stat of every file fd).
        for (const auto& e : ctx.all_fds())
          if (e.target == id->path) consider(e);
      }
    }
    ctx.snap.waits.push_back({pid, c.tid, idx, std::string(reading ? "read" : "write") + " fd " + std::to_string(fd)});
  }
}

}  // namespace corral::waits::detail
