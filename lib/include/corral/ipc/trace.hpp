// SPDX-License-Identifier: Apache-2.0
// --trace output for teaching: one line per wait/signal with time, pid and role.
// Each line is a single write(2) to stderr, so lines from different processes
// never interleave mid-line (stdout stays free for --json).
#pragma once

#include <cstdint>
#include <string_view>

namespace corral::ipc {

class Tracer {
 public:
  Tracer() = default;
  Tracer(bool enabled, std::uint64_t origin_ns) : enabled_(enabled), origin_ns_(origin_ns) {}

  bool enabled() const { return enabled_; }
  // Sets the role shown on every line ("producer#2"); call once in each child.
  void set_role(std::string_view role);
  // "[   12.345678 ms] pid 4242 producer#0   wait(empty) blocked"
  void line(std::string_view what) const;
  template <typename... A>
  void operator()(const char* fmt, A... args) const {
    if (!enabled_) return;
    // Without arguments the text is printed as it is: formatting a non-literal
    // with no arguments is what -Werror=format-security (Debian's build flags) refuses.
    if constexpr (sizeof...(A) == 0) {
      line(fmt);
    } else {
      char buf[200];
      format(buf, sizeof buf, fmt, args...);
      line(buf);
    }
  }

 private:
  static void format(char* buf, unsigned long size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  bool enabled_ = false;
  std::uint64_t origin_ns_ = 0;
  char role_[32] = "parent";
};

}  // namespace corral::ipc
