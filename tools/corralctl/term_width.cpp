// SPDX-License-Identifier: Apache-2.0
#include "term_width.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace corral::ctl {

std::size_t output_width() {
  if (::isatty(STDOUT_FILENO)) {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  }
  if (const char* cols = std::getenv("COLUMNS")) {
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(cols, cols + std::strlen(cols), n);
    if (ec == std::errc() && *p == '\0' && n > 0) return n;
  }
  return 0;
}

}  // namespace corral::ctl
