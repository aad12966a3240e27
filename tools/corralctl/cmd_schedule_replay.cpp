// SPDX-License-Identifier: Apache-2.0
// schedule replay: the laboratory's job set run for real. Each job becomes a
// `corralctl schedule burn S` process (it burns exactly S seconds of CPU, on its own
// CPU clock) submitted to a 1-slot queue of corrald with the policy, at its arrival
// on the real clock; then the measured Tr and Tr/Ts are printed beside the
// simulated ones.
//
//   corralctl schedule replay --policy P [--quantum Q] --unit 200ms [--jobs SET] [--queue Q] [--json]
//   corralctl schedule burn SECONDS
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "corral/config/units.hpp"
#include "corral/jobs/simulator.hpp"
#include "corral/jobs/time_units.hpp"
#include "exit_codes.hpp"
#include "service_client.hpp"
#include "text_out.hpp"

namespace corral::ctl {
namespace {

using nlohmann::json;
using namespace corral::jobs;

constexpr const char* kWorkedSet = "A:0:3,B:2:6,C:4:4,D:6:5,E:8:2";

struct ReplayArgs {
  std::string policy, quantum, unit = "200ms", jobs = kWorkedSet, queue;
};

long long process_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

// Burns CPU until this process has used `seconds` of it (waiting for a CPU, or being
// frozen, does not count: the clock is the process's own).
int run_burn(const std::string& text) {
  char* end = nullptr;
  double seconds = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(seconds >= 0) || seconds > 86400)
    return fail("schedule burn: SECONDS: expected a number from 0 to 86400, got \"" + text + "\"", kExitUsage);
  const long long target = static_cast<long long>(seconds * 1e9);
  volatile unsigned long long sink = 0;
  while (process_cpu_ns() < target)
    for (int i = 0; i < 2000; ++i) sink = sink + static_cast<unsigned long long>(i);
  std::printf("burned %.3f s of CPU\n", static_cast<double>(process_cpu_ns()) / 1e9);
  return kExitOk;
}

std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "corralctl";
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string fixed(double v, int digits = 2) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

int run_replay(const ReplayArgs& a, Context& ctx) {
  auto unit = config::parse_duration(a.unit);
  if (!unit || unit->count() <= 0) return fail("--unit: " + (unit ? std::string("must be > 0") : unit.error().message), kExitUsage);
  const double unit_ns = static_cast<double>(unit->count());
  auto set = parse_job_set(a.jobs, kSimUnit);
  if (!set) return fail("--jobs: " + set.error().message, kExitUsage);
  auto policy = make_policy(a.policy, a.quantum, kSimUnit);
  if (!policy) return fail(policy.error().message, kExitUsage);
  const std::string qname = a.queue.empty() ? "lab-" + a.policy : a.queue;

  // The queue must be the policy's: 1 slot, same policy and quantum (in real time).
  protocol::Request lreq;
  lreq.command = protocol::Command::QueueList;
  auto list = call(lreq, ctx);
  if (!list) return ctx.exit_code;
  const long long want_quantum = policy->uses_quantum() ? std::llround(static_cast<double>(policy->quantum) * unit_ns / kSimUnit) : 0;
  std::string hint = "add to corrald's config and reload:\n  [queue." + qname + "]\n  policy = \"" + a.policy + "\"\n";
  if (policy->quantum_doubles) hint += "  quantum = \"2^i\"\n  quantum_unit = \"" + std::to_string(want_quantum / 1000000) + "ms\"\n";
  else if (policy->uses_quantum()) hint += "  quantum = \"" + std::to_string(want_quantum / 1000000) + "ms\"\n";
  const json* q = nullptr;
  for (const auto& row : list->data)
    if (row.value("name", "") == qname) q = &row;
  if (!q) return fail("schedule replay needs a 1-slot queue " + qname + " with policy " + a.policy + "; " + hint, kExitFailed);
  if (q->value("slots", 0) != 1 || q->value("policy_name", "") != a.policy ||
      (policy->uses_quantum() && (q->value("quantum_ns", 0LL) != want_quantum ||
                                  q->value("quantum_doubles", false) != policy->quantum_doubles)))
    return fail("queue " + qname + " is \"" + q->value("policy", "") + "\" with " + std::to_string(q->value("slots", 0)) +
                    " slots, not a 1-slot " + a.policy + " queue for this unit; " + hint,
                kExitFailed);
  if (q->value("queued", 0) + q->value("running", 0) > 0)
    return fail("queue " + qname + " is not empty: a replay needs it to itself", kExitFailed);

  auto sim = simulate(*set, *policy, 1);
  if (!sim) return fail(sim.error().message, kExitUsage);

  // The real run: arrivals on the real clock.
  std::vector<std::size_t> order(set->size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return (*set)[x].arrival < (*set)[y].arrival; });
  const std::string exe = self_exe();
  std::vector<std::string> ids(set->size());
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i : order) {
    const auto& job = (*set)[i];
    std::this_thread::sleep_until(t0 + std::chrono::nanoseconds(std::llround(static_cast<double>(job.arrival) * unit_ns / kSimUnit)));
    const double service_s = static_cast<double>(job.service) * unit_ns / kSimUnit / 1e9;
    protocol::Request req;
    req.command = protocol::Command::Submit;
    req.argv = {exe, "schedule", "burn", fixed(service_s, 6)};
    req.name = job.name;
    req.args = json{{"queue", qname}, {"cwd", "/"}, {"estimate", std::to_string(std::llround(service_s * 1e6)) + "us"}};
    auto r = call(req, ctx);
    if (!r) return ctx.exit_code;
    ids[i] = std::to_string(r->data.value("id", std::uint64_t{0}));
  }
  protocol::Request wreq;
  wreq.command = protocol::Command::JobWait;
  wreq.names = ids;
  auto done = call(wreq, ctx);
  if (!done) return ctx.exit_code;

  json out{{"policy", describe(*policy, kSimUnit)}, {"unit_s", unit_ns / 1e9}, {"queue", qname}, {"jobs", json::array()}};
  bool within = true;
  double sum_sim = 0, sum_real = 0, sum_sim_n = 0, sum_real_n = 0;
  Table t({"JOB", "ARRIVAL", "SERVICE", "SIM FINISH", "SIM TR", "SIM TR/TS", "REAL TS", "REAL TR", "REAL TR/TS", "DIFF"},
          {false, true, true, true, true, true, true, true, true, true});
  for (std::size_t i = 0; i < set->size(); ++i) {
    const json& real = done->data.at(i);
    const auto& tr = sim->turnaround[i];
    const double s_tr = static_cast<double>(tr.turnaround()) / kSimUnit;
    const double r_tr = static_cast<double>(real.value("finish_ns", 0LL) - real.value("arrival_ns", 0LL)) / unit_ns;
    const double r_ts = static_cast<double>(real.value("service_ns", 0LL)) / unit_ns;
    const double r_norm = r_ts > 0 ? r_tr / r_ts : 0;
    // Within 10% of the simulated Tr, plus one unit (quantum and start-up jitter).
    const bool ok = std::fabs(r_tr - s_tr) <= 0.10 * s_tr + 1.0;
    within = within && ok;
    sum_sim += s_tr;
    sum_real += r_tr;
    sum_sim_n += tr.normalized();
    sum_real_n += r_norm;
    out["jobs"].push_back({{"name", (*set)[i].name},
                           {"id", std::stoull(ids[i])},
                           {"arrival", static_cast<double>(tr.arrival) / kSimUnit},
                           {"service", static_cast<double>(tr.service) / kSimUnit},
                           {"simulated", {{"finish", static_cast<double>(tr.finish) / kSimUnit}, {"turnaround", s_tr}, {"normalized", tr.normalized()}}},
                           {"measured", {{"service", r_ts}, {"turnaround", r_tr}, {"normalized", r_norm}}},
                           {"within", ok}});
    t.add_row({(*set)[i].name, format_units(tr.arrival, kSimUnit), format_units(tr.service, kSimUnit),
               format_units(tr.finish, kSimUnit), fixed(s_tr), fixed(tr.normalized()), fixed(r_ts), fixed(r_tr),
               fixed(r_norm), (r_tr >= s_tr ? "+" : "") + fixed(100 * (r_tr - s_tr) / s_tr, 1) + "%"});
  }
  const double n = static_cast<double>(set->size());
  out["simulated_mean_turnaround"] = sum_sim / n;
  out["measured_mean_turnaround"] = sum_real / n;
  out["simulated_mean_normalized"] = sum_sim_n / n;
  out["measured_mean_normalized"] = sum_real_n / n;
  out["within"] = within;
  if (ctx.json) {
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s on queue %s, 1 unit = %s (times in units)\n", describe(*policy, kSimUnit).c_str(), qname.c_str(), a.unit.c_str());
    t.add_row({"mean", "", "", "", fixed(sum_sim / n), fixed(sum_sim_n / n), "", fixed(sum_real / n), fixed(sum_real_n / n), ""});
    t.print(stdout, 0);
    std::printf("%s\n", within ? "every job within 10% + 1 unit of the simulation"
                               : "some jobs are further than 10% + 1 unit from the simulation (a loaded machine?)");
  }
  return kExitOk;
}

}  // namespace

void register_schedule_replay(CLI::App* schedule, Context& ctx) {
  auto ra = std::make_shared<ReplayArgs>();
  auto* replay = schedule->add_subcommand(
      "replay", "run the job set for real on corrald (1-slot queue of the policy) and compare with the simulation");
  replay->add_option("--policy", ra->policy, "fcfs, rr, spn, srt, hrrn or fb")->required();
  replay->add_option("--quantum", ra->quantum, "rr and fb: time units (default 1), or 2^i for fb");
  replay->add_option("--unit", ra->unit, "the real length of one time unit")->capture_default_str();
  replay->add_option("--jobs", ra->jobs, "name:arrival:service,... in time units")->capture_default_str();
  replay->add_option("--queue", ra->queue, "the 1-slot queue to use (default lab-POLICY)");
  replay->callback([ra, &ctx] { ctx.exit_code = run_replay(*ra, ctx); });

  auto secs = std::make_shared<std::string>();
  auto* burn = schedule->add_subcommand("burn", "burn exactly SECONDS of CPU time (the replay's jobs)");
  burn->add_option("seconds", *secs, "CPU seconds")->required();
  burn->callback([secs, &ctx] { ctx.exit_code = run_burn(*secs); });
}

}  // namespace corral::ctl
