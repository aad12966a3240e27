// SPDX-License-Identifier: Apache-2.0
// A service's readiness, health and dependency settings (the keys notify,
// ready_probe, health_probe, start_timeout, watchdog, watchdog_signal and
// requires; man/corral.toml.5). Plain data, compared on reload.
#pragma once

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "corral/config/units.hpp"
#include "corral/readiness/probe.hpp"

namespace corral::config {

enum class NotifyMode { None, Systemd, Fd };

struct ReadinessConfig {
  NotifyMode notify = NotifyMode::None;
  int notify_fd = -1;                            // NotifyMode::Fd: the fd the service writes a newline to
  std::optional<readiness::ProbeSpec> ready_probe;
  std::optional<readiness::ProbeSpec> health_probe;
  Duration start_timeout = std::chrono::seconds(90);  // launched -> ready, at most (0: no limit)
  std::optional<Duration> watchdog;              // notify = "systemd" only: WATCHDOG=1 at least this often
  int watchdog_signal = SIGABRT;
  std::vector<std::string> required;             // `requires` (also added to `after`)

  // Whether readiness is signalled (notify or ready_probe) rather than assumed after start_secs.
  bool waits_for_ready() const { return notify != NotifyMode::None || ready_probe.has_value(); }
  bool operator==(const ReadinessConfig&) const = default;
};

// "none", "systemd", "fd:3".
std::string notify_text(const ReadinessConfig& r);

}  // namespace corral::config
