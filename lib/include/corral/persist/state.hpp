// SPDX-License-Identifier: Apache-2.0
// corrald's state file: what the daemon must not forget across its own crash,
// restart or re-exec. A pure, versioned encode/decode (JSON with a "format"
// field); reading and writing the file is in state_file.hpp.
//
// Persisted state is what was asked for and what was running, never a live
// handle: on restore the daemon checks every recorded process against the
// kernel (pid + start time + cgroup or process group) before believing it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::persist {

// Format versions this build reads; it writes kFormat.
inline constexpr int kFormat = 1;
inline constexpr const char* kStateFileName = "corrald.state";

// What the operator asked for: survives a crash of corrald.
enum class Intent : std::uint8_t {
  Started,         // should run (autostart, start, restart)
  StoppedByHand,   // stopped (or never started): stays stopped
  Suspended,       // running but suspended: stays suspended
};
std::string_view intent_name(Intent i);
std::optional<Intent> parse_intent(std::string_view s);

struct ExitEntry {
  std::int64_t wall_time_ms = 0;
  int code = -1;
  int signal = 0;
  bool core_dumped = false;
  bool launch_failed = false;
  std::string description;
  std::int64_t run_time_ms = 0;
  bool operator==(const ExitEntry&) const = default;
};

struct ServiceRecord {
  std::string name;
  Intent intent = Intent::Started;
  std::string state;                 // the machine's state name when written (for humans and logs)
  pid_t pid = 0;                     // main process, 0 = none
  std::uint64_t start_time = 0;      // field 22 of /proc/PID/stat (clock ticks after boot)
  pid_t pgid = 0;                    // its process group (the service's own session)
  std::string cgroup;                // relative cgroup path ("group/service"), "" without cgroups
  int restarts = 0;
  int failures = 0;                  // consecutive failed starts (the backoff)
  std::vector<std::int64_t> recent_starts_ms;  // wall times of recent starts (the start limit)
  std::vector<ExitEntry> history;    // newest first; history[0] is the last exit
  std::string config_hash;           // config_fingerprint() of the config it runs with
  bool transient = false;            // made by `run`
  bool operator==(const ServiceRecord&) const = default;
};

struct DaemonState {
  int format = kFormat;
  std::int64_t written_ms = 0;       // Unix time of the write
  pid_t daemon_pid = 0;
  std::uint64_t boot_id_hash = 0;    // a reboot makes every recorded pid meaningless
  std::vector<ServiceRecord> services;
  bool operator==(const DaemonState&) const = default;
};

// One JSON document, one line per service record, newline-terminated.
std::string encode(const DaemonState& state);
// Every format version this build knows. Errors name the field
// ("services[2].pid: expected an integer"); a torn file is an error, never half a state.
Result<DaemonState> decode(std::string_view text);

}  // namespace corral::persist
