// SPDX-License-Identifier: Apache-2.0
#include "daemon_log.hpp"

#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace corral::daemon {

void log_line(const char* fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  std::time_t t = std::time(nullptr);
  struct tm tm{};
  ::localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  std::fprintf(stderr, "%s corrald: %s\n", stamp, msg);
}

}  // namespace corral::daemon
