// SPDX-License-Identifier: Apache-2.0
// schedule simulate: the scheduling laboratory. Runs a job set through one of the
// textbook's policies on paper (lib/jobs, the decision core corrald's job queues
// use) and prints the Gantt chart and the table of finish, Tr and Tr/Ts. No daemon.
//
//   corralctl schedule simulate --policy P [--quantum Q] --jobs "A:0:3,B:2:6" [--json] [--svg FILE]
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "corral/jobs/gantt.hpp"
#include "corral/jobs/simulator.hpp"
#include "corral/jobs/time_units.hpp"
#include "exit_codes.hpp"

namespace corral::ctl {
namespace {

using ordered_json = nlohmann::ordered_json;  // keys in the documented order
using namespace corral::jobs;

struct SimulateArgs {
  std::string policy;
  std::string quantum;
  std::string jobs;
  std::string svg;
};

double units(Tick t) { return static_cast<double>(t) / static_cast<double>(kSimUnit); }

ordered_json result_json(const SimResult& r) {
  ordered_json j;
  j["policy"] = describe(r.policy, kSimUnit);
  j["jobs"] = ordered_json::array();
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    const auto& t = r.turnaround[i];
    j["jobs"].push_back({{"name", r.jobs[i].name},
                         {"arrival", units(t.arrival)},
                         {"service", units(t.service)},
                         {"finish", units(t.finish)},
                         {"turnaround", units(t.turnaround())},
                         {"normalized", t.normalized()}});
  }
  j["mean_turnaround"] = r.means.turnaround / static_cast<double>(kSimUnit);
  j["mean_normalized"] = r.means.normalized;
  j["gantt"] = ordered_json::array();
  for (const auto& s : r.gantt)
    j["gantt"].push_back({{"name", r.jobs[s.job].name}, {"start", units(s.start)}, {"end", units(s.end)}});
  return j;
}

void print_table(const SimResult& r) {
  std::size_t w = 4;
  for (const auto& j : r.jobs) w = std::max(w, j.name.size());
  const int nw = static_cast<int>(w);
  std::printf("%-*s %8s %8s %8s %8s %8s\n", nw, "JOB", "ARRIVAL", "SERVICE", "FINISH", "Tr", "Tr/Ts");
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    const auto& t = r.turnaround[i];
    std::printf("%-*s %8s %8s %8s %8s %8.2f\n", nw, r.jobs[i].name.c_str(), format_units(t.arrival, kSimUnit).c_str(),
                format_units(t.service, kSimUnit).c_str(), format_units(t.finish, kSimUnit).c_str(),
                format_units(t.turnaround(), kSimUnit).c_str(), t.normalized());
  }
  std::printf("%-*s %8s %8s %8s %8.2f %8.2f\n", nw, "mean", "", "", "", r.means.turnaround / kSimUnit,
              r.means.normalized);
}

int run_simulate(const SimulateArgs& a, const Context& ctx) {
  auto policy = make_policy(a.policy, a.quantum, kSimUnit);
  if (!policy) return fail("--policy/--quantum: " + policy.error().message, kExitUsage);
  auto jobs = parse_job_set(a.jobs);
  if (!jobs) return fail("--jobs: " + jobs.error().message, kExitUsage);
  auto result = simulate(*jobs, *policy);
  if (!result) return fail("simulate: " + result.error().message, kExitFailed);

  if (!a.svg.empty()) {
    std::ofstream out(a.svg, std::ios::trunc);
    out << render_gantt_svg(gantt_of(*result));
    out.close();
    if (!out) return fail("--svg " + a.svg + ": cannot write: " + std::strerror(errno), kExitFailed);
  }
  if (ctx.json) {
    std::printf("%s\n", result_json(*result).dump(2).c_str());
    return kExitOk;
  }
  std::printf("%s\n", render_gantt_text(gantt_of(*result)).c_str());
  print_table(*result);
  return kExitOk;
}

}  // namespace

void register_schedule_commands(CLI::App& app, Context& ctx) {
  auto* schedule = app.add_subcommand("schedule", "the scheduling laboratory: the textbook's policies on a job set");
  schedule->require_subcommand(1);

  auto sa = std::make_shared<SimulateArgs>();
  auto* sim = schedule->add_subcommand("simulate", "run a job set through a policy on paper: Gantt chart, Tr, Tr/Ts");
  sim->add_option("--policy", sa->policy, "fcfs, rr, spn, srt, hrrn or fb")->required();
  sim->add_option("--quantum", sa->quantum, "rr and fb: a number of time units (default 1), or 2^i for fb");
  sim->add_option("--jobs", sa->jobs, "name:arrival:service,... in time units, e.g. A:0:3,B:2:6")->required();
  sim->add_option("--svg", sa->svg, "also draw the Gantt chart as an SVG picture in FILE");
  sim->callback([sa, &ctx] { ctx.exit_code = run_simulate(*sa, ctx); });
  register_schedule_replay(schedule, ctx);  // replay, burn (cmd_schedule_replay.cpp)
}

}  // namespace corral::ctl
