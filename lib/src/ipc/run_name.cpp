// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/run_name.hpp"

#include <unistd.h>

#include <cstdio>
#include <random>

#include "corral/ipc/clock.hpp"

namespace corral::ipc {

std::string unique_run_name(std::string_view demo) {
  std::random_device rd;
  const unsigned r = rd() ^ static_cast<unsigned>(now_ns());
  char buf[96];
  std::snprintf(buf, sizeof buf, "corral-%.*s-%d-%08x", static_cast<int>(demo.size()), demo.data(),
                static_cast<int>(::getpid()), r);
  return buf;
}

}  // namespace corral::ipc
