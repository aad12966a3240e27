// SPDX-License-Identifier: Apache-2.0
#include "corral/cgroup/layout.hpp"

#include <vector>

#include "corral/base/file_read.hpp"
#include "fs_util.hpp"

namespace corral::cgroup {

std::string_view to_string(Controller c) {
  switch (c) {
    case Controller::Cpu: return "cpu";
    case Controller::Cpuacct: return "cpuacct";
    case Controller::Cpuset: return "cpuset";
    case Controller::Memory: return "memory";
    case Controller::Pids: return "pids";
    case Controller::Freezer: return "freezer";
  }
  return "?";
}

namespace {
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t at = s.find(sep, pos);
    if (at == std::string_view::npos) at = s.size();
    out.push_back(s.substr(pos, at - pos));
    pos = at + 1;
  }
  return out;
}

// mountinfo escapes spaces and the like as \040; cgroup mountpoints rarely have them,
// but decode so the path we open is right.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

Result<Layout> parse_layout(std::string_view mountinfo, bool v2_has_controllers) {
  Layout layout;
  constexpr Controller kAll[] = {Controller::Cpu,    Controller::Cpuacct, Controller::Cpuset,
                                 Controller::Memory, Controller::Pids,    Controller::Freezer};
  for (std::string_view line : split(mountinfo, '\n')) {
    if (line.empty()) continue;
    // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS"
    auto fields = split(line, ' ');
    std::size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (fields.size() < 5 || dash + 3 >= fields.size()) continue;
    std::string_view fstype = fields[dash + 1];
    std::string mountpoint = unescape(fields[4]);
    if (fstype == "cgroup2") {
      if (layout.v2_mount.empty()) layout.v2_mount = mountpoint;
    } else if (fstype == "cgroup") {
      for (std::string_view opt : split(fields[dash + 3], ','))
        for (Controller c : kAll)
          if (opt == to_string(c) && !layout.v1_mounts.count(c)) layout.v1_mounts[c] = mountpoint;
    }
  }
  if (!layout.v1_mounts.empty())
    layout.mode = layout.v2_mount.empty() ? Mode::V1 : Mode::Hybrid;
  else if (!layout.v2_mount.empty())
    layout.mode = Mode::V2;
  else
    return Error::logic("no cgroup filesystem is mounted (see /proc/self/mountinfo)", ENOENT);
  // A cgroup2 mount that carries the controllers while v1 only has named hierarchies
  // would have no v1 controllers at all, so it is V2 above. With both, the
  // controllers that matter are on v1 whatever v2 lists.
  (void)v2_has_controllers;
  return layout;
}

Result<Layout> detect_layout() {
  auto info = read_file("/proc/self/mountinfo");
  if (!info) return info.error();
  auto first = parse_layout(*info, false);
  if (!first) return first;
  bool v2_ctrl = false;
  if (!first->v2_mount.empty())
    if (auto c = detail::read_trimmed(first->v2_mount + "/cgroup.controllers")) v2_ctrl = !c->empty();
  return parse_layout(*info, v2_ctrl);
}

std::map<std::string, std::string> parse_proc_cgroup(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view line : split(text, '\n')) {
    // "ID:CONTROLLERS:PATH"; the path may itself contain ':'.
    std::size_t a = line.find(':');
    if (a == std::string_view::npos) continue;
    std::size_t b = line.find(':', a + 1);
    if (b == std::string_view::npos) continue;
    std::string_view ctrls = line.substr(a + 1, b - a - 1);
    std::string path(line.substr(b + 1));
    if (ctrls.empty()) {
      out[""] = path;
      continue;
    }
    for (std::string_view c : split(ctrls, ',')) out[std::string(c)] = path;
  }
  return out;
}

}  // namespace corral::cgroup
