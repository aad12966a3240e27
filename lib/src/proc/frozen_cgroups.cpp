// SPDX-License-Identifier: Apache-2.0
#include "corral/proc/frozen_cgroups.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "corral/base/dir_entries.hpp"
#include "corral/base/file_read.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/proc/parsers.hpp"
#include "proc_files.hpp"
#include "text_scan.hpp"

namespace corral::proc {
namespace {
using namespace detail;

void collect_tids(std::string_view text, std::vector<pid_t>& out) {
  std::string_view line;
  while (next_line(text, line)) {
    pid_t tid = 0;
    if (to_number(line, tid)) out.push_back(tid);
  }
}

// Depth-first walk of one hierarchy. depth bounds the recursion on odd trees.
void walk(int dirfd, bool v2, std::vector<pid_t>& out, std::string& buf, int depth) {
  // The state file is one short record, whole in one read (read_proc_file); the
  // task lists below may not be, so they are read to the end.
  bool frozen = false;
  std::string_view state;
  if (read_proc_file(dirfd, v2 ? "cgroup.events" : "freezer.state", buf, state) == 0)
    frozen = v2 ? parse_cgroup_events_frozen(state) : parse_freezer_state_frozen(state);
  if (frozen) {
    if (read_file_at(dirfd, v2 ? "cgroup.threads" : "tasks", buf) ||
        (v2 && read_file_at(dirfd, "cgroup.procs", buf)))
      collect_tids(buf, out);
  }
  if (depth > 64) return;
  // On dirfd itself (there may be thousands of cgroups): only its offset moves, and
  // openat ignores it. A small buffer: this recurses.
  for_each_dir_entry<4096>(dirfd, [&](const dirent64& e) {
    if (e.d_type != DT_DIR || e.d_name[0] == '.') return;
    UniqueFd child(::openat(dirfd, e.d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (child) walk(child.get(), v2, out, buf, depth + 1);
  });
}

// The path of `line` ("hier:controllers:path") when its controllers list has `want`.
bool line_has_controller(std::string_view controllers, std::string_view want) {
  while (!controllers.empty()) {
    std::size_t comma = controllers.find(',');
    if (controllers.substr(0, comma) == want) return true;
    if (comma == std::string_view::npos) break;
    controllers.remove_prefix(comma + 1);
  }
  return false;
}
}  // namespace

CgroupMounts parse_cgroup_mounts(std::string_view mountinfo) {
  CgroupMounts m;
  std::string_view line;
  while (next_line(mountinfo, line)) {
    std::size_t sep = line.find(" - ");
    if (sep == std::string_view::npos) continue;
    std::string_view head = line.substr(0, sep);
    std::string_view tail = line.substr(sep + 3);
    std::string_view mount_point;
    for (int i = 0; i < 5; ++i) mount_point = next_token(head);
    std::string_view fstype = next_token(tail);
    next_token(tail);  // source
    std::string_view options = next_token(tail);
    if (fstype == "cgroup2" && m.unified_v2.empty()) m.unified_v2 = mount_point;
    if (fstype == "cgroup" && line_has_controller(options, "freezer") && m.freezer_v1.empty())
      m.freezer_v1 = mount_point;
  }
  return m;
}

CgroupMounts read_cgroup_mounts() {
  std::string text;
  if (!read_file_at(AT_FDCWD, "/proc/self/mountinfo", text)) return {};
  return parse_cgroup_mounts(text);
}

bool cgroup_lines_frozen(const std::vector<std::string>& lines, const CgroupMounts& mounts) {
  std::string buf;
  for (const std::string& l : lines) {
    std::string_view line = l;
    std::size_t c1 = line.find(':');
    std::size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    std::string_view path = line.substr(c2 + 1);
    if (line.substr(0, c1) == "0" && controllers.empty() && !mounts.unified_v2.empty()) {
      if (path == "/") continue;  // the root cgroup cannot be frozen
      std::string file = mounts.unified_v2 + std::string(path) + "/cgroup.events";
      if (read_file_at(AT_FDCWD, file.c_str(), buf) && parse_cgroup_events_frozen(buf)) return true;
    } else if (!mounts.freezer_v1.empty() && line_has_controller(controllers, "freezer")) {
      std::string file = mounts.freezer_v1 + std::string(path) + "/freezer.state";
      if (read_file_at(AT_FDCWD, file.c_str(), buf) && parse_freezer_state_frozen(buf)) return true;
    }
  }
  return false;
}

FrozenIndex FrozenIndex::scan(const CgroupMounts& mounts) {
  FrozenIndex idx;
  std::string buf;
  if (!mounts.freezer_v1.empty()) {
    UniqueFd root(::open(mounts.freezer_v1.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (root) walk(root.get(), false, idx.tids_, buf, 0);
  }
  if (!mounts.unified_v2.empty()) {
    UniqueFd root(::open(mounts.unified_v2.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (root) walk(root.get(), true, idx.tids_, buf, 0);
  }
  std::sort(idx.tids_.begin(), idx.tids_.end());
  return idx;
}

bool FrozenIndex::contains(pid_t tid) const { return std::binary_search(tids_.begin(), tids_.end(), tid); }

}  // namespace corral::proc
