// SPDX-License-Identifier: Apache-2.0
#include "corral/persist/proc_cgroup.hpp"

#include <string>

namespace corral::persist {

namespace {

bool lists(std::string_view ctls, std::string_view ctl) {
  for (std::size_t p = 0; p <= ctls.size();) {
    std::size_t q = ctls.find(',', p);
    if (q == std::string_view::npos) q = ctls.size();
    if (ctls.substr(p, q - p) == ctl) return true;
    p = q + 1;
  }
  return false;
}

}  // namespace

bool placed_in_cgroup(std::string_view placed, std::string_view ctl, std::string_view base_dir,
                      std::string_view path) {
  std::string want(base_dir);
  want += '/';
  want += path;
  std::string tail = "/";
  tail += base_dir.substr(base_dir.rfind('/') + 1);
  tail += '/';
  tail += path;
  std::size_t at = 0;
  while (at < placed.size()) {
    std::size_t end = placed.find('\n', at);
    if (end == std::string_view::npos) end = placed.size();
    std::string_view line = placed.substr(at, end - at);
    at = end + 1;
    auto c1 = line.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string_view ctls = line.substr(c1 + 1, c2 - c1 - 1), where = line.substr(c2 + 1);
    const bool has = ctl.empty() ? ctls.empty() && line.substr(0, c1) == "0" : lists(ctls, ctl);
    if (!has) continue;
    return where.size() >= tail.size() && where.substr(where.size() - tail.size()) == tail &&
           want.size() >= where.size() && want.compare(want.size() - where.size(), where.size(), where) == 0;
  }
  return false;
}

}  // namespace corral::persist
