// SPDX-License-Identifier: Apache-2.0
#include "corral/jobs/job_list_reply.hpp"

#include "corral/protocol/json_text.hpp"

namespace corral::jobs {

using protocol::append_json_double;
using protocol::append_json_int;
using protocol::append_json_string;
using protocol::append_json_uint;

void append_job_json(std::string& out, const Job& j, std::int64_t now_ns) {
  const JobFigures f = job_figures(j, now_ns);
  // The keys of job_to_json in std::map order, with the JSON types it gives them:
  // unsigned for id, uid, gid, start_time; signed for the times and pid.
  out += "{\"arrival_ns\":";
  append_json_int(out, j.arrival_ns);
  out += j.cancelled ? ",\"cancelled\":true" : ",\"cancelled\":false";
  out += ",\"cgroup\":";
  append_json_string(out, j.cgroup);
  out += ",\"command\":[";
  for (std::size_t i = 0; i < j.argv.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, j.argv[i]);
  }
  out += "],\"cwd\":";
  append_json_string(out, j.cwd);
  out += ",\"env\":{";
  bool first = true;
  for (const auto& [k, v] : j.env) {  // std::map<std::string, ...>: nlohmann's key order too
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':';
    append_json_string(out, v);
  }
  out += "},\"estimate_ns\":";
  append_json_int(out, j.estimate_ns);
  out += ",\"estimate_s\":";
  append_json_double(out, job_seconds(j.estimate_ns));
  out += ",\"estimate_source\":";
  append_json_string(out, j.estimate_source);
  out += ",\"exit\":";
  append_json_string(out, j.exit_text);
  out += ",\"exit_status\":";
  append_json_int(out, j.exit_status);
  out += ",\"finish_ns\":";
  append_json_int(out, j.finish_ns);
  out += ",\"finished_ms\":";
  append_json_int(out, j.finished_ms);
  out += ",\"gid\":";
  append_json_uint(out, j.gid);
  out += ",\"id\":";
  append_json_uint(out, j.id);
  out += ",\"label\":";
  append_json_string(out, j.label);
  out += ",\"name\":";
  append_json_string(out, j.name);
  out += ",\"normalized\":";
  if (f.normalized) append_json_double(out, *f.normalized);
  else out += "null";
  out += ",\"pid\":";
  append_json_int(out, j.live() ? j.pid : 0);
  out += ",\"queue\":";
  append_json_string(out, j.queue);
  out += ",\"service_ns\":";
  append_json_int(out, j.service_ns);
  out += ",\"service_s\":";
  append_json_double(out, job_seconds(j.service_ns));
  out += ",\"start_ns\":";
  append_json_int(out, j.start_ns);
  out += ",\"start_time\":";
  append_json_uint(out, j.start_time);
  out += ",\"started_ms\":";
  append_json_int(out, j.started_ms);
  out += ",\"state\":";
  append_json_string(out, job_state_name(j.state));
  out += ",\"submitted_ms\":";
  append_json_int(out, j.submitted_ms);
  out += ",\"turnaround_s\":";
  append_json_double(out, f.turnaround_s);
  out += ",\"uid\":";
  append_json_uint(out, j.uid);
  out += ",\"user\":";
  append_json_string(out, j.user);
  out += ",\"waiting_s\":";
  append_json_double(out, f.waiting_s);
  out += '}';
}

}  // namespace corral::jobs
