// SPDX-License-Identifier: Apache-2.0
#include "corral/waits/process_owner.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <unordered_map>

#include "corral/base/unique_fd.hpp"

namespace corral::waits {
namespace {

struct Parents {
  pid_t ppid = 0;
  pid_t pgrp = 0;
};

// ppid and pgrp from /proc/PID/stat; false when the process is gone. The comm field
// may hold spaces and ')' so the fields are read after the last ')'.
bool read_parents(int proc_fd, const char* pid_name, Parents& out) {
  std::string path = std::string(pid_name) + "/stat";
  UniqueFd fd(::openat(proc_fd, path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  char buf[1024];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return false;
  buf[n] = '\0';
  char* close = std::strrchr(buf, ')');
  if (!close || close[1] == '\0') return false;
  char* p = close + 2;  // state letter
  if (*p == '\0') return false;
  ++p;
  char* end = nullptr;
  long ppid = std::strtol(p, &end, 10);
  if (end == p) return false;
  p = end;
  long pgrp = std::strtol(p, &end, 10);
  if (end == p) return false;
  out.ppid = static_cast<pid_t>(ppid);
  out.pgrp = static_cast<pid_t>(pgrp);
  return true;
}

}  // namespace

Result<std::map<pid_t, pid_t>> processes_of(const std::vector<pid_t>& roots) {
  std::map<pid_t, pid_t> out;
  std::set<pid_t> root_set;
  for (pid_t r : roots)
    if (r > 0) root_set.insert(r);
  if (root_set.empty()) return out;

  UniqueFd proc_fd(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc_fd) return errno_error("open /proc");
  DIR* dir = ::fdopendir(::dup(proc_fd.get()));
  if (!dir) return errno_error("opendir /proc");
  std::unordered_map<pid_t, Parents> table;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    Parents p;
    if (!read_parents(proc_fd.get(), e->d_name, p)) continue;
    table[static_cast<pid_t>(std::atoi(e->d_name))] = p;
  }
  ::closedir(dir);

  for (const auto& [pid, p] : table) {
    // Own group first (the usual case), then the ancestry, bounded against loops.
    pid_t owner = 0;
    if (root_set.count(pid)) owner = pid;
    else if (root_set.count(p.pgrp)) owner = p.pgrp;
    else {
      pid_t cur = p.ppid;
      for (int depth = 0; cur > 1 && depth < 4096; ++depth) {
        if (root_set.count(cur)) {
          owner = cur;
          break;
        }
        auto it = table.find(cur);
        if (it == table.end()) break;
        cur = it->second.ppid;
      }
    }
    if (owner) out[pid] = owner;
  }
  return out;
}

}  // namespace corral::waits
