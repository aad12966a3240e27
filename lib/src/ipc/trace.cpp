// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/trace.hpp"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "corral/ipc/clock.hpp"

namespace corral::ipc {

void Tracer::set_role(std::string_view role) {
  const std::size_t n = role.size() < sizeof role_ - 1 ? role.size() : sizeof role_ - 1;
  std::memcpy(role_, role.data(), n);
  role_[n] = '\0';
}

void Tracer::format(char* buf, unsigned long size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, size, fmt, ap);
  va_end(ap);
}

void Tracer::line(std::string_view what) const {
  if (!enabled_) return;
  const double ms = static_cast<double>(now_ns() - origin_ns_) / 1e6;
  char buf[320];
  int n = std::snprintf(buf, sizeof buf, "[%12.6f ms] pid %-7d %-14s %.*s\n", ms, static_cast<int>(::getpid()),
                        role_, static_cast<int>(what.size()), what.data());
  if (n < 0) return;
  if (n >= static_cast<int>(sizeof buf)) n = sizeof buf - 1;
  // One write per line: atomic for pipes up to PIPE_BUF, so lines never mix.
  [[maybe_unused]] ssize_t w = ::write(STDERR_FILENO, buf, static_cast<std::size_t>(n));
}

}  // namespace corral::ipc
