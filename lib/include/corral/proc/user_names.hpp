// SPDX-License-Identifier: Apache-2.0
// uid -> user name, looked up once per uid (getpwuid_r can read /etc/passwd or ask
// NSS on every call; ps over thousands of processes must not pay that per row).
#pragma once

#include <sys/types.h>

#include <string>
#include <unordered_map>

namespace corral::proc {

class UserNames {
 public:
  // The login name, or the decimal uid when the uid has no passwd entry.
  const std::string& name(uid_t uid);

 private:
  std::unordered_map<uid_t, std::string> cache_;
};

}  // namespace corral::proc
