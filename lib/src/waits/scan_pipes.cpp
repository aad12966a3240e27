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

int access_mode(ScanContext& ctx, const FdEntry& e) {
  if (e.access >= 0) return e.access;  // from the holder pass
  const std::string& info = ctx.fdinfo(e.pid, e.fd);
  auto pos = info.find("flags:");
  if (pos == std::string::npos) return -1;
  return static_cast<int>(std::strtoul(info.c_str() + pos + 6, nullptr, 8)) & O_ACCMODE;
}

bool is_read(long nr) { return nr == kSysRead || nr == kSysReadv; }
bool is_write(long nr) { return nr == kSysWrite || nr == kSysWritev; }

}  // namespace

const std::optional<PipeId>& PipeSource::waited_pipe(pid_t pid, const ThreadCall& c) {
  const int fd = static_cast<int>(c.args[0]);
  const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(pid)) << 32) |
                            static_cast<std::uint32_t>(fd);
  auto [it, fresh] = waited_.try_emplace(key);
  if (fresh) it->second = pipe_of(pid, fd, waited_fd_link(pid, c));
  return it->second;
}

// Two phases instead of an index of every fd: the waits first (they name the pipes),
// then one pass over the fd tables that keeps just those pipes. No pass at all when
// nobody waits on a pipe or FIFO.
void PipeSource::index_holders_of_waited() {
  std::unordered_set<std::uint64_t> inodes;
  std::unordered_set<std::string> fifo_paths;
  for (const ProcessInfo& p : ctx_.snap.processes)
    for (const auto& c : ctx_.calls(p.pid)) {
      if (!is_read(c.nr) && !is_write(c.nr)) continue;
      const auto& id = waited_pipe(p.pid, c);
      if (!id) continue;
      if (id->path.empty()) inodes.insert(id->inode);
      else fifo_paths.insert(id->path);
    }
  if (inodes.empty() && fifo_paths.empty()) return;
  ctx_.index_pipe_holders(std::move(inodes), std::move(fifo_paths));
}

void PipeSource::examine(pid_t pid) {
  ScanContext& ctx = ctx_;
  for (const auto& c : ctx.calls(pid)) {
    const bool reading = is_read(c.nr);
    const bool writing = is_write(c.nr);
    if (!reading && !writing) continue;
    const int fd = static_cast<int>(c.args[0]);
    const auto& id = waited_pipe(pid, c);
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
        const int mode = access_mode(ctx, e);
        const bool can = reading ? (mode == O_WRONLY || mode == O_RDWR) : (mode == O_RDONLY || mode == O_RDWR);
        if (!can) return;
        ctx.snap.holds.push_back({e.pid, idx, std::string(reading ? "write" : "read") + " end fd " + std::to_string(e.fd)});
        ctx.want(e.pid);
      };
      if (id->path.empty()) {
        for (const FdEntry* e : ctx.pipe_fds(id->inode)) consider(*e);
      } else if (const auto* held = ctx.fifo_fds(id->path)) {
        // FIFOs are matched by the path they were opened by (no stat of every file fd).
        for (const FdEntry* e : *held) consider(*e);
      } else {
        for (const auto& e : ctx.all_fds())
          if (e.target == id->path) consider(e);
      }
    }
    ctx.snap.waits.push_back({pid, c.tid, idx, std::string(reading ? "read" : "write") + " fd " + std::to_string(fd)});
  }
}

}  // namespace corral::waits::detail
