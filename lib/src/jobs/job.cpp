// SPDX-License-Identifier: Apache-2.0
#include "corral/jobs/job.hpp"

#include <array>
#include <utility>

namespace corral::jobs {

using nlohmann::json;

namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 5> kStates{{
    {JobState::New, "New"},
    {JobState::Ready, "Ready"},
    {JobState::Running, "Running"},
    {JobState::ReadySuspend, "Ready/Suspend"},
    {JobState::Exit, "Exit"},
}};

}  // namespace

std::string_view job_state_name(JobState s) {
  for (const auto& [st, name] : kStates)
    if (st == s) return name;
  return "?";
}

std::optional<JobState> parse_job_state(std::string_view s) {
  for (const auto& [st, name] : kStates)
    if (name == s) return st;
  return std::nullopt;
}

JobFigures job_figures(const Job& j, std::int64_t now_ns) {
  const std::int64_t end = j.finish_ns >= 0 ? j.finish_ns : now_ns;
  const std::int64_t turnaround = end - j.arrival_ns;
  JobFigures f;
  f.waiting_s = job_seconds(turnaround - j.service_ns);
  f.turnaround_s = job_seconds(turnaround);
  if (j.service_ns > 0) f.normalized = static_cast<double>(turnaround) / static_cast<double>(j.service_ns);
  return f;
}

// Every change of keys or types here is a change of job_list_reply.cpp too (its
// unit test compares the two renderings byte for byte).
json job_to_json(const Job& j, std::int64_t now_ns) {
  const JobFigures f = job_figures(j, now_ns);
  json o{{"id", j.id},
         {"name", j.name},
         {"queue", j.queue},
         {"label", j.label},
         {"command", j.argv},
         {"env", j.env},
         {"cwd", j.cwd},
         {"uid", j.uid},
         {"gid", j.gid},
         {"user", j.user},
         {"state", job_state_name(j.state)},
         {"estimate_ns", j.estimate_ns},
         {"estimate_s", job_seconds(j.estimate_ns)},
         {"estimate_source", j.estimate_source},
         {"arrival_ns", j.arrival_ns},
         {"start_ns", j.start_ns},
         {"finish_ns", j.finish_ns},
         {"submitted_ms", j.submitted_ms},
         {"started_ms", j.started_ms},
         {"finished_ms", j.finished_ms},
         {"service_ns", j.service_ns},
         {"service_s", job_seconds(j.service_ns)},
         {"pid", j.live() ? j.pid : 0},
         {"start_time", j.start_time},
         {"cgroup", j.cgroup},
         {"cancelled", j.cancelled},
         {"exit_status", j.exit_status},
         {"exit", j.exit_text},
         {"waiting_s", f.waiting_s},
         {"turnaround_s", f.turnaround_s}};
  o["normalized"] = f.normalized ? json(*f.normalized) : json(nullptr);
  return o;
}

Result<Job> job_from_json(const json& o) {
  if (!o.is_object()) return Error::logic("job: expected an object");
  Job j;
  try {
    j.id = o.at("id").get<std::uint64_t>();
    j.name = o.value("name", "");
    j.queue = o.at("queue").get<std::string>();
    j.label = o.value("label", "");
    j.argv = o.at("command").get<std::vector<std::string>>();
    j.env = o.value("env", std::map<std::string, std::string>{});
    j.cwd = o.value("cwd", "");
    j.uid = o.value("uid", 0u);
    j.gid = o.value("gid", 0u);
    j.user = o.value("user", "");
    auto st = parse_job_state(o.at("state").get<std::string>());
    if (!st) return Error::logic("job " + std::to_string(j.id) + ": state: unknown \"" + o.at("state").get<std::string>() + "\"");
    j.state = *st;
    j.estimate_ns = o.value("estimate_ns", std::int64_t{0});
    j.estimate_source = o.value("estimate_source", "");
    j.arrival_ns = o.value("arrival_ns", std::int64_t{0});
    j.start_ns = o.value("start_ns", std::int64_t{-1});
    j.finish_ns = o.value("finish_ns", std::int64_t{-1});
    j.submitted_ms = o.value("submitted_ms", std::int64_t{0});
    j.started_ms = o.value("started_ms", std::int64_t{0});
    j.finished_ms = o.value("finished_ms", std::int64_t{0});
    j.service_ns = o.value("service_ns", std::int64_t{0});
    j.pid = o.value("pid", 0);
    j.start_time = o.value("start_time", std::uint64_t{0});
    j.cgroup = o.value("cgroup", "");
    j.cancelled = o.value("cancelled", false);
    j.exit_status = o.value("exit_status", -1);
    j.exit_text = o.value("exit", "");
  } catch (const json::exception& e) {
    return Error::logic("job " + std::to_string(j.id) + ": " + e.what());
  }
  if (j.argv.empty()) return Error::logic("job " + std::to_string(j.id) + ": command: empty");
  return j;
}

}  // namespace corral::jobs
