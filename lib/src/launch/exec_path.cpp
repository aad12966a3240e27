// SPDX-License-Identifier: Apache-2.0
#include "corral/launch/exec_path.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace corral::launch {

Result<std::string> resolve_executable(const std::string& name,
                                       const std::map<std::string, std::string>& env) {
  if (name.empty()) return Error::logic("exec: empty program name", EINVAL);
  if (name.find('/') != std::string::npos) return name;
  auto it = env.find("PATH");
  std::string_view path = it != env.end() ? std::string_view(it->second) : std::string_view(kDefaultPath);
  int err = ENOENT;
  std::string_view rest = path;
  for (;;) {
    auto colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    std::string candidate = dir.empty() ? name : std::string(dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0) {
        // A relative candidate ("./foo" from an empty entry) must keep its '/' so
        // execve does not search again.
        return dir.empty() ? "./" + name : candidate;
      }
      err = EACCES;
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return Error{err, "exec " + name + ": " + std::strerror(err) + " (searched PATH=" + std::string(path) + ")"};
}

}  // namespace corral::launch
