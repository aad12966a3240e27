// SPDX-License-Identifier: Apache-2.0
// The control protocol between corralctl and corrald: one JSON object per line,
// one reply per request (a `logs --follow` request is then followed by log
// chunks until the client hangs up). Both sides use only these types.
//
// Request:  {"v":1,"cmd":"stop","names":["web"]}
// Response: {"v":1,"ok":true,"data":...}  or  {"v":1,"ok":false,"error":"..."}
// Chunk:    {"v":1,"log":"text"}
// Event:    {"v":1,"event":{"time":...,"service":...,...}}  (after an `events` reply)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "corral/base/result.hpp"

namespace corral::protocol {

inline constexpr int kVersion = 1;
// A line longer than this is refused and the client dropped: it bounds the
// memory one client can make the daemon hold.
inline constexpr std::size_t kMaxLine = 64 * 1024;

enum class Command : std::uint8_t { Status, Show, Start, Stop, Restart, Signal, Reload, Logs, Run, Shutdown, Version,
                                    Suspend, Resume, Groups, SyscallsLearned, Metrics, Events, DaemonReexec,
                                    // The job queue (daemon/jobs/): any user may submit and see or cancel
                                    // their own jobs; queue-pause/resume need a privileged peer.
                                    Submit, Jobs, JobShow, JobWait, JobCancel, JobLogs, QueueList, QueuePause,
                                    QueueResume };

std::string_view command_name(Command c);
std::optional<Command> parse_command(std::string_view s);
// Commands that change state need a privileged peer (root, the daemon's user, or the socket's group).
bool changes_state(Command c);

struct Request {
  int version = kVersion;
  Command command = Command::Status;
  std::vector<std::string> names;  // services (NAME or NAME@i; a bare NAME also matches its instances)
  std::string signal;              // signal: "TERM", "SIGHUP", "9"
  int lines = 10;                  // logs -n
  bool follow = false;             // logs -f
  std::vector<std::string> argv;   // run: the command
  std::string name;                // run --name
  // Optional (an older client sends none): start/restart reply at once instead
  // of when the services are ready.
  bool no_block = false;
  // Optional: the further arguments of the newer commands, as an object (submit:
  // queue, label, estimate, cwd, env, user; jobs: queue). Null when there are none.
  nlohmann::json args;
};

struct Response {
  int version = kVersion;
  bool ok = true;
  std::string error;
  nlohmann::json data;  // command-specific; null when there is nothing to say

  static Response failure(std::string message) {
    Response r;
    r.ok = false;
    r.error = std::move(message);
    return r;
  }
  static Response success(nlohmann::json d = nullptr) {
    Response r;
    r.data = std::move(d);
    return r;
  }
};

// One row of `status`: the keys scripts rely on.
struct ServiceStatus {
  std::string name;
  std::string state;
  int pid = 0;              // 0 when no process runs
  int restarts = 0;
  double uptime_s = 0;      // 0 when no process runs
  std::string last_exit;    // "exited with code 1", "killed by SIGKILL", "" when it never exited
  std::string error;        // why it is not running as asked ("" when fine)
  // A later addition, still protocol v1 (optional field): true while corrald's periodic
  // deadlock check ([daemon] deadlock_check) sees one of its processes in a deadlock.
  // Optional on the wire: a reply without it (an older corrald) reads as false.
  bool deadlock = false;
  // Readiness and health, also optional on the wire (older daemons: ready = state is
  // "running", health "unknown", no status_text).
  bool ready = false;             // it said or showed it is ready (or was up start_secs)
  std::string health = "unknown"; // "ok", "failing" or "unknown" (no health check, or not running)
  std::string status_text;        // the last sd_notify STATUS=
};
nlohmann::json to_json(const ServiceStatus& s);
Result<ServiceStatus> status_from_json(const nlohmann::json& j);

// j as one line ending with '\n'. Invalid UTF-8 (a service may log anything)
// is replaced, so it never throws.
std::string dump_line(const nlohmann::json& j);
// Each encode ends with '\n'. Decoders take one line without its '\n'.
std::string encode(const Request& r);
std::string encode(const Response& r);
std::string encode_log_chunk(std::string_view text);
Result<Request> decode_request(std::string_view line);
Result<Response> decode_response(std::string_view line);
// A line from the daemon after a follow reply: the log text, or an error.
Result<std::string> decode_log_chunk(std::string_view line);

}  // namespace corral::protocol
