// SPDX-License-Identifier: Apache-2.0
// corrald's configuration: the structs the TOML file maps to, and the loader.
// The file format is documented in man/corral.toml.5; this header is the API.
//
// A Config is plain data: the daemon compares the old and the new one on reload
// (see config_diff.hpp) and builds a LaunchSpec from each ServiceConfig (see
// to_launch_spec.hpp). Nothing here touches the running system.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/config/queue_config.hpp"
#include "corral/config/readiness_config.hpp"
#include "corral/config/hardening_config.hpp"
#include "corral/config/units.hpp"
#include "corral/sched/sched_spec.hpp"

namespace corral::config {

inline constexpr const char* kDefaultConfigPath = "/etc/corral/corral.toml";
inline constexpr const char* kDefaultGroup = "default";

enum class FairShare { Cgroup, Nice, Off };
enum class DeadlockAction { Log, RestartVictim };
enum class Restart { No, OnFailure, Always };
enum class ThreadPlacement { None, Spread, Compact };

// Spellings as in the file: "cgroup", "restart-victim", "on-failure", "spread", ...
std::string_view to_string(FairShare v);
std::string_view to_string(DeadlockAction v);
std::string_view to_string(Restart v);
std::string_view to_string(ThreadPlacement v);

struct DaemonConfig {
  std::string socket;      // absolute after loading
  std::string log_dir;     // absolute after loading
  std::string state_dir;   // absolute after loading
  std::uint64_t log_max_size = 10ULL << 20;  // bytes; a log is rotated past this size
  unsigned log_keep = 5;                      // rotated files kept per log
  FairShare fair_share = FairShare::Cgroup;
  Duration fair_share_interval = std::chrono::seconds(1);
  std::optional<Duration> deadlock_check;     // nullopt: no periodic deadlock check
  DeadlockAction deadlock_action = DeadlockAction::Log;
  Duration rescan_interval = std::chrono::seconds(1);  // thread-pinning rescan
  std::string cgroup_name = "corral";         // the cgroup subtree corrald makes (fair_share = "cgroup")
  std::string metrics_listen;                 // "HOST:PORT" or an absolute socket path; "" = no /metrics
  std::string socket_group;                   // the control socket's group (root:GROUP 0660); "" = 0666

  bool operator==(const DaemonConfig&) const = default;
};

// The daemon defaults for a user: root gets /run/corral/corral.sock, /var/log/corral,
// /var/lib/corral; others get $XDG_RUNTIME_DIR/corral/corral.sock (or
// /tmp/corral-UID/corral.sock without XDG_RUNTIME_DIR) and
// ${XDG_STATE_HOME:-$HOME/.local/state}/corral/{log,state}.
// `env` stands in for the environment so tests need not change the real one.
DaemonConfig default_daemon_config(uid_t euid, const std::map<std::string, std::string>& env);
// The same for the calling process (geteuid() and the real environment).
DaemonConfig default_daemon_config();

// A fair-share group ([group.NAME]). The group "default" always exists.
struct GroupConfig {
  std::string name;
  unsigned weight = 100;                 // 1..10000, cgroup v2 cpu.weight scale
  std::optional<double> cpu_max;         // CPUs (1.5 = "150%"); nullopt = "max" (no limit)
  std::optional<std::uint64_t> memory_max;  // bytes; nullopt = "max"
  std::optional<std::uint64_t> pids_max;    // nullopt = "max"
  std::vector<int> cpus;                 // sorted; empty = all CPUs

  bool operator==(const GroupConfig&) const = default;
};

// `sched = {...}` of a service, validated for its policy. Its own struct (rather
// than sched::SchedSpec) so that ServiceConfig keeps a defaulted operator==.
struct SchedConfig {
  sched::Policy policy = sched::Policy::Other;
  unsigned priority = 0;                 // 1..99 for fifo/rr, else 0
  std::optional<int> nice;               // -20..19; other/batch/idle only
  Duration runtime{0};                   // deadline only
  Duration deadline{0};                  // deadline only
  Duration period{0};                    // deadline only; defaults to deadline

  bool operator==(const SchedConfig&) const = default;
  sched::SchedSpec to_spec() const;
};

// `affinity = {...}` of a service.
struct AffinityConfig {
  std::vector<int> cpus;                 // sorted; empty = all CPUs
  ThreadPlacement threads = ThreadPlacement::None;

  bool operator==(const AffinityConfig&) const = default;
};

// One service instance. A [service.web] with instances = 3 becomes three
// ServiceConfigs named "web@0", "web@1", "web@2" with template_name "web"; with
// instances = 1 (the default) the one instance is named "web". Everything but
// name and instance is the same in all instances of a template.
struct ServiceConfig {
  std::string name;                      // "web" or "web@2"
  std::string template_name;             // "web": the [service.NAME] it came from
  unsigned instance = 0;                 // index within the template (0 when single)
  // (How many instances a template has is not stored here on purpose: scaling a
  // template from 3 to 4 must not make web@0..web@2 look "changed" on reload.)

  std::vector<std::string> argv;         // never empty after loading
  std::map<std::string, std::string> env;
  std::string cwd;                       // absolute, or empty = the daemon's cwd
  std::optional<std::string> user;       // name or number
  std::optional<std::string> unix_group; // primary Unix group (the key `group` is the fair-share group!)
  std::optional<mode_t> umask;

  bool autostart = true;
  Restart restart = Restart::OnFailure;
  Duration start_secs = std::chrono::seconds(1);
  Duration backoff_initial = std::chrono::milliseconds(100);
  Duration backoff_max = std::chrono::seconds(30);
  unsigned start_limit_burst = 5;
  Duration start_limit_interval = std::chrono::seconds(60);
  int stop_signal = 15;                  // SIGTERM
  Duration stop_timeout = std::chrono::seconds(10);
  int parent_death_signal = 0;           // sent to the service if corrald dies; 0 = none (services outlive corrald)

  std::vector<std::string> after;        // template (service) names, as written
  std::string group = kDefaultGroup;     // fair-share group
  std::optional<SchedConfig> sched;
  std::optional<AffinityConfig> affinity;
  ReadinessConfig readiness;             // notify, probes, start_timeout, watchdog, requires
  HardeningConfig hardening;             // syscall filter, capabilities, no_new_privs

  // Log rotation, already resolved: the service's own setting or [daemon]'s.
  std::uint64_t log_max_size = 10ULL << 20;
  unsigned log_keep = 5;

  bool operator==(const ServiceConfig&) const = default;
};

struct Config {
  DaemonConfig daemon;
  std::map<std::string, GroupConfig> groups;      // always has "default"
  std::map<std::string, ServiceConfig> services;  // by instance name, instances expanded
  std::map<std::string, QueueConfig> queues;      // job queues; always has "default"
  std::vector<std::string> files_read;            // main file first, then conf.d/*.toml sorted
};

// One problem found while loading, with its place in the file.
struct ConfigError {
  std::string file;
  unsigned line = 0;     // 1-based; 0 when the error has no place (e.g. unreadable file)
  unsigned column = 0;
  std::string message;   // "service.web.restart: expected ..."

  // "FILE:LINE:COL: MESSAGE" (or "FILE: MESSAGE" without a place).
  std::string to_string() const;
};

// Everything a load found: the Config is meaningful only when errors is empty.
struct ConfigLoad {
  Config config;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

// Reads `path` and the *.toml files of the conf.d folder next to it (sorted by
// name), validates everything and collects every error rather than stopping at
// the first.
ConfigLoad load_config_collect(const std::string& path);

// The same as a Result: on failure the Error's message holds every error, one
// per line, each "FILE:LINE:COL: MESSAGE"; code is EINVAL (ENOENT when the main
// file does not exist).
Result<Config> load_config(const std::string& path);

// Instance names in the order to start them: a service after everything in its
// `after` list (all instances of each), ties broken by template name then
// instance number. load_config rejects cycles; should one be given anyway, the
// services in it come last, in name order.
std::vector<std::string> start_order(const Config& config);

}  // namespace corral::config
