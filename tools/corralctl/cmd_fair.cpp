// SPDX-License-Identifier: Apache-2.0
// suspend, resume, group list|show, top: corrald's fair-share groups and the
// medium-term scheduler (suspend/resume of a service's whole cgroup).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "service_client.hpp"

namespace corral::ctl {
namespace {

using nlohmann::json;
using protocol::Command;

void print_json(const json& j) { std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str()); }

std::string bytes_text(const json& v) {
  if (!v.is_number()) return "-";
  double b = v.get<double>();
  char buf[32];
  if (b >= 1 << 30) std::snprintf(buf, sizeof buf, "%.1fG", b / (1 << 30));
  else if (b >= 1 << 20) std::snprintf(buf, sizeof buf, "%.1fM", b / (1 << 20));
  else std::snprintf(buf, sizeof buf, "%.0fK", b / 1024);
  return buf;
}

// Per service: the last sample of (run_ns, ready_ns, sampled_ns), for top's split.
struct Sample {
  double run = 0, ready = 0, at = 0;
};
using Samples = std::map<std::string, Sample>;

// "R 45% r 10% B 45%" since the previous refresh, or "" on the first one.
std::string split_text(const json& m, Samples* samples) {
  if (!samples || !m.contains("run_ns")) return "";
  Sample now{m["run_ns"].get<double>(), m["ready_ns"].get<double>(), m["sampled_ns"].get<double>()};
  std::string key = m.value("name", "") + "/" + std::to_string(m.value("pid", 0));
  auto it = samples->find(key);
  std::string out;
  if (it != samples->end() && now.at > it->second.at) {
    double dt = now.at - it->second.at;
    double run = (now.run - it->second.run) / dt, ready = (now.ready - it->second.ready) / dt;
    double blocked = std::max(0.0, 1.0 - run - ready);
    char buf[80];
    std::snprintf(buf, sizeof buf, "Running %3.0f%%  Ready %3.0f%%  Blocked %3.0f%%", 100 * run, 100 * ready, 100 * blocked);
    out = buf;
  }
  (*samples)[key] = now;
  return out;
}

void print_groups(const json& d, bool members, Samples* samples = nullptr) {
  std::printf("fair share: %s, measured over the last %.1f s\n", d.value("mode", "").c_str(), d.value("interval_s", 0.0));
  std::printf("%-16s %7s %9s %8s %8s %7s %9s %6s\n", "GROUP", "WEIGHT", "SERVICES", "TARGET", "SHARE", "CPU%",
              "MEMORY", "PIDS");
  for (const auto& g : d["groups"]) {
    std::string pids = g["pids"].is_number() ? std::to_string(g["pids"].get<long>()) : "-";
    std::printf("%-16s %7u %9d %7.1f%% %7.1f%% %7.1f %9s %6s\n", g.value("name", "").c_str(), g.value("weight", 0u),
                g.value("services", 0), 100 * g.value("target_share", 0.0), 100 * g.value("measured_share", 0.0),
                g.value("cpu_percent", 0.0), bytes_text(g["memory_bytes"]).c_str(), pids.c_str());
    if (!members) continue;
    for (const auto& m : g["members"])
      std::printf("    %-20s %-16s pid %-8d %s\n", m.value("name", "").c_str(), m.value("state", "").c_str(),
                  m.value("pid", 0), split_text(m, samples).c_str());
  }
}

struct FairArgs {
  std::vector<std::string> names;
  std::string group;
  bool once = false;
  double interval = 1.0;
};

}  // namespace

void register_fair_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<FairArgs>();

  for (bool suspend : {true, false}) {
    auto* sub = app.add_subcommand(suspend ? "suspend" : "resume",
                                   suspend ? "freeze a service's cgroup (or SIGSTOP its process group)"
                                           : "thaw a suspended service (or SIGCONT it)");
    sub->add_option("names", args->names, "service names")->required();
    sub->callback([&ctx, args, suspend] {
      protocol::Request req;
      req.command = suspend ? Command::Suspend : Command::Resume;
      req.names = args->names;
      auto resp = call(req, ctx);
      if (!resp) return;
      if (ctx.json) print_json(resp->data);
      else
        for (const auto& r : resp->data)
          std::printf("%s: %s (pid %d)\n", r.value("name", "").c_str(), r.value("state", "").c_str(), r.value("pid", 0));
      ctx.exit_code = kExitOk;
    });
  }

  auto* group = app.add_subcommand("group", "fair-share groups: weight, target and measured CPU share");
  group->require_subcommand(1);
  auto* list = group->add_subcommand("list", "every group");
  auto* show = group->add_subcommand("show", "one group (or all) with its services");
  show->add_option("name", args->group, "group name");
  auto groups_cb = [&ctx, args](bool members) {
    protocol::Request req;
    req.command = Command::Groups;
    if (!args->group.empty()) req.names = {args->group};
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) print_json(resp->data);
    else print_groups(resp->data, members);
    ctx.exit_code = kExitOk;
  };
  list->callback([groups_cb] { groups_cb(false); });
  show->callback([groups_cb] { groups_cb(true); });

  auto* top = app.add_subcommand("top", "live view of the groups and their services (refreshes)");
  top->add_flag("--once", args->once, "print one view and exit");
  top->add_option("--interval", args->interval, "seconds between refreshes (default 1)")->check(CLI::PositiveNumber);
  top->callback([&ctx, args] {
    Samples samples;
    for (;;) {
      protocol::Request req;
      req.command = Command::Groups;
      auto resp = call(req, ctx);
      if (!resp) return;
      if (ctx.json) {
        print_json(resp->data);
      } else {
        if (!args->once && ::isatty(1)) std::printf("\033[H\033[2J");
        print_groups(resp->data, true, &samples);
      }
      std::fflush(stdout);
      if (args->once) break;
      std::this_thread::sleep_for(std::chrono::duration<double>(args->interval));
    }
    ctx.exit_code = kExitOk;
  });
}

}  // namespace corral::ctl
