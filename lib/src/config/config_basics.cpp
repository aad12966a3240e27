// SPDX-License-Identifier: Apache-2.0
// Small pieces of the config API: enum spellings, daemon defaults, error text.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "corral/config/config.hpp"

namespace corral::config {

std::string_view to_string(FairShare v) {
  switch (v) {
    case FairShare::Cgroup: return "cgroup";
    case FairShare::Nice: return "nice";
    case FairShare::Off: return "off";
  }
  return "?";
}

std::string_view to_string(DeadlockAction v) {
  switch (v) {
    case DeadlockAction::Log: return "log";
    case DeadlockAction::RestartVictim: return "restart-victim";
  }
  return "?";
}

std::string_view to_string(Restart v) {
  switch (v) {
    case Restart::No: return "no";
    case Restart::OnFailure: return "on-failure";
    case Restart::Always: return "always";
  }
  return "?";
}

std::string_view to_string(ThreadPlacement v) {
  switch (v) {
    case ThreadPlacement::None: return "none";
    case ThreadPlacement::Spread: return "spread";
    case ThreadPlacement::Compact: return "compact";
  }
  return "?";
}

DaemonConfig default_daemon_config(uid_t euid, const std::map<std::string, std::string>& env) {
  DaemonConfig d;
  if (euid == 0) {
    d.socket = "/run/corral/corral.sock";
    d.log_dir = "/var/log/corral";
    d.state_dir = "/var/lib/corral";
    return d;
  }
  auto get = [&](const char* name) -> std::string {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  // XDG paths must be absolute to count (the XDG Base Directory spec says to
  // ignore relative ones).
  std::string runtime = get("XDG_RUNTIME_DIR");
  if (!runtime.empty() && runtime[0] == '/')
    d.socket = runtime + "/corral/corral.sock";
  else
    d.socket = "/tmp/corral-" + std::to_string(euid) + "/corral.sock";
  std::string state = get("XDG_STATE_HOME");
  if (state.empty() || state[0] != '/') {
    std::string home = get("HOME");
    if (home.empty() || home[0] != '/') {
      struct passwd pw {};
      struct passwd* found = nullptr;
      char buf[4096];
      if (getpwuid_r(euid, &pw, buf, sizeof buf, &found) == 0 && found && found->pw_dir) home = found->pw_dir;
      if (home.empty()) home = "/tmp/corral-" + std::to_string(euid);
    }
    state = home + "/.local/state";
  }
  d.log_dir = state + "/corral/log";
  d.state_dir = state + "/corral/state";
  return d;
}

DaemonConfig default_daemon_config() {
  std::map<std::string, std::string> env;
  for (const char* name : {"XDG_RUNTIME_DIR", "XDG_STATE_HOME", "HOME"})
    if (const char* v = std::getenv(name)) env[name] = v;
  return default_daemon_config(geteuid(), env);
}

std::string ConfigError::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

sched::SchedSpec SchedConfig::to_spec() const {
  sched::SchedSpec s;
  s.policy = policy;
  s.priority = priority;
  s.nice = nice;
  s.runtime_ns = static_cast<std::uint64_t>(runtime.count());
  s.deadline_ns = static_cast<std::uint64_t>(deadline.count());
  s.period_ns = static_cast<std::uint64_t>(period.count());
  return s;
}

}  // namespace corral::config
