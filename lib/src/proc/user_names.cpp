// SPDX-License-Identifier: Apache-2.0
#include "corral/proc/user_names.hpp"

#include <pwd.h>

#include <vector>

namespace corral::proc {

const std::string& UserNames::name(uid_t uid) {
  auto it = cache_.find(uid);
  if (it != cache_.end()) return it->second;
  std::string name;
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(4096);
  int rc = 0;
  while ((rc = ::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found)) == ERANGE && buf.size() < (1u << 20))
    buf.resize(buf.size() * 2);
  if (rc == 0 && found != nullptr && found->pw_name != nullptr)
    name = found->pw_name;
  else
    name = std::to_string(uid);
  return cache_.emplace(uid, std::move(name)).first->second;
}

}  // namespace corral::proc
