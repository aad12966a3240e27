// SPDX-License-Identifier: Apache-2.0
#include "recorded_probe.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#include "proc_cgroup.hpp"

namespace corral::daemon {
namespace {

RecordedProcess probe(const persist::ServiceRecord& r, bool read_cgroup) {
  RecordedProcess out;
  out.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, r.pid, 0)));
  if (!out.pidfd) {
    out.pidfd_errno = errno;
    return out;
  }
  out.identity = persist::read_identity(r.pid);
  if (read_cgroup && out.identity && out.identity->start_time == r.start_time && !r.cgroup.empty())
    out.cgroup = read_proc_cgroup(r.pid);
  return out;
}

}  // namespace

std::map<std::string, RecordedProcess> probe_recorded(const std::map<std::string, persist::ServiceRecord>& records,
                                                      bool read_cgroups) {
  std::vector<const persist::ServiceRecord*> todo;
  for (const auto& [name, r] : records)
    if (r.pid > 0 && !r.transient) todo.push_back(&r);
  std::vector<RecordedProcess> found(todo.size());
  // Each index is done by one thread, which writes only its own slot. A thread
  // costs tens of microseconds to start: a small set stays on this one.
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(16)) < todo.size();)
      for (std::size_t j = i; j < std::min(todo.size(), i + 16); ++j) found[j] = probe(*todo[j], read_cgroups);
  };
  const unsigned helpers = todo.size() < 64 ? 0 : std::min(3u, std::max(1u, std::thread::hardware_concurrency()) - 1);
  {
    std::vector<std::jthread> threads;
    for (unsigned t = 0; t < helpers; ++t) threads.emplace_back(work);
    work();
  }  // joined: every slot is written
  std::map<std::string, RecordedProcess> out;
  for (std::size_t i = 0; i < todo.size(); ++i) out.emplace(todo[i]->name, std::move(found[i]));
  return out;
}

}  // namespace corral::daemon
