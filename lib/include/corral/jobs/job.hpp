// SPDX-License-Identifier: Apache-2.0
// One job of the long-term scheduler, as corrald keeps it: what to run and as whom
// (fixed at submission), and its textbook life (New, Ready/Running holding a slot,
// Ready/Suspend when preempted, Exit) with the times that give Tr and Tr/Ts.
// The same JSON serves `jobs --json`, `job show` and the jobs file in state_dir;
// `jobs` streams it without a tree (job_list_reply.hpp), byte for byte the same.
// It lives in lib, not in corrald, so that unit tests can hold the two renderings
// side by side.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "corral/base/result.hpp"

namespace corral::jobs {

enum class JobState { New, Ready, Running, ReadySuspend, Exit };
std::string_view job_state_name(JobState s);  // "New", "Ready", "Running", "Ready/Suspend", "Exit"
std::optional<JobState> parse_job_state(std::string_view s);

struct Job {
  std::uint64_t id = 0;
  std::string name, queue, label;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string cwd;
  uid_t uid = 0;  // runs as (the submitter's, or --user's for root)
  gid_t gid = 0;
  std::string user;  // the --user root gave ("" = by uid and gid)
  JobState state = JobState::New;
  std::int64_t estimate_ns = 0;     // expected service; 0 = unknown
  std::string estimate_source;      // "given", "label" or ""
  // CLOCK_MONOTONIC (the queue's clock; it survives a restart of corrald, not a reboot).
  std::int64_t arrival_ns = 0, start_ns = -1, finish_ns = -1;
  std::int64_t submitted_ms = 0, started_ms = 0, finished_ms = 0;  // Unix time, for people
  std::int64_t service_ns = 0;      // CPU time consumed (cpuacct, or the processes' times)
  pid_t pid = 0;
  std::uint64_t start_time = 0;     // /proc/PID/stat field 22: the pid is this process
  std::string cgroup;               // below corrald's subtree; "" = SIGSTOP/SIGCONT fallback
  bool cancelled = false;
  int exit_status = -1;             // what `job wait` exits with: the code or 128+signal; -1 = unknown
  std::string exit_text;            // "exited with code 0", "cancelled", ...

  bool live() const { return state != JobState::Exit; }
  bool holds_process() const { return state == JobState::Running || state == JobState::ReadySuspend || state == JobState::Ready; }
};

// The textbook's figures at `now_ns`: Tr = finish - arrival (so far, while live),
// waiting = Tr - Ts, and Tr/Ts once the job has had service.
struct JobFigures {
  double waiting_s = 0, turnaround_s = 0;
  std::optional<double> normalized;
};
JobFigures job_figures(const Job& j, std::int64_t now_ns);
// The seconds of a duration in ns, as the JSON gives them (estimate_s, service_s).
inline double job_seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

// The record plus its figures at `now_ns`.
nlohmann::json job_to_json(const Job& j, std::int64_t now_ns);
// Back from the jobs file; errors name the field.
Result<Job> job_from_json(const nlohmann::json& j);

}  // namespace corral::jobs
