// SPDX-License-Identifier: Apache-2.0
#include "corral/readiness/notify_message.hpp"

#include <charconv>
#include <limits>

namespace corral::readiness {
namespace {

template <typename T>
std::optional<T> parse_number(std::string_view v) {
  T out{};
  if (v.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return out;
}

}  // namespace

Result<NotifyMessage> parse_notify_message(std::string_view d) {
  if (d.size() > kMaxNotifyDatagram)
    return Error::logic("notify message of " + std::to_string(d.size()) + " bytes (at most " +
                            std::to_string(kMaxNotifyDatagram) + ")",
                        EMSGSIZE);
  if (d.find('\0') != std::string_view::npos) return Error::logic("notify message holds a NUL byte", EBADMSG);
  NotifyMessage m;
  while (!d.empty()) {
    std::size_t nl = d.find('\n');
    std::string_view line = d.substr(0, nl);
    d = nl == std::string_view::npos ? std::string_view() : d.substr(nl + 1);
    if (line.empty()) continue;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      m.ignored.emplace_back(line.substr(0, 64));
      continue;
    }
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    bool good = true;
    if (key == "READY") good = (m.ready = value == "1") || value == "0";
    else if (key == "RELOADING") good = (m.reloading = value == "1") || value == "0";
    else if (key == "STOPPING") good = (m.stopping = value == "1") || value == "0";
    else if (key == "BARRIER") good = (m.barrier = value == "1");
    else if (key == "WATCHDOG") {
      m.watchdog = value == "1";
      m.watchdog_trigger = value == "trigger";
      good = m.watchdog || m.watchdog_trigger;
    } else if (key == "STATUS") {
      m.status = std::string(value.substr(0, kMaxStatusText));
    } else if (key == "MAINPID") {
      auto pid = parse_number<pid_t>(value);
      good = pid && *pid > 0;
      if (good) m.main_pid = *pid;
    } else if (key == "WATCHDOG_USEC") {
      auto us = parse_number<std::uint64_t>(value);
      good = us && *us > 0;
      if (good) m.watchdog_usec = *us;
    } else if (key == "EXTEND_TIMEOUT_USEC") {
      auto us = parse_number<std::uint64_t>(value);
      good = us.has_value();
      if (good) m.extend_timeout_usec = *us;
    } else if (key == "ERRNO") {
      auto e = parse_number<int>(value);
      good = e && *e >= 0;
      if (good) m.errno_value = *e;
    } else {
      good = false;  // unknown: FDSTORE=1, NOTIFYACCESS=, ... not ours to act on
    }
    if (!good) m.ignored.emplace_back(key.substr(0, 64));
  }
  return m;
}

}  // namespace corral::readiness
